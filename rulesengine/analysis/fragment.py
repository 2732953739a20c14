"""Which rules read values in ways the bounded search cannot try every class of.

The search tries one value of each class the rules' comparisons cut a party's durations, its
resource, the reason of its last step and an attached value into (`abstraction`), and it
tries them on one party of each *situation* (`search.situation`: its kind, steps, intent,
visibility, the facts and the rules that match). That is every value the rules can tell
apart only while they read those values in such comparisons (`engage > 5s`, `resource
matches "VQ_*"`, `data.segment in ("VIP", "Gold")`, `left.reason is none`), of the decided
party itself, and read nothing the situation does not hold in the same rule. A rule that
reads them otherwise may decide for values the search never tries:

- through arithmetic (`engage - 7s > 0s`, `by.left - left > 5s`), against another value
  (`engage > alert`), made into another value (`coalesce(data.segment, "x")`, a fact of type
  string), or a value the search never varies (`media`, another party's `resource`);
- a fact that reads such values, read of another party (`some(hop in path: hop.vip)`);
- the reason of a step that need not be the party's last (`accepted.reason`);
- two of the party's durations of which one holds the other (`stay` and `alert`, `engage`
  and `hold`): the classes are tried one duration at a time, not their sums;
- beside other parties in one rule (`engage > 10s and some(o in others: ...)`, directly or
  through a fact that reads a duration), which the situation does not tell apart.

Such a rule is never reported dead nor proved disjoint from another: `check` names it, with
the expression, instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeGuard

from rulesengine.decide.decider import Decider
from rulesengine.language import ir
from rulesengine.model.valuetypes import DATA, DURATION, NUMBER, PARTY, STRING

#: the party's own durations, which the search varies
DURATIONS = ("alert", "hold", "engage", "stay")
#: durations that hold another: `stay` its alert and its engagement, `engage` its holds
_HOLDING = {"stay": frozenset({"alert", "engage", "hold"}), "engage": frozenset({"hold"})}
#: the steps that are a party's last when it has them, whose reason the search varies (`end` is
#: not: for a party still there when the chat ends, it is the interaction's end)
_LAST_STEPS = frozenset({"left", "rejected", "revoked"})
#: the types of the values classes are tried of (the others, words and moments, come from the shapes)
_VALUES = frozenset({DURATION, STRING, NUMBER, DATA})
#: the comparisons the classes of a text or an attached value answer (sizes of durations too)
_EQUALITY = frozenset({"==", "!="})


def unseen(decider: Decider) -> dict[str, str]:
    """Each rule that reads a value as the search cannot vary it, with that expression's text
    (of the rule, or of a fact it reads)."""
    facts = _Facts(decider.definitions)
    found: dict[str, str] = {}
    for rule in decider.rules:
        nodes = [condition.node for condition in rule.conditions]
        why = next((text for node in nodes if (text := facts.outside(node))), None)
        if why is None:
            why = _together(nodes, facts)
        if why is None and any(facts.varies(node) for node in _every(nodes)):
            why = next((node.text for node in _every(nodes) if _beyond_situation(node)), None)
        if why is not None:
            found[rule.id] = why
    return found


class _Facts:
    """What each fact reads, worked out once for every fact at once (facts read each other,
    in cycles too): the first expression of it, or of a fact it reads, that the search cannot
    vary; whether it reads a value the search varies; which durations it reads."""

    def __init__(self, definitions: Mapping) -> None:
        nodes = {name: fact.definition for name, fact in definitions.items()}
        reads = {name: {node.name for node in ir.walk(root) if _is_fact(node) and node.name in nodes}
                 for name, root in nodes.items()}
        self._varies: dict[str, bool] = {name: any(map(_varied, ir.walk(root))) for name, root in nodes.items()}
        self._durations: dict[str, frozenset[str]] = {name: _durations_here(root) for name, root in nodes.items()}
        changed = True
        while changed:  # what a fact reads through others, until nothing more is learnt
            changed = False
            for name, others in reads.items():
                for other in others:
                    if self._varies[other] and not self._varies[name]:
                        self._varies[name], changed = True, True
                    if not self._durations[other] <= self._durations[name]:
                        self._durations[name], changed = self._durations[name] | self._durations[other], True
        self._outside: dict[str, str | None] = {name: _outside_here(root, self) for name, root in nodes.items()}
        changed = True
        while changed:
            changed = False
            for name, others in reads.items():
                for other in others:
                    if self._outside[name] is None and self._outside[other] is not None:
                        self._outside[name], changed = self._outside[other], True

    def outside(self, root: ir.Expr) -> str | None:
        """The text of the first value read under `root` as the classes cannot answer for it,
        or of such a value in a fact read there; None when there is none."""
        here = _outside_here(root, self)
        if here is not None:
            return here
        return next((self._outside[node.name] for node in ir.walk(root)
                     if _is_fact(node) and self._outside.get(node.name)), None)

    def varies(self, node: ir.Expr) -> bool:
        """Whether `node` reads a value the search varies, itself or through a fact."""
        return _varied(node) or (_is_fact(node) and self._varies.get(node.name, False))

    def durations(self, node: ir.Expr) -> frozenset[str]:
        """The party's own durations `node` reads, itself or through a fact."""
        if _is_fact(node):
            return self._durations.get(node.name, frozenset())
        return _durations_here(node)

    def read_elsewhere(self, node: ir.Expr) -> bool:
        """Whether `node` is a fact that reads varied values, read of another party than the
        decided one: its values are that party's, which the search does not vary."""
        return _is_fact(node) and not isinstance(node.subject, ir.Self) and self._varies.get(node.name, False)


def _is_fact(node: ir.Expr) -> TypeGuard[ir.Get]:
    return isinstance(node, ir.Get) and node.source == "fact"


def _varied(node: ir.Expr) -> bool:
    """Whether the search varies the value `node` reads: a duration of the party itself, its
    resource, the reason of its last step, an attached value."""
    if not isinstance(node, ir.Get):
        return False
    if node.source == "data":
        return True
    if node.source == "moment" and node.name == "reason":
        moment = node.subject
        return (isinstance(moment, ir.Get) and isinstance(moment.subject, ir.Self)
                and moment.name in _LAST_STEPS)
    return (node.source == "party" and isinstance(node.subject, ir.Self)
            and (node.name in DURATIONS or node.name == "resource"))


def _every(nodes: list[ir.Expr]) -> Iterator[ir.Expr]:
    for node in nodes:
        yield from ir.walk(node)


def _outside_here(root: ir.Expr, facts: _Facts) -> str | None:
    """`_Facts.outside` without looking into the facts read (only at how they are read)."""
    answered: set[int] = set()
    for node in ir.walk(root):
        answered.update(id(subject) for subject in _compared(node))
        if facts.read_elsewhere(node) or (isinstance(node, ir.Get) and node.name == "provisional"):
            return node.text  # `provisional`: the search ends every interaction it tries
        if isinstance(node, ir.Steps) and (step := _not_last_reason(node)) is not None:
            return f"{node.text} ({step}'s reason)"
    for node in ir.walk(root):
        if node.type in _VALUES and id(node) not in answered and (isinstance(node, ir.Arith)
                                                                   or _reads_a_value(node)):
            return node.text
    return None


def _not_last_reason(node: ir.Steps) -> str | None:
    """A step of a `match` pattern asked for its reason that need not be the party's last."""
    return next((check.step or "_" for edges in node.nfa.edges for check, _ in edges
                 if any(name == "reason" for name, _ in check.attributes) and check.step not in _LAST_STEPS),
                None)


def _compared(node: ir.Expr) -> Iterator[ir.Expr]:
    """The varied values a comparison, a list, a glob or a test for none reads as the classes
    answer for it."""
    if isinstance(node, ir.Compare):
        for subject, other in ((node.left, node.right), (node.right, node.left)):
            if (_varied(subject) and isinstance(other, ir.Const)
                    and (subject.type == DURATION or node.op in _EQUALITY
                         or (subject.type == DATA and _number(other.value)))):
                yield subject
    elif isinstance(node, (ir.In, ir.Match, ir.IsNone)) and _varied(node.item) and (
            not isinstance(node, ir.In) or ir.constants(node.options) is not None):
        yield node.item


def _number(value: object) -> bool:
    """A number an attached value is compared with by size (`data.score > 3.5`): the classes
    of attached values hold one number of each stretch such numbers cut (`abstraction`)."""
    return type(value) in (int, float)


def _reads_a_value(node: ir.Expr) -> bool:
    """Whether the expression is, or holds, a read of a duration, a text, a number or an
    attached value (a constant, or a count of parties, is none)."""
    return any(isinstance(part, ir.Get) and part.type in _VALUES for part in ir.walk(node))


def _durations_here(root: ir.Expr) -> frozenset[str]:
    return frozenset(node.name for node in ir.walk(root)
                     if _varied(node) and node.type == DURATION and isinstance(node, ir.Get))


def _together(nodes: list[ir.Expr], facts: _Facts) -> str | None:
    """Two durations a rule reads, itself or through facts, of which one holds the other."""
    read: frozenset[str] = frozenset()
    for node in _every(nodes):
        read |= facts.durations(node)
    for holder, held in _HOLDING.items():
        if holder in read and read & held:
            return f"{holder} beside {', '.join(sorted(read & held))}"
    return None


def _beyond_situation(node: ir.Expr) -> bool:
    """Whether a rule's own condition reads what a situation does not hold: other parties (by a
    quantifier or a count, or as `by`), the interaction itself, a party in a list."""
    if isinstance(node, (ir.Quant, ir.Count, ir.Contains, ir.Var)):
        return True
    if isinstance(node, ir.Get):
        return node.subject is None or (node.subject.type == PARTY and not isinstance(node.subject, ir.Self))
    return False
