"""Rule coverage: which rules decided parties, which matched and lost, which branches were taken.

A `CoveringDecider` decides exactly as the `Decider` it extends (the same compiled
pickers), and then, for every party, tests every rule about its kind on its own: a
rule whose conditions hold either *decided* the party (it won one of its slots),
*tied* (a rule of its priority set the slot otherwise: the slot stayed Unspecified) or
*lost* (a stronger rule, or an equal one with the same outcome and an earlier id,
won). The main job's pickers stop at the first match, so they cannot say this;
the extra tests are why coverage is a separate decider, made only when asked for.

A rule's *branches* are the ways it can match: each operand of every `or` of its `when`
that a match can go through (reached through `and`s and the operands of other `or`s,
not under a `not` or inside a quantifier), and each option of every `|` in its `match`
pattern. When the rule matches, the branch taken in each `or` the match went through is
the first operand that holds (where evaluation stops), and an `or` inside an operand
not taken was not gone through; in each `|` it is the first option that, put in the
place of the `|` alone, still matches the party's steps.
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
class _Or:
    """An `or` as coverage follows it: the number of its first branch among the rule's, and per
    operand its test and the `or`s inside it that a match through that operand went through."""

    first: int
    operands: tuple[tuple[Test, tuple[_Or, ...]], ...]

    def taken(self, party: Party, model: InteractionModel) -> Iterator[int]:
        """The branch taken here, the first operand that holds, then those taken inside it."""
        for number, (test, inner) in enumerate(self.operands):
            if test(party, model):
                yield self.first + number
                for nested in inner:
                    yield from nested.taken(party, model)
                return


@attrs.frozen(eq=False)
class _Probe:
    """One rule as coverage tests it: each `|` of its pattern (the number of its first branch
    and a test per option), and the `or`s of its conditions."""

    rule: CompiledRule
    bars: tuple[tuple[int, tuple[Test, ...]], ...]
    ors: tuple[_Or, ...]

    def taken(self, party: Party, model: InteractionModel) -> Iterator[int]:
        """The number of each branch taken, for a party the rule matches."""
        for first, tests in self.bars:
            for number, test in enumerate(tests):
                if test(party, model):
                    yield first + number
                    break
        for found in self.ors:
            yield from found.taken(party, model)


class CoveringDecider(Decider):
    """A `Decider` that counts, for every party it decides, what each rule about it did."""

    def __init__(self, program: CompiledProgram, rules: Sequence[syntax.Rule]) -> None:
        super().__init__(program)
        written = {rule.id.text: rule for rule in rules}
        probes, self.branches = {}, {}
        for rule in self.rules:
            probes[rule.id], self.branches[rule.id] = self._probe(rule, written[rule.id].pattern)
        kinds = sorted({kind for rule in self.rules for kind in rule.kinds})
        self._probes: dict[str | None, tuple[_Probe, ...]] = {
            kind: tuple(probes[rule.id] for rule in self.rules_for(kind)) for kind in kinds}
        self.counts = self.fresh_counts()
        self._last: InteractionModel | None = None

    def fresh_counts(self) -> CoverageCounts:
        """Counts of nothing yet, one list per rule."""
        return CoverageCounts(0, {rule.id: [0] * (_FIRST_BRANCH + len(self.branches[rule.id]))
                                  for rule in self.rules})

    def _probe(self, rule: CompiledRule, pattern: syntax.Pattern | None) -> tuple[_Probe, tuple[Branch, ...]]:
        """How coverage tests a rule, and the description of each of its branches: `|`s first
        (the pattern is its first condition), then `or`s, each in the order written."""
        branches: list[Branch] = []
        bars = []
        if pattern is not None:
            for group, choice in enumerate(_alternatives(pattern)):
                bars.append((len(branches), tuple(_steps_test(_narrowed(pattern, choice, option))
                                                  for option in choice.options)))
                branches += [Branch("match", group, syntax.show(option)) for option in choice.options]
        ors = [found for condition in rule.conditions for found in self._ors(condition.node, branches)]
        return _Probe(rule, tuple(bars), tuple(ors)), tuple(branches)

    def _ors(self, node: ir.Expr, branches: list[Branch]) -> list[_Or]:
        """The `or`s a match can go through in `node`: through `and`s and the operands of `or`s,
        not under a `not` or inside a quantifier, where an `or` is part of a condition that
        holds or not as a whole. Each one's branches are added to `branches` before those of
        the `or`s inside it."""
        if isinstance(node, ir.And):
            return [found for item in node.items for found in self._ors(item, branches)]
        if not isinstance(node, ir.Or):
            return []
        group = branches[-1].group + 1 if branches else 0
        first = len(branches)
        branches += [Branch("when", group, item.text) for item in node.items]
        return [_Or(first, tuple((self.function(item), tuple(self._ors(item, branches))) for item in node.items))]

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
