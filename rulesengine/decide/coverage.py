"""Rule coverage: which rules decided parties, which matched and lost, which branches were taken.

A `CoveringDecider` decides exactly as the `Decider` it extends (the same compiled
pickers), and then, for every party, tests every rule about its kind on its own: a
rule whose conditions hold either *decided* the party (it won one of its slots),
*tied* (a rule of its priority set the slot otherwise: the slot stayed Unspecified) or
*lost* (a stronger rule, or an equal one with the same outcome and an earlier id,
won). The main job's pickers stop at the first match, so they cannot say this;
the extra tests are why coverage is a separate decider, made only when asked for.

A rule's *branches* are the ways it can match: each operand of an `or` at the top of
a `when` part (the whole `when`, or a part joined by `and`), and each option of
every `|` in its `match` pattern. When the rule matches, the branch taken in each
`or` is the first operand that holds (where evaluation stops), and in each `|` the
first option that, put in the place of the `|` alone, still matches the party's
steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import attrs
import msgspec

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision
from rulesengine.language import ir, syntax
from rulesengine.language.compile import CompiledProgram, CompiledRule
from rulesengine.language.patterns import Matcher, build_nfa
from rulesengine.language.vocabulary import OUTCOME_SLOTS
from rulesengine.model.interaction import InteractionModel, Party

#: a rule's counts, then one per branch: parties of its kinds seen, decided, lost, tied
SEEN, DECIDED, LOST, TIED = range(4)
_FIRST_BRANCH = 4

Test = Callable[[Party, InteractionModel], object]


@attrs.frozen
class Branch:
    """One way a rule can match: an operand of an `or` (`within` "when") or an option of a `|`
    (`within` "match"); `group` numbers the rule's `or`s and `|`s, in the order written."""

    within: str
    group: int
    text: str


@attrs.define
class CoverageCounts:
    """What was counted: parties decided, and per rule id its counts (`SEEN`, `DECIDED`, `LOST`,
    `TIED`, then how often each branch was taken). Plain ints in lists, so that a worker
    process sends them cheaply and the parent adds them up."""

    parties: int = 0
    rules: dict[str, list[int]] = attrs.field(factory=dict)

    def add(self, other: CoverageCounts) -> None:
        """Add another process's counts of the same rule set into these."""
        self.parties += other.parties
        for rule, counts in other.rules.items():
            mine = self.rules[rule]
            for place, value in enumerate(counts):
                mine[place] += value


@attrs.frozen(eq=False)
class _Probe:
    """One rule as coverage tests it: each group of its branches."""

    rule: CompiledRule
    #: per `or` or `|`, a test per branch, in order
    groups: tuple[tuple[Test, ...], ...]

    def taken(self, party: Party, model: InteractionModel) -> Iterator[int]:
        """The number of each branch taken, for a party the rule matches."""
        place = 0
        for tests in self.groups:
            for number, test in enumerate(tests):
                if test(party, model):
                    yield place + number
                    break
            place += len(tests)


class CoveringDecider(Decider):
    """A `Decider` that counts, for every party it decides, what each rule about it did."""

    def __init__(self, program: CompiledProgram, rules: Sequence[syntax.Rule]) -> None:
        super().__init__(program)
        written = {rule.id.text: rule for rule in rules}
        probes, self.branches = {}, {}
        for rule in self.rules:
            groups, branches = self._groups(rule, written[rule.id].pattern)
            probes[rule.id] = _Probe(rule, groups)
            self.branches[rule.id] = branches
        kinds = sorted({kind for rule in self.rules for kind in rule.kinds})
        self._probes: dict[str | None, tuple[_Probe, ...]] = {
            kind: tuple(probes[rule.id] for rule in self.rules_for(kind)) for kind in kinds}
        self.counts = self.fresh_counts()
        self._last: InteractionModel | None = None

    def fresh_counts(self) -> CoverageCounts:
        """Counts of nothing yet, one list per rule."""
        return CoverageCounts(0, {rule.id: [0] * (_FIRST_BRANCH + len(self.branches[rule.id]))
                                  for rule in self.rules})

    def _groups(self, rule: CompiledRule, pattern: syntax.Pattern | None,
                ) -> tuple[tuple[tuple[Test, ...], ...], tuple[Branch, ...]]:
        """The tests and the description of each branch of a rule, `|`s first (the pattern is
        its first condition), then `or`s."""
        groups: list[tuple[Test, ...]] = []
        branches: list[Branch] = []
        if pattern is not None:
            for choice in _alternatives(pattern):
                groups.append(tuple(_steps_test(_narrowed(pattern, choice, option)) for option in choice.options))
                branches += [Branch("match", len(groups) - 1, syntax.show(option)) for option in choice.options]
        for condition in rule.conditions:
            if isinstance(condition.node, ir.Or):
                groups.append(tuple(self.function(item) for item in condition.node.items))
                branches += [Branch("when", len(groups) - 1, item.text) for item in condition.node.items]
        return tuple(groups), tuple(branches)

    def decide(self, model: InteractionModel) -> list[Decision]:
        """The decisions `Decider.decide` gives, counted once per interaction: explain decides
        a model again to explain it, and that is not another party seen."""
        decisions = super().decide(model)
        if model is not self._last:
            self._last = model
            self._count(model)
        return decisions

    def _count(self, model: InteractionModel) -> None:
        counts = self.counts.rules
        self.counts.parties += len(model.parties)
        for party in model.parties:
            probes = self._probes.get(party.kind, ())
            if not probes:
                continue
            won, tied = self._winners(party, model)
            for probe, matches in zip(probes, self.matching(party.kind)(party, model), strict=True):
                mine = counts[probe.rule.id]
                mine[SEEN] += 1
                if not matches:
                    continue
                rule = probe.rule
                mine[DECIDED if rule in won else TIED if rule in tied else LOST] += 1
                for branch in probe.taken(party, model):
                    mine[_FIRST_BRANCH + branch] += 1

    def _winners(self, party: Party, model: InteractionModel) -> tuple[set[CompiledRule], set[CompiledRule]]:
        """The rules that won a slot of the party, and those left tied on one."""
        won: set[CompiledRule] = set()
        tied: set[CompiledRule] = set()
        for slot in OUTCOME_SLOTS:
            winner, tie = self.pick(party, model, slot)
            if winner is not None:
                won.add(winner)
            if tie is not None:
                tied.update(tie)
        return won, tied - won


def counting(decider: Decider) -> CoverageCounts | None:
    """The counts a worker process's copy of the decider keeps from now on: fresh ones when it
    covers (the parent adds every worker's), else None."""
    if not isinstance(decider, CoveringDecider):
        return None
    decider.counts = decider.fresh_counts()
    return decider.counts


def branch_counts(counts: Mapping[str, list[int]], rule: str) -> list[int]:
    """How often each branch of a rule was taken."""
    return counts[rule][_FIRST_BRANCH:]


def _alternatives(pattern: syntax.Pattern) -> list[syntax.Alternatives]:
    """Every `|` of a pattern, in the order written."""
    found = []
    stack = [pattern]
    while stack:
        node = stack.pop()
        if isinstance(node, syntax.Alternatives):
            found.append(node)
            stack.extend(reversed(node.options))
        elif isinstance(node, syntax.Sequence):
            stack.extend(reversed(node.items))
        elif isinstance(node, syntax.Repeat):
            stack.append(node.item)
    return found


def _narrowed(pattern: syntax.Pattern, choice: syntax.Alternatives, option: syntax.Pattern) -> syntax.Pattern:
    """The pattern with the `|` `choice` (found by identity: equal patterns may sit elsewhere)
    replaced by one of its options."""
    if pattern is choice:
        return option
    if isinstance(pattern, syntax.Sequence):
        return msgspec.structs.replace(pattern, items=tuple(_narrowed(item, choice, option) for item in pattern.items))
    if isinstance(pattern, syntax.Alternatives):
        return msgspec.structs.replace(pattern, options=tuple(_narrowed(item, choice, option)
                                                              for item in pattern.options))
    if isinstance(pattern, syntax.Repeat):
        return msgspec.structs.replace(pattern, item=_narrowed(pattern.item, choice, option))
    return pattern


def _steps_test(pattern: syntax.Pattern) -> Test:
    matcher = Matcher(build_nfa(pattern))
    return lambda party, model: matcher(party.events)
