"""The syntax tree of a rule file, as the parser builds it and the checker reads it.

Every node carries a `Span` (where it was written) that is left out of equality, so
two trees that say the same thing compare equal wherever they sit: tests compare
trees, diagnostics point at spans. `show()` prints any node back in the language's
own words (explain quotes conditions and definitions that way, and a parse of the
result gives an equal tree).
"""

from __future__ import annotations

from typing import Union

import attrs

from rulesengine.diagnostics import Position


@attrs.frozen
class Span:
    """Where a node was written: start line/col and end line/col, counting from 1."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    @property
    def position(self) -> Position:
        return Position(self.path, self.line, self.col)


NOWHERE = Span("<unknown>", 1, 1, 1, 1)


def _span() -> Span:
    return attrs.field(default=NOWHERE, eq=False, order=False, kw_only=True, repr=False)


def _nodes():
    return attrs.field(converter=tuple)


# ---- literals and names -------------------------------------------------------

@attrs.frozen
class Word:
    """A bare name as written: a fact, a primitive, a value, a parameter, a kind..."""

    text: str
    span: Span = _span()


@attrs.frozen
class Number:
    """A numeric literal as written (`30s`, `500ms`, `10`, `-2.5`); the checker gives it a type."""

    text: str
    span: Span = _span()


@attrs.frozen
class Text:
    """A double-quoted string, without its quotes."""

    value: str
    span: Span = _span()


@attrs.frozen
class Bool:
    """`true` or `false`."""

    value: bool
    span: Span = _span()


@attrs.frozen
class Nothing:
    """`none`: no value."""

    span: Span = _span()


Literal = Union[Word, Number, Text]


# ---- declarations ---------------------------------------------------------------

@attrs.frozen
class VocabularyDecl:
    """`vocabulary NAME: A, B` or, in a later layer, `extend vocabulary NAME: C`."""

    slot: Word
    values: tuple[Word, ...] = _nodes()
    extend: bool = False
    span: Span = _span()


@attrs.frozen
class ParamDecl:
    """`param NAME: TYPE = DEFAULT "doc"`: a named value settings may override."""

    name: Word
    type: Word
    default: Literal
    doc: str | None = None
    span: Span = _span()


@attrs.frozen
class ParamSetting:
    """`set param NAME = VALUE "why"`: a later layer's value for an earlier layer's parameter."""

    name: Word
    value: Literal
    doc: str | None = None
    span: Span = _span()


@attrs.frozen
class FactDecl:
    """`fact NAME: TYPE "description" = EXPR`: a derived fact about any party."""

    name: Word
    type: Word
    description: str
    definition: Expr
    override: bool = False
    span: Span = _span()


@attrs.frozen
class DisableRule:
    """`disable rule ID "why"`: an earlier layer's rule taken out of the rule set."""

    id: Word
    reason: str | None = None
    span: Span = _span()


# ---- patterns over the party's steps ----------------------------------------------

@attrs.frozen
class AttrTest:
    """`reason: timeout` inside a step test: one attribute of the step must equal a value."""

    name: Word
    value: Word | Text
    span: Span = _span()


@attrs.frozen
class StepTest:
    """One step: `invited`, `revoked(reason: timeout)`, or `_` (any step, `step` None)."""

    step: Word | None
    tests: tuple[AttrTest, ...] = attrs.field(default=(), converter=tuple)
    span: Span = _span()


@attrs.frozen
class Sequence:
    """Patterns one after the other."""

    items: tuple[Pattern, ...] = _nodes()
    span: Span = _span()


@attrs.frozen
class Alternatives:
    """`a | b`: any one of the options."""

    options: tuple[Pattern, ...] = _nodes()
    span: Span = _span()


@attrs.frozen
class Repeat:
    """`p?` (0..1), `p*` (0..), `p+` (1..)."""

    item: Pattern
    op: str  # "?", "*" or "+"
    span: Span = _span()


Pattern = Union[StepTest, Sequence, Alternatives, Repeat]


# ---- expressions: conditions and definitions ---------------------------------------

@attrs.frozen
class Ref:
    """A name, or a path of names: `origin`, `by.kind`, `target.accepted`, `data.segment`."""

    names: tuple[Word, ...] = _nodes()
    span: Span = _span()

    @property
    def text(self) -> str:
        return ".".join(name.text for name in self.names)


@attrs.frozen
class Comparison:
    """`left OP right`: `origin == route`, `alert >= 30s`, `by.resource != resource`."""

    left: Expr
    op: str
    right: Expr
    span: Span = _span()


@attrs.frozen
class Membership:
    """`x in (a, b)`, or `x not in (a, b)`."""

    item: Expr
    options: tuple[Expr, ...] = _nodes()
    negated: bool = False
    span: Span = _span()


@attrs.frozen
class Contained:
    """`p in reached`: a party among a list of parties."""

    item: Expr
    collection: Ref
    span: Span = _span()


@attrs.frozen
class IsNone:
    """`x is none`, or `x is not none`."""

    item: Expr
    negated: bool = False
    span: Span = _span()


@attrs.frozen
class Matches:
    """`resource matches "VQ_*"`: a glob pattern (`*`, `?`, `[abc]`) over the whole text."""

    item: Expr
    pattern: Text
    span: Span = _span()


@attrs.frozen
class Temporal:
    """`a before b`, `a after b` (moments), `m during phase`."""

    left: Expr
    op: str
    right: Expr
    span: Span = _span()


@attrs.frozen
class Arithmetic:
    """`a - b` (two moments: the time between; two durations), `a + b` (durations)."""

    left: Expr
    op: str
    right: Expr
    span: Span = _span()


@attrs.frozen
class Not:
    expr: Expr
    span: Span = _span()


@attrs.frozen
class AllOf:
    """`a and b and ...`"""

    exprs: tuple[Expr, ...] = _nodes()
    span: Span = _span()


@attrs.frozen
class AnyOf:
    """`a or b or ...`"""

    exprs: tuple[Expr, ...] = _nodes()
    span: Span = _span()


@attrs.frozen
class Quantifier:
    """`some(p in COLLECTION: CONDITION)`, `no(...)`, `all(...)`; without a condition,
    `some(p in c)` says the list is not empty and `no(p in c)` that it is."""

    kind: str  # "some" | "no" | "all"
    var: Word
    collection: Expr
    condition: Expr | None = None
    span: Span = _span()


@attrs.frozen
class Count:
    """`count(p in COLLECTION: CONDITION)`: how many parties of the list meet the condition."""

    var: Word
    collection: Expr
    condition: Expr | None = None
    span: Span = _span()


@attrs.frozen
class Call:
    """`NAME(a, b, ...)`: a built-in function such as `coalesce`."""

    name: Word
    args: tuple[Expr, ...] = _nodes()
    span: Span = _span()


@attrs.frozen
class Branch:
    """`when CONDITION then VALUE` inside a `case`."""

    condition: Expr
    value: Expr
    span: Span = _span()


@attrs.frozen
class Case:
    """`case when C then V ... else V`: the value of the first branch whose condition holds."""

    branches: tuple[Branch, ...] = _nodes()
    default: Expr = None
    span: Span = _span()


Expr = Union[Ref, Number, Text, Bool, Nothing, Comparison, Membership, Contained, IsNone, Matches,
             Temporal, Arithmetic, Not, AllOf, AnyOf, Quantifier, Count, Call, Case]


# ---- rules ----------------------------------------------------------------------------

@attrs.frozen
class Outcome:
    """`role X [reason Y]`, `result X [reason Y]` or `record X`."""

    slot: str  # "role" | "result" | "record"
    value: Word
    reason: Word | None = None
    span: Span = _span()


@attrs.frozen
class Rule:
    """One rule: for which kinds, which steps and facts, what it sets, how strongly."""

    id: Word
    description: str
    kinds: tuple[Word, ...] = _nodes()
    pattern: Pattern | None = None
    condition: Expr | None = None
    outcomes: tuple[Outcome, ...] = attrs.field(default=(), converter=tuple)
    priority: int = 0
    override: bool = False
    span: Span = _span()


@attrs.frozen
class RuleFile:
    """Everything one file declares, by sort, each in the order written."""

    path: str
    vocabularies: tuple[VocabularyDecl, ...] = attrs.field(default=(), converter=tuple)
    params: tuple[ParamDecl, ...] = attrs.field(default=(), converter=tuple)
    settings: tuple[ParamSetting, ...] = attrs.field(default=(), converter=tuple)
    facts: tuple[FactDecl, ...] = attrs.field(default=(), converter=tuple)
    rules: tuple[Rule, ...] = attrs.field(default=(), converter=tuple)
    disabled: tuple[DisableRule, ...] = attrs.field(default=(), converter=tuple)


# ---- printing back -------------------------------------------------------------------

def _quote(text: str) -> str:
    return f'"{text}"'


#: how tightly each expression binds, to know where printing needs parentheses
_BINDING = {AnyOf: 1, AllOf: 2, Not: 3, Comparison: 4, Membership: 4, Contained: 4, IsNone: 4,
            Matches: 4, Temporal: 4, Arithmetic: 5}
_ATOM = 6


def _binding(node) -> int:
    return _BINDING.get(type(node), _ATOM)


def _wrapped(node, at_least: int) -> str:
    """The node printed, in parentheses when it binds less tightly than its place needs."""
    text = show(node)
    return f"({text})" if _binding(node) < at_least else text


def show(node) -> str:
    """The node in the language's own words."""
    match node:
        case Word(text=text) | Number(text=text):
            return text
        case Text(value=value):
            return _quote(value)
        case Bool(value=value):
            return "true" if value else "false"
        case Nothing():
            return "none"
        case Ref():
            return node.text
        case AttrTest(name=name, value=value):
            return f"{name.text}: {show(value)}"
        case StepTest(step=None):
            return "_"
        case StepTest(step=step, tests=()):
            return step.text
        case StepTest(step=step, tests=tests):
            return f"{step.text}({', '.join(show(t) for t in tests)})"
        case Sequence(items=items):
            return " ".join(_show_step_in(item, (Alternatives,)) for item in items)
        case Alternatives(options=options):
            return " | ".join(show(option) for option in options)
        case Repeat(item=item, op=op):
            return _show_step_in(item, (Alternatives, Sequence, Repeat)) + op
        case Comparison(left=left, op=op, right=right) | Temporal(left=left, op=op, right=right):
            return f"{_wrapped(left, 5)} {op} {_wrapped(right, 5)}"
        case Arithmetic(left=left, op=op, right=right):
            return f"{_wrapped(left, 5)} {op} {_wrapped(right, 6)}"
        case Membership(item=item, options=options, negated=negated):
            listed = ", ".join(_wrapped(o, 5) for o in options)
            return f"{_wrapped(item, 5)} {'not in' if negated else 'in'} ({listed})"
        case Contained(item=item, collection=collection):
            return f"{_wrapped(item, 5)} in {collection.text}"
        case IsNone(item=item, negated=negated):
            return f"{_wrapped(item, 5)} is {'not none' if negated else 'none'}"
        case Matches(item=item, pattern=pattern):
            return f"{_wrapped(item, 5)} matches {show(pattern)}"
        case Not(expr=expr):
            return "not " + _wrapped(expr, 3)
        case AllOf(exprs=exprs):
            return " and ".join(_wrapped(e, 3) for e in exprs)
        case AnyOf(exprs=exprs):  # `and` inside `or` in parentheses, for the reader
            return " or ".join(_wrapped(e, 3) for e in exprs)
        case Quantifier(kind=kind, var=var, collection=collection, condition=condition):
            body = "" if condition is None else f": {show(condition)}"
            return f"{kind}({var.text} in {show(collection)}{body})"
        case Count(var=var, collection=collection, condition=condition):
            body = "" if condition is None else f": {show(condition)}"
            return f"count({var.text} in {show(collection)}{body})"
        case Call(name=name, args=args):
            return f"{name.text}({', '.join(show(a) for a in args)})"
        case Case(branches=branches, default=default):
            parts = [f"when {show(b.condition)} then {_wrapped(b.value, _ATOM)}" for b in branches]
            return f"case {' '.join(parts)} else {_wrapped(default, _ATOM)}"
        case Outcome(slot=slot, value=value, reason=None):
            return f"{slot} {value.text}"
        case Outcome(slot=slot, value=value, reason=reason):
            return f"{slot} {value.text} reason {reason.text}"
    raise TypeError(f"cannot show {type(node).__name__}")


def _show_step_in(node, needs_parentheses: tuple[type, ...]) -> str:
    text = show(node)
    return f"({text})" if isinstance(node, needs_parentheses) else text


def show_rule(rule: Rule) -> str:
    """A whole rule, one clause a line, the way the language reference writes them."""
    lines = [f"{'override ' if rule.override else ''}rule {rule.id.text}  {_quote(rule.description)}",
             f"  for {', '.join(kind.text for kind in rule.kinds)}"]
    if rule.pattern is not None:
        lines.append(f"  match {show(rule.pattern)}")
    if rule.condition is not None:
        lines.append(f"  when {show(rule.condition)}")
    lines.append(f"  set {', '.join(show(outcome) for outcome in rule.outcomes)}")
    if rule.priority:
        lines.append(f"  priority {rule.priority}")
    return "\n".join(lines)


def show_fact(fact: FactDecl) -> str:
    """A whole fact declaration, its definition on the next line."""
    head = f"{'override ' if fact.override else ''}fact {fact.name.text}: {fact.type.text}"
    return f"{head}  {_quote(fact.description)}\n  = {show(fact.definition)}"
