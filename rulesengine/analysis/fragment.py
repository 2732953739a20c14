"""Which rules read values in ways the bounded search cannot try every class of.

The search tries one value of each class the rules' comparisons cut a party's durations, its
resource, a step's reason and an attached value into (`abstraction`), and it tries them on
one party of each *situation* (`search.situation`: its kind, steps, intent, visibility, the
facts and the rules that match). That is every value the rules can tell apart only while
they read those values in such comparisons (`engage > 5s`, `resource matches "VQ_*"`,
`data.segment in ("VIP", "Gold")`, `left.reason is none`), and read nothing the situation
does not hold in the same rule. A rule that reads them otherwise may decide for values the
search never tries: through arithmetic (`engage - 7s > 0s`), against another value
(`engage > alert`), made into another value (`coalesce(data.segment, "x")`, a fact), a value
never varied (`media`, another party's `resource`), or beside other parties in one rule
(`engage > 10s and some(o in others: ...)`).
Such a rule is never reported dead nor proved disjoint from another: `check` names it, with
the expression, instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rulesengine.decide.decider import Decider
from rulesengine.language import ir
from rulesengine.model.valuetypes import DATA, DURATION, NUMBER, PARTY, STRING

#: the party's own durations, which the search varies
DURATIONS = ("alert", "hold", "engage", "stay")
#: the types of the values classes are tried of (the others, words and moments, come from the shapes)
_VALUES = frozenset({DURATION, STRING, NUMBER, DATA})
#: the comparisons the classes of a text or an attached value answer (sizes of durations too)
_EQUALITY = frozenset({"==", "!="})


def unseen(decider: Decider) -> dict[str, str]:
    """Each rule that reads a value as the search cannot vary it, with that expression's text
    (of the rule, or of a fact it reads)."""
    facts: dict[str, str | None] = {}
    found: dict[str, str] = {}
    for rule in decider.rules:
        nodes = [condition.node for condition in rule.conditions]
        why = next((text for node in nodes if (text := _outside(node, decider.definitions, facts))), None)
        if why is None and any(_varied(node) for node in _every(nodes)):
            why = next((node.text for node in _every(nodes) if _beyond_situation(node)), None)
        if why is not None:
            found[rule.id] = why
    return found


def _varied(node: ir.Expr) -> bool:
    """Whether the search varies the value `node` reads: a duration of the party itself, its
    resource, a step's reason, an attached value."""
    if not isinstance(node, ir.Get):
        return False
    if node.source == "data" or (node.source == "moment" and node.name == "reason"):
        return True
    return (node.source == "party" and isinstance(node.subject, ir.Self)
            and (node.name in DURATIONS or node.name == "resource"))


def _every(nodes: list[ir.Expr]) -> Iterator[ir.Expr]:
    for node in nodes:
        yield from ir.walk(node)


def _outside(root: ir.Expr, definitions: Mapping, facts: dict[str, str | None]) -> str | None:
    """The text of the first value read under `root` as the classes cannot answer for, or of
    such a value in a fact read there; None when there is none."""
    answered: set[int] = set()
    for node in ir.walk(root):
        answered.update(id(subject) for subject in _compared(node))
        if isinstance(node, ir.Get) and node.source == "fact" and node.name in definitions:
            if node.name not in facts:
                facts[node.name] = None  # a fact reading itself, through others, is read once
                facts[node.name] = _outside(definitions[node.name].definition, definitions, facts)
            if facts[node.name] is not None:
                return facts[node.name]
    for node in ir.walk(root):
        if node.type in _VALUES and id(node) not in answered and _reads_a_value(node):
            return node.text
    return None


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


def _beyond_situation(node: ir.Expr) -> bool:
    """Whether a rule's own condition reads what a situation does not hold: other parties (by a
    quantifier or a count, or as `by`), the interaction itself, a party in a list."""
    if isinstance(node, (ir.Quant, ir.Count, ir.Contains, ir.Var)):
        return True
    if isinstance(node, ir.Get):
        return node.subject is None or (node.subject.type == PARTY and not isinstance(node.subject, ir.Self))
    return False
