"""What `explain` and `graph` read for `--interaction ID`, and `explain` for `--party P`: of files,
only the lines that may be those interactions' (`events.wanted_lines`); every line again only when
what was asked for is not there, for what a did-you-mean picks from.

A command that reads its files more than once reads each of them up to the size it had before
the first reading (`Sizes`), as `run` does: lines appended meanwhile are left out of every
reading, so that what one reading found is what the next one reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import suppress

from rulesengine.events.assemble import Interaction, Rejection, assemble
from rulesengine.events.contract import PARTY_EVENT_TYPES, AnyEvent
from rulesengine.events.read import STDIN, InputError, LoadedLine, ReadCounts, read_batches
from rulesengine.events.wanted_lines import InteractionLines, PartyLines
from rulesengine.runtime.pipeline import model_of


def lines_for(interaction: str | None, sources: Sequence[str]) -> InteractionLines | None:
    """What to read for `--interaction`: the lines that may be its own, when every source can be
    read again (`ids_in`); None, every line, for no `--interaction` or for standard input, a pipe
    or a device."""
    if interaction is None or not _read_again(sources):
        return None
    return InteractionLines([interaction])


#: each source's size before it was first read (`read.sizes_now`), None for one read to its end
Sizes = Sequence[int | None]


def lines_naming(party: str, sources: Sequence[str], sizes: Sizes) -> InteractionLines | None:
    """What to read for `--party` alone: the lines that may be those of the interactions a line of
    which names `party` as its own (`naming`), found by a first reading of the lines that may name
    it; None, every line, for standard input, a pipe or a device, which cannot be read twice.
    Raises `InputError` as reading does."""
    if not _read_again(sources):
        return None
    named: set[str] = set()
    note = naming(party, named)
    for _, lines in read_batches(sources, ReadCounts(), PartyLines(party), sizes):
        note(lines)
    return InteractionLines(named)


def naming(party: str, named: set[str]) -> Callable[[list[AnyEvent | LoadedLine]], None]:
    """What to show lines as they are read (`assemble`'s `noticed`) for `named` to gather the
    interactions of those whose event is a step of `party`: the interactions it takes part in,
    and those whose rejection is its concern."""

    def note(lines: list[AnyEvent | LoadedLine]) -> None:
        for line in lines:
            event = line.event if type(line) is LoadedLine else line
            if event is not None and _is_step_of(event, party):
                named.add(event.interaction)

    return note


def takes_part(interaction: Interaction, party: str) -> bool:
    """Whether a step of `party` is one of the interaction's events: whether its model has that party."""
    return any(_is_step_of(event, party) for event in interaction.events)


def _is_step_of(event: AnyEvent, party: str) -> bool:
    return event.event in PARTY_EVENT_TYPES and event.party == party


def ids_in(sources: Sequence[str], sizes: Sizes, *, include_open: bool) -> list[str]:
    """The ids of the interactions of `sources` that are evaluated (well formed, and ended unless
    `include_open`), in the order they complete: what a did-you-mean picks from. A source that can
    no longer be read (removed since the first reading) ends the list with the ids read before it."""
    ids: list[str] = []
    with suppress(InputError):
        ids.extend(item.id for item in assemble(sources, include_open=include_open, sizes=sizes)
                   if not isinstance(item, Rejection))
    return ids


def parties_near(party: str, sources: Sequence[str], sizes: Sizes, *, include_open: bool) -> list[str]:
    """The parties of the evaluated interactions whose id `party` starts with (the usual
    `INTERACTION.NAME` ids), in the order they complete: what a did-you-mean for a party picks
    from, every line read. A source gone since ends the list, as in `ids_in`."""
    near: list[str] = []
    with suppress(InputError):
        for item in assemble(sources, include_open=include_open, sizes=sizes):
            if not isinstance(item, Rejection) and party.startswith(item.id):
                near.extend(each.id for each in model_of(item).parties)
    return near


def _read_again(sources: Sequence[str]) -> bool:
    return all(source != STDIN and os.path.isfile(source) for source in sources)
