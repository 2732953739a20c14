"""Interactions' events as Spark hands them to an executor (Arrow batches), evaluated by the
same code as `rulesengine run`: each event line read, each interaction assembled and
decided, its rows and rejections put in Arrow columns.

Spark brings an interaction's events together but gives no order among them, so the order
is made here: the order `run` reads them in when the events carry their place (`_source`,
`_line`: the file and the row they were read from), else every `interaction.ended` last and
the rest by their text, which never makes an event late. Rows and rejections share one
table (`COLUMNS`): a row's fields with the reject columns null, or a rejection's
interaction, kind and reasons with the row fields null, in the order `run` writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, cast
from urllib.parse import unquote, urlparse

import attrs
import orjson

from rulesengine.decide.decider import Decider
from rulesengine.diagnostics import Position
from rulesengine.events.assemble import Assembler, Rejection, assemble_lines
from rulesengine.events.contract import AnyEvent
from rulesengine.events.parquet import pyarrow_modules, read_placed, record_lines
from rulesengine.events.read import LoadedLine, parse_line, read_line
from rulesengine.output.parquet import column_type
from rulesengine.output.rows import FIELDS, row_values
from rulesengine.runtime.pipeline import RunStats, decide_interaction
from rulesengine.spark.rulesets import RuleSet, decider_for

#: the columns that give an event its place: the file it was read from and its row there (1-based)
SOURCE, LINE = "_source", "_line"
PLACES = (SOURCE, LINE)
#: the kind of a rejection and its reasons
REJECT, REASONS = "_reject", "_reasons"
#: every column of the result, with its pyarrow type's name
COLUMNS: tuple[tuple[str, str], ...] = (*((name, column_type(name)) for name in FIELDS),
                                        (REJECT, "string"), (REASONS, "string"))
#: how events without a place are named in diagnostics (`<events>:N`, N their order in the interaction)
UNPLACED = "<events>"
_NULL_ROW = (None,) * (len(FIELDS) - 1)


@attrs.frozen
class GroupJob:
    """What every interaction is evaluated with: the rules, `--include-open`, and the names of
    the files events were read from (local path → the name `run` would print), in reading order."""

    rules: RuleSet
    include_open: bool = False
    sources: tuple[tuple[str, str], ...] = ()


#: one event of an interaction as Spark gave it: its JSON line (no place), or its place's order
#: (the file's rank and name, the row), its text and what reading it gave
_Entry = bytes | tuple[tuple[int, str], int, bytes, AnyEvent | LoadedLine]
#: the order of placed entries: by file, row and text (never by what reading gave)
_PLACE_ORDER = itemgetter(0, 1, 2)
#: the interaction of an (id, entry) pair, by which a batch's entries are grouped
_ID = itemgetter(0)


def evaluate_partition(batches: Iterable[Any], job: GroupJob) -> Iterator[Any]:
    """The rows and rejections of a partition whose events are sorted by interaction (Spark's
    `mapInArrow`), one result batch per input batch: each run of one interaction's events,
    across batch boundaries too, is decided as `run` decides it.

    Spark's grouping (`applyInArrow`) would send every interaction as an Arrow stream of its
    own, which costs more than deciding it: here a batch carries thousands, and its rows are
    read together, as `run` reads a Parquet file's.
    """
    decider = decider_for(job.rules)
    places = _Places(job.sources)
    pending: list[_Entry] = []
    pending_id: object = None
    for batch in batches:
        results = _Results()
        ids = batch.column("interaction").to_pylist()
        for interaction, run in groupby(zip(ids, _entries(batch, places), strict=True), key=_ID):
            if pending and interaction != pending_id:
                _evaluate(pending, job, decider, results)
                pending = []
            pending_id = interaction
            pending += [entry for _, entry in run]
        yield results.batch()
    if pending:
        results = _Results()
        _evaluate(pending, job, decider, results)
        yield results.batch()


class _Places:
    """Where each file Spark names (a URI, or None) comes in the reading order, and the name
    `run` gives it: worked out once per file."""

    def __init__(self, sources: Sequence[tuple[str, str]]) -> None:
        self._rank = {path: (number, name) for number, (path, name) in enumerate(sources)}
        self._known: dict[object, tuple[int, str]] = {}

    def of(self, uri: object) -> tuple[int, str]:
        """The rank of a file and its name, after every named file when it was not named."""
        known = self._known.get(uri)
        if known is None:
            path = local_path(str(uri))
            known = self._known[uri] = self._rank.get(path, (len(self._rank), path))
        return known


def _entries(batch: Any, places: _Places) -> list[_Entry]:
    """A batch's events, in its order: the one place that turns Spark's rows into what the
    event stage reads. Events with their place are read here, each at its file and row;
    events without one stay JSON lines until their interaction's order is known (`_read`)."""
    names = batch.schema.names
    content = batch.select([name for name in names if name not in PLACES])
    if any(name not in names for name in PLACES):
        return list(record_lines(content))
    uris = batch.column(SOURCE).dictionary_encode()
    files = [places.of(uri) for uri in uris.dictionary.to_pylist()]
    spots = [places.of(None) if index is None else files[index] for index in uris.indices.to_pylist()]
    lines = [line or 0 for line in batch.column(LINE).to_pylist()]
    read = read_placed(content, [Position(name, line) for (_, name), line in zip(spots, lines, strict=True)])
    return [(spot, line, item.raw, item) for spot, line, item in zip(spots, lines, read, strict=True)]


def _evaluate(entries: list[_Entry], job: GroupJob, decider: Decider, results: _Results) -> None:
    """One interaction's events (or the lines that name none) read, assembled and decided."""
    stats = RunStats()
    assembler = Assembler(include_open=job.include_open, stats=stats.stream)
    for item in assemble_lines(_read(entries), assembler):
        if isinstance(item, Rejection):
            results.reject(item)
        else:
            for row in decide_interaction(item, decider, stats).rows:
                results.add((*row_values(row), None, None))


def _read(entries: list[_Entry]) -> list[AnyEvent | LoadedLine]:
    """The events as `run` reads them, in the order it would read them: by file and row, and
    by text for two at one place; without places, every `interaction.ended` last, then by text."""
    if isinstance(entries[0], bytes):
        texts = cast("list[bytes]", entries)
        ordered = sorted(texts, key=lambda text: (parse_line(text, UNPLACED, 0).closes, text))
        return [read_line(text, UNPLACED, number) for number, text in enumerate(ordered, start=1)]
    placed = cast("list[tuple[tuple[int, str], int, bytes, AnyEvent | LoadedLine]]", entries)
    placed.sort(key=_PLACE_ORDER)
    return [item for *_, item in placed]


def local_path(uri: str) -> str:
    """The path of a `file:` URI (Spark writes them as `file:/a/b` or `file:///a/b`); any other
    URI as it is."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


class _Results:
    """The columns of a result batch, filled row by row."""

    def __init__(self) -> None:
        self._rows: list[tuple[object, ...]] = []

    def add(self, values: tuple[object, ...]) -> None:
        """A row's fields, then its reject columns."""
        self._rows.append(values)

    def reject(self, rejection: Rejection) -> None:
        reasons = orjson.dumps(rejection.to_json()["reasons"]).decode()
        self.add((rejection.interaction, *_NULL_ROW, rejection.kind, reasons))

    def batch(self) -> Any:
        pyarrow, _ = pyarrow_modules()
        schema = pyarrow.schema([(name, getattr(pyarrow, kind)()) for name, kind in COLUMNS])
        columns = [list(column) for column in zip(*self._rows, strict=True)] if self._rows else [[] for _ in COLUMNS]
        return pyarrow.record_batch(columns, schema=schema)
