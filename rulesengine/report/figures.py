"""The run report's figures, tallied from the rows `run` writes while the input streams.

Everything here is worked out from the same `Row`s `run` prints (and the rejections
it reports), so the report and the rows cannot disagree. The tally keeps counts and
short lists only: the slowest answers (a heap of `SLOWEST`), the first `LISTED`
undecided parties, problems and rejections; the alert times of accepted invitations
themselves (eight bytes each) for the median and the 90th percentile.

An invitation is answered when the agent accepts it: its alert time (`alert_ms`) is
then the time the agent took to answer. An invitation withdrawn, declined or still
alerting at the end was not answered; its alert time says how long it rang, not how
fast anyone answered, so it is counted apart.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from rulesengine.decide.decision import RULE_SEPARATOR, UNSPECIFIED
from rulesengine.events.assemble import Rejection, StreamStats
from rulesengine.language.compile import RuleRef
from rulesengine.output.rows import Row
from rulesengine.runtime.pipeline import Evaluated

#: how many of the slowest invitations and of the slowest agents the report names
SLOWEST = 10
#: how many undecided parties, problems and rejections the report lists (it counts them all)
LISTED = 100
#: how many interactions the lists of `Tally.listed` can name at most
LIST_ROOM = SLOWEST + 2 * LISTED
#: the technical results that say the customer left before being served, and that an
#: invitation came to nothing (withdrawn or declined)
CUSTOMER_ABANDONED = "CustomerAbandoned"
ABANDONED = "Abandoned"


@attrs.frozen
class DescriptorCount:
    kind: str
    descriptor: str
    record: str
    parties: int


@attrs.frozen
class RuleCount:
    """A rule of the rule set and how many parties it decided something for (0: none)."""

    rule: str
    at: str
    parties: int


@attrs.frozen
class PartyEntry:
    """One party named in a list: where to find it and what the rules decided."""

    interaction: str
    party: str
    kind: str
    resource: str
    descriptor: str
    record: str
    alert_ms: int | None
    #: the parts no rule decided: `role`, `result`, `record`
    undecided: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Row) -> PartyEntry:
        parts = (("role", row.resource_role), ("result", row.technical_result), ("record", row.record))
        return cls(row.interaction, row.party, row.kind, row.resource, row.descriptor, row.record,
                   row.alert_ms, tuple(name for name, value in parts if value == UNSPECIFIED))


@attrs.frozen
class Problem:
    """A problem met while deciding an interaction (two rules tied)."""

    interaction: str
    text: str


@attrs.frozen
class RejectEntry:
    """A rejected interaction, an unreadable line or a late event, with its reasons."""

    interaction: str | None
    kind: str
    reasons: tuple[str, ...]


@attrs.frozen
class AgentAlert:
    """An agent resource's invitations, and how long it took to answer those it accepted."""

    resource: str
    invitations: int
    answered: int
    mean_ms: int
    longest_ms: int


@attrs.frozen
class AlertFigures:
    """How long invitations alerted before the agent accepted them."""

    invitations: int
    #: invitations the agent accepted; the times below are theirs
    answered: int
    median_ms: int | None
    p90_ms: int | None
    longest_ms: int | None
    slowest: tuple[PartyEntry, ...]
    #: agent resources that answered, by mean time to answer, slowest first
    agents: tuple[AgentAlert, ...]


@attrs.frozen
class AbandonFigures:
    """How often the customer left before being served, and invitations came to nothing."""

    interactions: int
    #: interactions with a party whose technical result is CustomerAbandoned
    abandoned: int
    #: those interactions by the kind and descriptor of their first such party
    where: tuple[tuple[str, str, int], ...]
    invitations: int
    #: invitations whose technical result is Abandoned
    invitations_abandoned: int


@attrs.frozen
class Figures:
    stream: StreamStats
    parties: int
    descriptors: tuple[DescriptorCount, ...]
    rules: tuple[RuleCount, ...]
    undecided: tuple[PartyEntry, ...]
    undecided_total: int = 0
    problems: tuple[Problem, ...] = ()
    problems_total: int = 0
    rejections: tuple[RejectEntry, ...] = ()
    rejections_total: int = 0
    alert: AlertFigures = AlertFigures(0, 0, None, None, None, (), ())
    abandon: AbandonFigures = AbandonFigures(0, 0, (), 0, 0)


@attrs.define
class Tally:
    """Running counts over evaluated interactions and rejections, in input order."""

    parties: int = 0
    interactions: int = 0
    descriptors: Counter = attrs.field(factory=Counter)
    rules: Counter = attrs.field(factory=Counter)
    undecided: list[PartyEntry] = attrs.field(factory=list)
    undecided_total: int = 0
    problems: list[Problem] = attrs.field(factory=list)
    problems_total: int = 0
    rejections: list[RejectEntry] = attrs.field(factory=list)
    rejections_total: int = 0
    invitations: int = 0
    #: the alert times of answered invitations
    alerts: array = attrs.field(factory=lambda: array("q"))
    #: (alert_ms, -order, entry): the smallest at the top, so the slowest stay
    slowest: list[tuple[int, int, PartyEntry]] = attrs.field(factory=list)
    agents: dict[str, list[int]] = attrs.field(factory=dict)
    abandoned_where: Counter = attrs.field(factory=Counter)
    invitations_abandoned: int = 0

    def add(self, evaluated: Evaluated) -> bool:
        """Counts one interaction's rows; True when the report now lists the interaction."""
        self.interactions += 1
        self.parties += len(evaluated.rows)
        listed = False
        abandoned_by: Row | None = None
        for row in evaluated.rows:
            self.descriptors[row.kind, row.descriptor, row.record] += 1
            if row.rule is not None and row.rule_at is not None:
                self.rules.update(zip(row.rule.split(RULE_SEPARATOR), row.rule_at.split(RULE_SEPARATOR), strict=True))
            if row.alert_ms is not None:
                listed |= self._alert(row, row.alert_ms)
            if row.technical_result == CUSTOMER_ABANDONED and abandoned_by is None:
                abandoned_by = row
            if row.technical_result == ABANDONED and row.alert_ms is not None:
                self.invitations_abandoned += 1
        if abandoned_by is not None:
            self.abandoned_where[abandoned_by.kind, abandoned_by.descriptor] += 1
        if evaluated.undecided:
            self.undecided_total += len(evaluated.undecided)
            undecided = set(evaluated.undecided)
            for row in evaluated.rows:
                if row.party in undecided and len(self.undecided) < LISTED:
                    self.undecided.append(PartyEntry.of(row))
                    listed = True
        for problem in evaluated.problems:
            self.problems_total += 1
            if len(self.problems) < LISTED:
                self.problems.append(Problem(evaluated.interaction, problem.headline()))
                listed = True
        return listed

    def _alert(self, row: Row, alert: int) -> bool:
        """Counts an invitation that alerted for `alert` ms; True when its answer is among the
        slowest so far."""
        self.invitations += 1
        agent = self.agents.setdefault(row.resource, [0, 0, 0, 0])
        agent[0] += 1
        if row.engage_ms is None:  # never accepted: not answered
            return False
        self.alerts.append(alert)
        agent[1] += 1
        agent[2] += alert
        agent[3] = max(agent[3], alert)
        item = (alert, -len(self.alerts), PartyEntry.of(row))
        if len(self.slowest) < SLOWEST:
            heapq.heappush(self.slowest, item)
            return True
        if item[:2] > self.slowest[0][:2]:
            heapq.heapreplace(self.slowest, item)
            return True
        return False

    def reject(self, rejection: Rejection) -> None:
        self.rejections_total += 1
        if len(self.rejections) < LISTED:
            self.rejections.append(RejectEntry(rejection.interaction, rejection.kind,
                                               tuple(problem.headline() for problem in rejection.diagnostics)))

    def listed(self) -> set[str]:
        """The interactions the report lists now (their details are worth keeping)."""
        return ({entry.interaction for _, _, entry in self.slowest}
                | {entry.interaction for entry in self.undecided}
                | {problem.interaction for problem in self.problems})

    def figures(self, stream: StreamStats, rules: Iterable[RuleRef]) -> Figures:
        """The figures so far; `rules` are the rule set's, so rules that decided nothing show too."""
        return Figures(
            stream=attrs.evolve(stream),
            parties=self.parties,
            descriptors=tuple(sorted((DescriptorCount(kind, descriptor, record, count)
                                      for (kind, descriptor, record), count in self.descriptors.items()),
                                     key=lambda d: (-d.parties, d.kind, d.descriptor, d.record))),
            rules=tuple(_rule_counts(self.rules, rules)),
            undecided=tuple(self.undecided), undecided_total=self.undecided_total,
            problems=tuple(self.problems), problems_total=self.problems_total,
            rejections=tuple(self.rejections), rejections_total=self.rejections_total,
            alert=self._alert_figures(),
            abandon=AbandonFigures(
                self.interactions, sum(self.abandoned_where.values()),
                tuple(sorted(((kind, descriptor, count) for (kind, descriptor), count in self.abandoned_where.items()),
                             key=lambda w: (-w[2], w[0], w[1]))),
                self.invitations, self.invitations_abandoned),
        )

    def _alert_figures(self) -> AlertFigures:
        ordered = sorted(self.alerts)
        agents = sorted((AgentAlert(resource, invitations, answered, round(total / answered), longest)
                         for resource, (invitations, answered, total, longest) in self.agents.items() if answered),
                        key=lambda a: (-a.mean_ms, -a.longest_ms, a.resource))
        return AlertFigures(
            invitations=self.invitations, answered=len(ordered),
            median_ms=nearest_rank(ordered, 50), p90_ms=nearest_rank(ordered, 90),
            longest_ms=ordered[-1] if ordered else None,
            slowest=tuple(entry for _, _, entry in sorted(self.slowest, key=lambda item: (-item[0], -item[1]))),
            agents=tuple(agents[:SLOWEST]),
        )


def nearest_rank(ordered: Sequence[int], percent: int) -> int | None:
    """The `percent`-th percentile of sorted values by the nearest-rank method: a value that
    occurred, the smallest with at least `percent` % of the values at or below it."""
    if not ordered:
        return None
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def _rule_counts(counted: Counter, rules: Iterable[RuleRef]) -> list[RuleCount]:
    """Every rule with its count, most used first; a rule of the set that decided nothing has 0."""
    everything = Counter({(ref.id, ref.at): 0 for ref in rules})
    everything.update(counted)
    return sorted((RuleCount(rule, at, count) for (rule, at), count in everything.items()),
                  key=lambda r: (-r.parties, r.rule))
