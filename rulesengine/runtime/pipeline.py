"""The main job as a stream: events → complete interactions → models → decisions → rows.

Each interaction is evaluated as soon as it is complete and then forgotten, so memory
follows the interactions still open, not the size of the input.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TypeVar

import attrs
import msgspec

from rulesengine.decide.coverage import CoverageCounts
from rulesengine.decide.decider import Decider
from rulesengine.diagnostics import Diagnostic
from rulesengine.events.assemble import (
    LATE_WINDOW,
    Assembler,
    Interaction,
    Rejection,
    StreamStats,
    assemble,
    assemble_batches,
)
from rulesengine.events.read import ReadCounts, read_batches
from rulesengine.model.interaction import InteractionModel
from rulesengine.output.rows import Row
from rulesengine.runtime.carry import CarryOver

T = TypeVar("T")


class Evaluated(msgspec.Struct, frozen=True, gc=False):
    """One interaction's rows, with what went wrong while deciding them (one per interaction)."""

    interaction: str
    rows: tuple[Row, ...]
    problems: tuple[Diagnostic, ...] = ()
    undecided: tuple[str, ...] = ()


@attrs.define
class RunStats:
    """Counts for the summary line; the assembler's own counts are in `stream`."""

    stream: StreamStats = attrs.field(factory=StreamStats)
    rows: int = 0
    undecided: int = 0
    problems: int = 0
    #: with `run --coverage`: what each rule did (`decide.coverage`), summed over the workers
    coverage: CoverageCounts | None = None


def iter_models(sources: Sequence[str], *, include_open: bool = False,
                stats: StreamStats | None = None) -> Iterator[InteractionModel | Rejection]:
    """The model of every complete interaction, or its rejection."""
    for item in assemble(sources, include_open=include_open, stats=stats):
        yield item if isinstance(item, Rejection) else model_of(item)


def model_of(interaction: Interaction) -> InteractionModel:
    return InteractionModel(interaction.id, interaction.events, provisional=interaction.provisional,
                            survey=interaction.survey)


def decide_sources(sources: Sequence[str], decider: Decider, *, include_open: bool = False,
                   stats: RunStats | None = None, late_window: int = LATE_WINDOW,
                   carry: CarryOver | None = None) -> Generator[Evaluated | Rejection, None, None]:
    """Rows for every complete interaction, in the order interactions complete."""
    return work_sources(sources, lambda interaction, counts: decide_interaction(interaction, decider, counts),
                        include_open=include_open, stats=stats, late_window=late_window, carry=carry)


def work_sources(sources: Sequence[str], work: Callable[[Interaction, RunStats], T], *, include_open: bool = False,
                 stats: RunStats | None = None, late_window: int = LATE_WINDOW,
                 carry: CarryOver | None = None) -> Generator[T | Rejection, None, None]:
    """`work`'s result for every complete interaction, in the order interactions complete: what
    `parallel.run_parallel` gives from several processes, here from this one.

    With `carry` the sources are one batch of several: assembly starts from `carry.start`
    and leaves what is still open in `carry.end` once the iterator is exhausted.
    """
    stats = stats if stats is not None else RunStats()
    if carry is None:
        items = assemble(sources, include_open=include_open, stats=stats.stream, late_window=late_window)
    else:
        counts = ReadCounts()
        assembler = Assembler(include_open=include_open, late_window=late_window, stats=stats.stream,
                              counts=counts, keep_open=True)
        assembler.resume(carry.start)
        items = assemble_batches(read_batches(sources, counts), assembler)
    for item in items:
        yield item if isinstance(item, Rejection) else work(item, stats)
    if carry is not None:
        carry.end = assembler.carry_over()


def decide_interaction(interaction: Interaction, decider: Decider, stats: RunStats) -> Evaluated:
    """One complete interaction's rows, counted into `stats`."""
    model = model_of(interaction)
    row_of = Row.of
    rows: list[Row] = []
    problems: list[Diagnostic] = []
    undecided: list[str] = []
    for party, decision in zip(model.parties, decider.decide(model), strict=True):
        rows.append(row_of(model, party, decision))
        if decision.problems:
            problems.extend(decision.problems)
        if decision.incomplete:
            undecided.append(party.id)
    model.dispose()
    stats.rows += len(rows)
    if problems or undecided:
        stats.undecided += len(undecided)
        stats.problems += len(problems)
        return Evaluated(interaction.id, tuple(rows), tuple(problems), tuple(undecided))
    return Evaluated(interaction.id, tuple(rows))
