"""The main job as a stream: events → complete interactions → graphs → decisions → rows.

Each interaction is evaluated as soon as it is complete and then forgotten, so memory
follows the interactions still open, not the size of the input.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
import msgspec

from rulesengine.assemble import LATE_WINDOW, Interaction, Rejection, StreamStats, assemble
from rulesengine.decision import Evaluator
from rulesengine.diagnostics import Diagnostic
from rulesengine.facts import PartyFacts
from rulesengine.output import Row
from rulesengine.party_facts import party_facts


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


def iter_facts(sources: Sequence[str], *, include_open: bool = False,
               stats: StreamStats | None = None,
               ) -> Iterator[tuple[Interaction, list[PartyFacts]] | Rejection]:
    """Every complete interaction with the facts of its parties, or its rejection."""
    for item in assemble(sources, include_open=include_open, stats=stats):
        if isinstance(item, Rejection):
            yield item
        else:
            yield item, party_facts(item.id, item.events, provisional=item.provisional)


def evaluate(sources: Sequence[str], evaluator: Evaluator, *, include_open: bool = False,
             stats: RunStats | None = None, late_window: int = LATE_WINDOW) -> Iterator[Evaluated | Rejection]:
    """Rows for every complete interaction, in the order interactions complete."""
    stats = stats if stats is not None else RunStats()
    for item in assemble(sources, include_open=include_open, stats=stats.stream, late_window=late_window):
        yield item if isinstance(item, Rejection) else decide_interaction(item, evaluator, stats)


def decide_interaction(interaction: Interaction, evaluator: Evaluator, stats: RunStats) -> Evaluated:
    """One complete interaction's rows, counted into `stats`."""
    decide, row_of = evaluator.decide, Row.of
    rows, problems, undecided = [], [], []
    for facts in party_facts(interaction.id, interaction.events, provisional=interaction.provisional):
        decision = decide(facts)
        rows.append(row_of(facts, decision))
        if decision.problems:
            problems.extend(decision.problems)
        if decision.incomplete:
            undecided.append(facts.party)
    stats.rows += len(rows)
    if problems or undecided:
        stats.undecided += len(undecided)
        stats.problems += len(problems)
        return Evaluated(interaction.id, tuple(rows), tuple(problems), tuple(undecided))
    return Evaluated(interaction.id, tuple(rows))
