"""Could two rules decide the same slot of the same party differently? A conservative answer.

Each rule's conditions become alternatives of conjunctions of constraints on the
things they test: an enumeration (`origin`, `by.kind`, `at_customer_left`) to a set
of words, a duration to an interval, a condition the analysis does not look into to
true or false by its text (so `handed_on` and `not handed_on` exclude each other). Two
rules exclude each other when every pair of their conjunctions contradicts, or when
their `match` patterns cannot accept the same steps. Anything the analysis cannot
prove exclusive may overlap: the list of possible ties is a safe over-approximation,
which the compiled rules use to test a winner's rivals only. It is not reported: many of
its pairs can never meet (an agent who declined has no engagement), and `check` proves
which do, each with an interaction (R301).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

import attrs
import msgspec

from rulesengine.diagnostics import Diagnostic, warning
from rulesengine.language import ir
from rulesengine.language.check import CheckedRule
from rulesengine.language.patterns import can_both_match
from rulesengine.language.vocabulary import OUTCOME_SLOTS
from rulesengine.model.valuetypes import BOOL, DATA, DURATION, NUMBER, STRING

#: a conjunction of constraints: what is tested → allowed values (a frozenset) or (lo, hi, none_ok)
Conjunct = dict
_MAX_CONJUNCTS = 256
_INFINITY = float("inf")
#: stands for `none` among the values a test allows
_NONE = None
_ANYTHING: list[Conjunct] = [{}]


@attrs.frozen
class Tie:
    """Two rules of equal priority that set `slot` differently and may match the same party."""

    slot: str
    first: CheckedRule
    second: CheckedRule


def _atom(node: ir.Expr, negated: bool) -> list[Conjunct]:
    """The constraint one test puts on what it tests (a DNF of one conjunct, or none)."""
    if isinstance(node, ir.Compare) and isinstance(node.left, ir.Const) and not isinstance(node.right, ir.Const):
        node = msgspec.structs.replace(node, left=node.right, right=node.left, op=_MIRROR[node.op])
    match node:
        case ir.Compare(op=op, left=subject, right=ir.Const(value=value)) if subject.type.is_enum:
            domain = _domain(subject)
            if op == "==":
                allowed = frozenset({value}) if not negated else domain - {value}
            elif op == "!=":
                allowed = domain - {value, _NONE} if not negated else frozenset({value, _NONE}) & domain
            else:
                return _opaque(node, negated)
            return [{subject.text: allowed}]
        case ir.In(item=subject, options=options, negated=inverse) if subject.type.is_enum and (
                constants := ir.constants(options)) is not None:
            listed = frozenset(option.value for option in constants)
            domain = _domain(subject)
            inside = (domain - listed - {_NONE}) if inverse else listed
            return [{subject.text: domain - inside if negated else inside}]
        case ir.Compare(op=op, left=subject, right=ir.Const(value=int() | float() as value)) \
                if subject.type in (DURATION, NUMBER):
            if op == "!=" and not negated:
                return [{}]
            return [{subject.text: _interval(op, value, negated)}]
        case ir.Compare(op="==", left=subject, right=ir.Const(value=value)) if not negated and _pinned(subject, value):
            return [{subject.text: frozenset({value}), **_opaque(node, negated)[0]}]
        case ir.In(item=subject, options=options, negated=False) if not negated and (
                pinned := ir.constants(options)) is not None and all(_pinned(subject, c.value) for c in pinned):
            return [{subject.text: frozenset(c.value for c in pinned), **_opaque(node, negated)[0]}]
    return _opaque(node, negated)


def _pinned(subject: ir.Expr, value: object) -> bool:
    """Whether `subject == value` pins a text or a data value to one value: then two rules that
    pin it to different values exclude each other (it is also kept by its text, so that the
    test and its negation still do)."""
    return subject.type in (STRING, DATA) and isinstance(value, (str, int, float)) and not isinstance(value, bool)


_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _domain(subject: ir.Expr) -> frozenset:
    """The words an enumerated subject may be, and none when it may be none."""
    values = frozenset(subject.type.values or ())
    return values | {_NONE} if subject.optional else values


def _opaque(node: ir.Expr, negated: bool) -> list[Conjunct]:
    """A test the analysis does not look into: true or false, known by its text."""
    return [{f"?{node.text}": frozenset({not negated})}]


def _interval(op: str, value: float, negated: bool) -> tuple:
    """Values a comparison admits; a none value only passes a negation."""
    if negated:
        op = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}[op]
        if op == "!=":
            return (-_INFINITY, _INFINITY, True)
    lo, hi = {"<": (-_INFINITY, value - 1e-9), "<=": (-_INFINITY, value), ">": (value + 1e-9, _INFINITY),
              ">=": (value, _INFINITY), "==": (value, value)}[op]
    return (lo, hi, negated)


def _and(left: list[Conjunct], right: list[Conjunct]) -> list[Conjunct]:
    out = []
    for a, b in itertools.product(left, right):
        merged = _merge(a, b)
        if merged is not None:
            out.append(merged)
    return out


def _merge(a: Conjunct, b: Conjunct) -> Conjunct | None:
    """Both conjunctions at once, or None when they contradict each other."""
    merged = dict(a)
    for key, constraint in b.items():
        if key not in merged:
            merged[key] = constraint
            continue
        mine = merged[key]
        if isinstance(mine, frozenset):
            both = mine & constraint
            if not both:
                return None
        else:
            both = (max(mine[0], constraint[0]), min(mine[1], constraint[1]), mine[2] and constraint[2])
            if both[0] > both[1] and not both[2]:
                return None
        merged[key] = both
    return merged


def _dnf(node: ir.Expr | None, negated: bool = False) -> list[Conjunct]:
    """The condition as alternatives of conjunctions; [{}] (anything) when it grows too big."""
    match node:
        case None:
            return _ANYTHING
        case ir.Not(item=inner):
            return _dnf(inner, not negated)
        case ir.And(items=items) | ir.Or(items=items):
            conjunctive = isinstance(node, ir.And) != negated
            parts = [_dnf(item, negated) for item in items]
            if not conjunctive:
                result = [c for part in parts for c in part]
            else:
                result = [{}]
                for part in parts:
                    result = _and(result, part)
                    if len(result) > _MAX_CONJUNCTS:
                        return _ANYTHING
            return result if len(result) <= _MAX_CONJUNCTS else _ANYTHING
        case ir.Steps():
            return _ANYTHING
        case ir.Const(value=value) if isinstance(value, bool):
            return _ANYTHING if value != negated else []
    if node.type == BOOL and isinstance(node, ir.Get):
        return [{node.text: frozenset({not negated})}]
    return _atom(node, negated)


@attrs.frozen
class _Shape:
    """A rule as the analysis sees it: its conjunctions and its pattern."""

    conjuncts: list[Conjunct] = attrs.field(eq=False)
    steps: ir.Steps | None = attrs.field(eq=False)


def _shape(rule: CheckedRule) -> _Shape:
    steps = next((c for c in rule.conditions if isinstance(c, ir.Steps)), None)
    tests = [c for c in rule.conditions if not isinstance(c, ir.Steps)]
    conjuncts = [{"kind": rule.kinds}]
    for test in tests:
        conjuncts = _and(conjuncts, _dnf(test))
        if len(conjuncts) > _MAX_CONJUNCTS:
            conjuncts = [{"kind": rule.kinds}]
    return _Shape(conjuncts, steps)


def _may_overlap(a: _Shape, b: _Shape) -> bool:
    if not _and(a.conjuncts, b.conjuncts):
        return False
    if a.steps is None or b.steps is None:
        return True
    return can_both_match(a.steps.nfa, b.steps.nfa)


#: rivals listed for one rule and slot; past this many the rule is `crowded` on that slot, and
#: once it wins, every later rule of its priority with another outcome is tested
MAX_RIVALS = 32


@attrs.frozen
class Ties:
    """What the overlap analysis found: pairs of rules that may tie, and crowded rules.

    Rules are compared in the order a picker tests them (priority, then id): each rule
    against the later ones of its priority that set the slot differently, until
    `MAX_RIVALS` may tie with it; then the rule is crowded on that slot and the rest are
    not compared. So the analysis is linear in the rules where every rule may tie with
    every other, and a picker still finds every tie at run time.
    """

    pairs: list[Tie]
    #: (rule id, slot) of the rules whose later rivals were not all listed
    crowded: frozenset[tuple[str, str]]


def possible_ties(rules: Sequence[CheckedRule]) -> Ties:
    """Pairs of rules that may tie on a slot, and the crowded rules; any other pair never can.

    Only rules of the same priority that set a slot to different outcomes and share a
    kind are compared, each rule's conditions analysed once. Rules that test one value
    of the same thing (`resource == "Agent_7"`, a campaign in the data) are indexed by
    that value, so a site layer of many such rules is compared in linear time.
    """
    shapes = {id(rule): _shape(rule) for rule in rules}
    groups: dict[tuple[int, str], list[CheckedRule]] = defaultdict(list)
    for rule in rules:
        for slot in rule.outcomes:
            groups[rule.priority, slot].append(rule)
    pairs: list[Tie] = []
    crowded: set[tuple[str, str]] = set()
    order = {id(rule): number for number, rule in enumerate(rules)}
    for (_, slot), members in groups.items():
        if len({rule.outcomes[slot] for rule in members}) < 2:
            continue
        members.sort(key=lambda rule: rule.id)
        index = _Index(members, slot, shapes)
        for place, rule in enumerate(members):
            found = 0
            for later in index.candidates(place):
                other = members[later]
                if not rule.kinds & other.kinds or not _may_overlap(shapes[id(rule)], shapes[id(other)]):
                    continue
                if found == MAX_RIVALS:
                    crowded.add((rule.id, slot))
                    break
                found += 1
                first, second = (rule, other) if order[id(rule)] < order[id(other)] else (other, rule)
                pairs.append(Tie(slot, first, second))
    pairs.sort(key=lambda t: (order[id(t.first)], order[id(t.second)], list(OUTCOME_SLOTS).index(t.slot)))
    return Ties(pairs, frozenset(crowded))


class _Index:
    """The later rules of a group a rule must be compared with: those with another outcome,
    and, when both test the group's most tested value (`resource`, a data key, an
    enumeration), only those that allow one of its values."""

    def __init__(self, members: Sequence[CheckedRule], slot: str, shapes: dict[int, _Shape]) -> None:
        self.outcomes = [rule.outcomes[slot] for rule in members]
        subject = _indexed_subject([shapes[id(rule)] for rule in members])
        self.values = [_values(shapes[id(rule)], subject) for rule in members]
        #: per outcome, the places of the rules that allow anything, and of those allowing each value
        self.free: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.allowing: dict[tuple[str, str], dict[object, list[int]]] = defaultdict(lambda: defaultdict(list))
        for place, (outcome, values) in enumerate(zip(self.outcomes, self.values, strict=True)):
            if values is None:
                self.free[outcome].append(place)
            else:
                for value in values:
                    self.allowing[outcome][value].append(place)

    def candidates(self, place: int) -> Iterator[int]:
        """Places after `place`, in order, of the rules that may tie with the rule there."""
        mine, values = self.outcomes[place], self.values[place]
        runs = []
        for outcome in {*self.free, *self.allowing} - {mine}:
            lists = [self.free[outcome]]
            lists += (self.allowing[outcome].values() if values is None
                      else (self.allowing[outcome].get(value, []) for value in values))
            runs += [iter(places[bisect.bisect_right(places, place):]) for places in lists if places]
        previous = -1
        for later in heapq.merge(*runs):
            if later != previous:
                previous = later
                yield later


def _values(shape: _Shape, subject: str | None) -> frozenset | None:
    """The values of `subject` the rule can match at all, when every alternative of its
    conditions pins it to a few; None when it allows anything."""
    if subject is None or not shape.conjuncts:
        return None
    allowed: set = set()
    for conjunct in shape.conjuncts:
        constraint = conjunct.get(subject)
        if not isinstance(constraint, frozenset) or _NONE in constraint:
            return None
        allowed |= constraint
    return frozenset(allowed)


def _indexed_subject(shapes: Sequence[_Shape]) -> str | None:
    """What most rules of a group pin to a few values (the party's kind aside)."""
    counts: Counter[str] = Counter()
    for shape in shapes:
        if shape.conjuncts:
            counts.update(key for key in shape.conjuncts[0] if key != "kind" and _values(shape, key) is not None)
    return min(counts, key=lambda key: (-counts[key], key)) if counts else None


def find_shadowed(rules: Sequence[CheckedRule]) -> list[Diagnostic]:
    """Rules that never decide a slot because a stronger rule without conditions always does
    (R302): a proof from the text alone. Possible ties are no finding: `possible_ties` only
    tells the compiled rules which rivals to test, and `check` reports a real overlap with the
    interaction that shows it."""
    problems = []
    unconditional: dict[str, list[CheckedRule]] = defaultdict(list)
    for rule in rules:
        if not rule.conditions:
            for slot in rule.outcomes:
                unconditional[slot].append(rule)
    for rule in rules:
        for slot in rule.outcomes:
            strong = [other for other in unconditional[slot]
                      if other.priority > rule.priority and rule.kinds <= other.kinds]
            if strong:
                problems.append(_shadowed(rule, max(strong, key=lambda r: (r.priority, r.id)), slot))
    return problems


def _shadowed(weak: CheckedRule, strong: CheckedRule, slot: str) -> Diagnostic:
    return warning(
        "R302",
        f"rule '{weak.id}' never decides the {slot}: '{strong.id}' always matches "
        f"with a higher priority ({strong.priority})",
        weak.rule.span.position, hint=f"raise the priority of '{weak.id}' or narrow '{strong.id}'")


def show_outcome(outcome: tuple[str, str]) -> str:
    """`Value` or `Value [Reason]`, the way descriptors are written."""
    value, reason = outcome
    return value if reason == "Unspecified" else f"{value} [{reason}]"
