"""Two rule sets over one stream of events: which parties a change of the rules decides differently.

Each interaction is assembled and modelled once and decided by both rule sets; a party
counts as changed when its descriptor parts or its record differ, never when only the
rules that decided it did (a rule renamed or moved decides the same). The changes are
tallied into transitions, old outcome → new outcome per kind of party, each with the
rules behind both sides and the first party in input order that made it, so that
`explain` can be run on it. Results come in input order for any number of processes,
so the tally, and every report made from it, is the same for any `--jobs`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
import msgspec

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision, descriptor_text
from rulesengine.events.assemble import LATE, Interaction, Rejection
from rulesengine.runtime.parallel import can_share, run_parallel
from rulesengine.runtime.pipeline import RunStats, model_of, work_sources

#: a party's outcome: role, role reason, result, result reason, record
Outcome = tuple[str, str, str, str, str]


def outcome_of(decision: Decision) -> Outcome:
    return (decision.resource_role, decision.role_reason, decision.technical_result, decision.result_reason,
            decision.record)


def outcome_text(outcome: Outcome) -> str:
    """`Role [Reason]/Result [Reason] RECORD`, the descriptor as rows and docs write it, then the record."""
    return f"{descriptor_text(*outcome[:4])} {outcome[4]}"


def rules_text(decision: Decision) -> str:
    """The ids of the rules that decided, as a row's `rule` column shows them (`-` for none)."""
    return decision.rule_columns[0] or "-"


class Changed(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One party the two rule sets decide differently."""

    party: str
    kind: str
    old: Outcome
    new: Outcome
    old_rules: str
    new_rules: str


class Compared(msgspec.Struct, frozen=True, gc=False):
    """One interaction decided by both rule sets: how many parties, and those that changed."""

    interaction: str
    parties: int
    changed: tuple[Changed, ...] = ()


@attrs.frozen
class Comparison:
    """The work done on each interaction: decide it with both rule sets, keep what differs."""

    old: Decider
    new: Decider

    def __call__(self, interaction: Interaction, stats: RunStats) -> Compared:
        model = model_of(interaction)
        before = self.old.decide(model)
        for party in model.parties:
            # the facts the old rules worked out live on the parties; the new rules work out
            # their own, and must never read one the old definitions left behind
            party.__dict__.clear()
        after = self.new.decide(model)
        changed = tuple(
            Changed(party.id, party.kind, outcome_of(old), outcome_of(new), rules_text(old), rules_text(new))
            for party, old, new in zip(model.parties, before, after, strict=True)
            if outcome_of(old) != outcome_of(new))
        parties = len(model.parties)
        model.dispose()
        stats.rows += parties
        return Compared(interaction.id, parties, changed)


def compare_sources(sources: Sequence[str], old: Decider, new: Decider, *, jobs: int, include_open: bool = False,
                    stats: RunStats | None = None) -> Iterator[Compared | Rejection]:
    """Every complete interaction compared, and every rejection, in input order, on `jobs` processes
    when the input can be shared (as `run` does)."""
    work = Comparison(old, new)
    if jobs == 1 or not can_share(sources):
        return work_sources(sources, work, include_open=include_open, stats=stats)
    return run_parallel(sources, work, jobs=jobs, include_open=include_open,
                        stats=stats)  # type: ignore[return-value]


@attrs.frozen
class Transition:
    """Every party of one kind whose outcome went from `old` to `new`, and what decided it."""

    kind: str
    old: Outcome
    new: Outcome
    parties: int
    #: the rule combinations that decided these parties, on each side, sorted
    old_rules: tuple[str, ...]
    new_rules: tuple[str, ...]
    #: the first of these parties in input order: (interaction, party)
    example: tuple[str, str]

    @property
    def sort_key(self) -> tuple:
        return (-self.parties, self.kind, outcome_text(self.old), outcome_text(self.new))


@attrs.define
class Totals:
    """What was compared, and how much of it changed."""

    interactions: int = 0
    parties: int = 0
    changed: int = 0
    #: rejected before any rule ran, so the same on both sides
    rejected: int = 0
    #: events that came after their interaction was done, left out on both sides (not interactions)
    late: int = 0


@attrs.define
class _Open:
    parties: int
    old_rules: set[str]
    new_rules: set[str]
    example: tuple[str, str]


@attrs.define
class Tally:
    """Transitions counted as results arrive, in input order (the first party seen is the example)."""

    totals: Totals = attrs.field(factory=Totals)
    _open: dict[tuple[str, Outcome, Outcome], _Open] = attrs.field(factory=dict)

    def add(self, item: Compared | Rejection) -> None:
        totals = self.totals
        if isinstance(item, Rejection):
            if item.kind == LATE:
                totals.late += 1
            else:
                totals.rejected += 1
            return
        totals.interactions += 1
        totals.parties += item.parties
        totals.changed += len(item.changed)
        for change in item.changed:
            key = (change.kind, change.old, change.new)
            seen = self._open.get(key)
            if seen is None:
                self._open[key] = _Open(1, {change.old_rules}, {change.new_rules}, (item.interaction, change.party))
            else:
                seen.parties += 1
                seen.old_rules.add(change.old_rules)
                seen.new_rules.add(change.new_rules)

    def transitions(self) -> list[Transition]:
        """Most parties first, then by kind and outcome text: the same order for the same input."""
        found = [Transition(kind, old, new, seen.parties, tuple(sorted(seen.old_rules)),
                            tuple(sorted(seen.new_rules)), seen.example)
                 for (kind, old, new), seen in self._open.items()]
        return sorted(found, key=lambda transition: transition.sort_key)
