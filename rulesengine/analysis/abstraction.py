"""What the rules can tell apart: the classes of times and the values the bounded analysis tries.

A rule set reads durations only through comparisons with constants, and names only a
few texts: a duration compared with 10 s and 30 s has five classes (below 10 s, 10 s,
between, 30 s, above), a resource compared with "Agent_7" two ("Agent_7" and any
other), a resource matched against "Sup_*" and "*_Ada" four (each glob alone, both,
neither; `text_classes`). Trying one value of each class is trying every value, as far
as the rules can see. This module reads those constants and globs off the checked
conditions of the rules and of the facts they read.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

import attrs

from rulesengine.analysis.text_classes import TextClasses, text_classes
from rulesengine.decide.decider import Decider
from rulesengine.language import ir
from rulesengine.model.valuetypes import DURATION

#: the later steps a moment or phase of another party is read from, as events
_MOMENT_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "start": ("party.entered", "party.invited"), "invited": ("party.invited",),
    "accepted": ("party.accepted",), "rejected": ("party.rejected",), "revoked": ("party.revoked",),
    "left": ("party.left",), "end": ("party.left", "party.rejected", "party.revoked"),
    "present": ("party.entered", "party.invited", "party.left", "party.rejected", "party.revoked"),
    "alerting": ("party.invited", "party.accepted", "party.rejected", "party.revoked"),
    "connected": ("party.accepted", "party.left"), "on_hold": ("party.held", "party.retrieved", "party.left"),
})
_EVERY_STEP = frozenset(step for steps in _MOMENT_STEPS.values() for step in steps) | {"party.held",
                                                                                      "party.retrieved"}
_VISIBILITIES = ("conference", "coach", "monitor")
#: a party's own durations (any other duration compared counts as all of them)
_DURATIONS = ("alert", "hold", "engage", "stay")


@attrs.frozen
class Abstraction:
    """The constants a rule set compares with, and so the values worth trying."""

    #: every duration constant compared with, in milliseconds, sorted
    thresholds: tuple[int, ...] = ()
    #: the party's own durations compared with them (alert, hold, engage, stay)
    timed: frozenset[str] = frozenset()
    #: one value of each class of a party's `resource`, of a moment's `reason`, of each attached
    #: value (by key) that the rules tell apart (`text_classes`); empty when no rule tests it
    resources: tuple[object, ...] = ()
    reasons: tuple[object, ...] = ()
    data: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)
    #: whether those are every class (a few globs can make too many to list: `MAX_STATES`)
    every_text: bool = True
    #: invitation visibilities worth trying (None: not said)
    visibilities: tuple[str | None, ...] = (None,)
    #: the one of them tried for every visibility no rule names, as a party's `visibility` says it
    unnamed: str = "unknown"
    #: whether a condition reads the visibility of a party other than the one it is about (then
    #: the shapes vary every invitation's visibility, else only the decided party's varies)
    visibility_of_others: bool = False
    #: whether some rule tells a workbin from a queue
    workbins: bool = False
    #: steps whose order against another party's step some condition reads
    ordered: frozenset[str] = frozenset()

    def tried(self, visibility: str) -> str:
        """The visibility tried for the class of `visibility` (a party's, `unknown` when not said)."""
        said = None if visibility == "unknown" else visibility
        return visibility if said in self.visibilities else self.unnamed

    def durations(self) -> tuple[int, ...]:
        """One duration of each class the thresholds make: 0, and each threshold, just below and just above."""
        values = {0}
        for threshold in self.thresholds:
            values |= {value for value in (threshold - 1, threshold, threshold + 1) if value >= 0}
        return tuple(sorted(values))


def abstraction(decider: Decider) -> Abstraction:
    """The constants the decider's rules, and the facts they may read, compare with."""
    nodes = [condition.node for rule in decider.rules for condition in rule.conditions]
    nodes += [fact.definition for fact in decider.definitions.values()]
    thresholds: set[int] = set()
    texts: dict[str, set[tuple[str, object]]] = defaultdict(set)  # by type too: True is no 1
    globs: dict[str, set[str]] = defaultdict(set)
    kinds: set[frozenset[str]] = {frozenset(rule.kinds) & {"queue", "workbin"} for rule in decider.rules}
    ordered: set[str] = set()
    timed: set[str] = set()
    others = False
    seeing = _reading_visibility(decider.definitions)
    for node in _every(nodes):
        named_kinds = {value for subject, value in _compared(node) if subject.type.name == "kind"}
        if len(named_kinds & {"queue", "workbin"}) == 1 or _kinds_compared(node):
            kinds.add(frozenset({"workbin"}))
        for subject, value in _compared(node):
            if subject.type == DURATION and isinstance(value, (int, float)):
                thresholds.add(int(value))
                timed.update(_DURATIONS if not isinstance(subject, ir.Get) or subject.name not in _DURATIONS
                             else (subject.name,))
            elif isinstance(subject, ir.Get) and isinstance(value, (str, int, float, bool)):
                texts[_named(subject)].add(_typed(value))
        if isinstance(node, ir.Match) and isinstance(node.item, ir.Get):
            globs[_named(node.item)].add(node.glob)
        if isinstance(node, ir.IsNone) and isinstance(node.item, ir.Get):
            texts.setdefault(_named(node.item), set())  # tested: with no constant, some text is tried beside none
        if isinstance(node, ir.Steps):
            for name, value in _step_attributes(node):
                texts[name].add(_typed(value))
        if isinstance(node, ir.Get) and not isinstance(node.subject, ir.Self) and (
                node.name == "visibility" or (node.source == "fact" and node.name in seeing)):
            others = True  # another party's visibility, itself or through a fact that reads it
        if isinstance(node, ir.Temporal):
            ordered |= _cross_party(node)
    named = {value for _, value in texts.pop("visibility", set())}
    visibilities: list[str | None] = [v for v in _VISIBILITIES if v in named]
    unnamed = [v for v in _VISIBILITIES if v not in named]
    representative = None if "unknown" not in named or not unnamed else unnamed[0]
    visibilities.append(representative)
    if "unknown" in named:
        visibilities.append(None)
    constants = {name: [value for _, value in pairs] for name, pairs in texts.items()}
    classes: dict[str, TextClasses] = {
        name: text_classes([*constants.get(name, ()), *_between(constants.get(name, ()))], globs.get(name, ()),
                           empty=name.startswith("data."))
        for name in sorted(texts.keys() | globs.keys())
        if name in ("resource", "reason") or name.startswith("data.")}
    nothing = TextClasses(())
    return Abstraction(
        thresholds=tuple(sorted(thresholds)),
        timed=frozenset(timed),
        resources=classes.get("resource", nothing).values,
        reasons=classes.get("reason", nothing).values,
        data=MappingProxyType({name[5:]: found.values for name, found in classes.items() if name.startswith("data.")}),
        every_text=all(found.complete for found in classes.values()),
        visibilities=tuple(dict.fromkeys(visibilities)),
        unnamed=representative or "unknown",
        visibility_of_others=others,
        workbins=frozenset({"queue"}) in kinds or frozenset({"workbin"}) in kinds,
        ordered=frozenset(ordered))


def _every(nodes: Iterable[ir.Expr]) -> Iterator[ir.Expr]:
    for node in nodes:
        yield from ir.walk(node)


def _compared(node: ir.Expr) -> Iterator[tuple[ir.Expr, object]]:
    """(what is tested, a constant it is compared with) for a comparison or a list."""
    if isinstance(node, ir.Compare):
        for subject, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, ir.Const) and not isinstance(subject, ir.Const):
                yield subject, other.value
    elif isinstance(node, ir.In):
        for option in node.options:
            if isinstance(option, ir.Const):
                yield node.item, option.value


def _kinds_compared(node: ir.Expr) -> bool:
    """Whether a comparison tells two parties' kinds apart (`r.kind != p.kind`), which a queue
    and a workbin may make different."""
    return (isinstance(node, ir.Compare) and node.left.type.name == "kind" and node.right.type.name == "kind"
            and not isinstance(node.left, ir.Const) and not isinstance(node.right, ir.Const))


def _typed(value: object) -> tuple[str, object]:
    return (type(value).__name__, value)


def _reading_visibility(definitions: Mapping) -> frozenset[str]:
    """The facts that read the visibility of the party they are about, themselves or through
    other facts: read of another party, they read that party's visibility."""
    reading = {name for name, fact in definitions.items()
               if any(isinstance(node, ir.Get) and node.name == "visibility" and isinstance(node.subject, ir.Self)
                      for node in ir.walk(fact.definition))}
    grown = True
    while grown:
        before = len(reading)
        reading |= {name for name, fact in definitions.items() if name not in reading and any(
            isinstance(node, ir.Get) and node.source == "fact" and node.name in reading
            and isinstance(node.subject, ir.Self) for node in ir.walk(fact.definition))}
        grown = len(reading) > before
    return frozenset(reading)


def _between(constants: Iterable[object]) -> set[object]:
    """One number of each stretch the numbers among `constants` cut the numbers into, beside
    the numbers themselves: below the least, between each two, above the greatest (an attached
    value compared by size, `data.score > 3.5`)."""
    numbers: list[float] = sorted(value for value in constants if isinstance(value, (int, float))
                                  and not isinstance(value, bool))
    if not numbers:
        return set()
    least, greatest = numbers[0], numbers[-1]  # a step that a large float does not round away
    return {least - max(1, abs(least)), greatest + max(1, abs(greatest)),
            *(middle for low, high in itertools.pairwise(numbers) if low < (middle := _middle(low, high)) < high)}


def _middle(low: float, high: float) -> float:
    """A number between two: whole between whole ones as far apart as 2 (a float average of
    large whole numbers rounds onto one of them), else their average."""
    if isinstance(low, int) and isinstance(high, int) and high - low >= 2:
        return (low + high) // 2
    return (low + high) / 2


def _step_attributes(node: ir.Steps) -> Iterator[tuple[str, str]]:
    """The attributes a `match` pattern asks of steps (`revoked(reason: timeout)`), as the
    abstraction names what it varies (`reason`, `visibility`, `intent`)."""
    for edges in node.nfa.edges:
        for check, _ in edges:
            yield from check.attributes


def _named(subject: ir.Get) -> str:
    """What a tested value is, as the analysis varies it: `resource`, `reason`, `data.KEY`..."""
    if subject.source == "data":
        return f"data.{subject.name}"
    return subject.name


def _cross_party(node: ir.Temporal) -> set[str]:
    """The steps whose order a `before`, `after` or `during` may read across two parties: none
    when it compares a party with itself or with the customer's leaving and the end (which
    the analysis always puts last), else the steps of both sides."""
    sides = (node.left, node.right)
    if any(isinstance(side, ir.Get) and side.source == "interaction" for side in sides):
        return set()
    if all(isinstance(side, ir.Get) and isinstance(side.subject, ir.Self) and side.source != "fact"
           for side in sides):
        return set()  # a fact of type moment may be another party's (`= by.left`): not its own
    steps: set[str] = set()
    for side in sides:
        if isinstance(side, ir.Get) and side.name in _MOMENT_STEPS:
            steps.update(_MOMENT_STEPS[side.name])
        else:
            return set(_EVERY_STEP)
    return steps
