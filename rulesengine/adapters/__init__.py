"""Adapters: platforms' own records in, event-contract events out (a stage before the loader).

Each platform has one module (`genesys_cloud`, `twilio_taskrouter`) that maps its
records to contract events, one interaction at a time; what they share is here and
in `records` (reading exports), `timeline` (ordering and numbering an interaction's
events), `times`, `names` and `outcome`. For a program, one function per platform
yields the contract events as dicts:

    stats = ConversionStats()
    for event in genesys_cloud_events(["export/"], stats=stats):
        ...                                   # one dict per event, an interaction's events in seq order
    stats.rejections                          # the records that could not be mapped, and why

The dicts go straight to `Engine.evaluate_events`, or to a JSON lines file for
`rulesengine run`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import attrs

from rulesengine.adapters import genesys_cloud, twilio_taskrouter
from rulesengine.adapters.names import Names
from rulesengine.adapters.outcome import ConversionStats, Converted, Unmapped
from rulesengine.adapters.records import Place, SourceRecord, Unreadable, UnreadableSource, read_records

#: how records given as objects (not files) are named in diagnostics: `<records>`, record N
RECORDS_PATH = "<records>"

#: sources of records: a file or folder, several of them, or the records themselves
Sources = str | os.PathLike | Sequence[str | os.PathLike] | Iterable[Mapping]
Options = genesys_cloud.Options | twilio_taskrouter.Options


@attrs.frozen
class Adapter:
    """A platform: its name on the command line, the key its pages list records under, and the
    noun the summary counts its records by."""

    name: str
    container: str
    unit: tuple[str, str]
    options: type
    convert: Callable[[Iterable[SourceRecord | Unreadable], Options, ConversionStats],
                      Iterator[Converted | Unmapped]]


ADAPTERS: dict[str, Adapter] = {
    module.NAME: Adapter(module.NAME, module.CONTAINER, module.UNIT, module.Options, module.convert)
    for module in (genesys_cloud, twilio_taskrouter)
}


def convert(name: str, sources: Sources, options: Options, stats: ConversionStats) -> Iterator[Converted | Unmapped]:
    """Every interaction the sources hold, or what could not be mapped, counted into `stats`.

    Raises `UnreadableSource` before producing anything when a file cannot be read.
    """
    adapter = ADAPTERS[name]
    for item in adapter.convert(_records(sources, adapter.container), options, stats):
        if isinstance(item, Unmapped):
            stats.rejected += 1
        else:
            stats.interactions += 1
            stats.open += not item.ended
        yield item


def genesys_cloud_events(sources: Sources, *, names: Mapping[str, str] | None = None, repair: bool = True,
                         stats: ConversionStats | None = None) -> Iterator[dict]:
    """Contract events of Genesys Cloud conversation-detail records, an interaction at a time.

    `sources`: a file or folder of exports (JSON lines, a record, an array, a details
    query result), several of them, or the records themselves as dicts. `names` maps
    queue, user and flow ids to names; `repair=False` rejects timestamps with one-digit
    fields instead of repairing them. Records that cannot be mapped are not yielded:
    they are in `stats.rejections`, with why.
    """
    options = genesys_cloud.Options(names=Names(dict(names or {})), repair=repair)
    yield from _events(genesys_cloud.NAME, sources, options, stats)


def twilio_taskrouter_events(sources: Sources, *, names: Mapping[str, str] | None = None,
                             abandon_reasons: Iterable[str] = twilio_taskrouter.ABANDON_REASONS,
                             window: int = twilio_taskrouter.WINDOW,
                             stats: ConversionStats | None = None) -> Iterator[dict]:
    """Contract events of Twilio TaskRouter event records, one task (interaction) at a time.

    `sources` as for `genesys_cloud_events`, each record one TaskRouter event.
    `abandon_reasons` are the `task.canceled` reasons that mean the customer left;
    `window` is how many records a task's events may trail its last one by. Records
    that cannot be mapped are in `stats.rejections`.
    """
    options = twilio_taskrouter.Options(names=Names(dict(names or {})), abandon_reasons=frozenset(abandon_reasons),
                                        window=window)
    yield from _events(twilio_taskrouter.NAME, sources, options, stats)


def _events(name: str, sources: Sources, options: Options, stats: ConversionStats | None) -> Iterator[dict]:
    stats = stats if stats is not None else ConversionStats()
    for item in convert(name, sources, options, stats):
        if isinstance(item, Unmapped):
            stats.rejections.append(item)
        else:
            yield from item.events


def _records(sources: Sources, container: str) -> Iterator[SourceRecord | Unreadable]:
    """Records of files and folders (`-` is stdin), or records given as objects."""
    if isinstance(sources, (str, os.PathLike)):
        return read_records([os.fspath(sources)], container)
    if isinstance(sources, Sequence) and all(isinstance(item, (str, os.PathLike)) for item in sources):
        return read_records([os.fspath(item) for item in sources], container)
    return (SourceRecord(Place(RECORDS_PATH, number, None, True), record)
            for number, record in enumerate(sources, start=1))


__all__ = [
    "ADAPTERS",
    "Adapter",
    "ConversionStats",
    "Converted",
    "Unmapped",
    "UnreadableSource",
    "convert",
    "genesys_cloud_events",
    "twilio_taskrouter_events",
]
