"""The syntax tree of a rule file, as the parser builds it and the checker reads it.

Every node carries a `Span` (where it was written) that is left out of equality, so
two trees that say the same thing compare equal wherever they sit: tests compare
trees, diagnostics point at spans. `show()` prints any node back in the language's
own words (explain quotes conditions that way, and a parse of the result gives an
equal tree).
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


# ---- literals and names -------------------------------------------------------

@attrs.frozen
class Word:
    """A bare name as written: a fact value, a parameter, a vocabulary value, a kind..."""

    text: str
    span: Span = _span()


@attrs.frozen
class Number:
    """A numeric literal as written (`30s`, `500ms`, `10`); the checker gives it a type."""

    text: str
    span: Span = _span()


@attrs.frozen
class Text:
    """A double-quoted string, without its quotes."""

    value: str
    span: Span = _span()


Literal = Union[Word, Number, Text]


# ---- declarations ---------------------------------------------------------------

@attrs.frozen
class VocabularyDecl:
    """`vocabulary SLOT: A, B` or, in a later layer, `extend vocabulary SLOT: C`."""

    slot: Word
    values: tuple[Word, ...] = attrs.field(converter=tuple)
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

    items: tuple[Pattern, ...] = attrs.field(converter=tuple)
    span: Span = _span()


@attrs.frozen
class Alternatives:
    """`a | b`: any one of the options."""

    options: tuple[Pattern, ...] = attrs.field(converter=tuple)
    span: Span = _span()


@attrs.frozen
class Repeat:
    """`p?` (0..1), `p*` (0..), `p+` (1..)."""

    item: Pattern
    op: str  # "?", "*" or "+"
    span: Span = _span()


Pattern = Union[StepTest, Sequence, Alternatives, Repeat]


# ---- conditions over facts ---------------------------------------------------------

@attrs.frozen
class Flag:
    """A bool fact alone (`transfer_completed`), or a bool parameter."""

    name: Word
    span: Span = _span()


@attrs.frozen
class Comparison:
    """`fact OP operand`: `origin == route`, `alert >= 30s`, `engage < short_engagement`."""

    fact: Word
    op: str
    operand: Word | Number
    span: Span = _span()


@attrs.frozen
class Membership:
    """`fact in (a, b)`."""

    fact: Word
    operands: tuple[Word | Number, ...] = attrs.field(converter=tuple)
    span: Span = _span()


@attrs.frozen
class Not:
    expr: Expr
    span: Span = _span()


@attrs.frozen
class AllOf:
    """`a and b and ...`"""

    exprs: tuple[Expr, ...] = attrs.field(converter=tuple)
    span: Span = _span()


@attrs.frozen
class AnyOf:
    """`a or b or ...`"""

    exprs: tuple[Expr, ...] = attrs.field(converter=tuple)
    span: Span = _span()


Expr = Union[Flag, Comparison, Membership, Not, AllOf, AnyOf]


# ---- rules ----------------------------------------------------------------------------

@attrs.frozen
class Outcome:
    """`role X [reason Y]` or `result X [reason Y]`."""

    slot: str  # "role" | "result"
    value: Word
    reason: Word | None = None
    span: Span = _span()


@attrs.frozen
class Rule:
    """One rule: for which kinds, which steps and facts, what it sets, how strongly."""

    id: Word
    description: str
    kinds: tuple[Word, ...] = attrs.field(converter=tuple)
    pattern: Pattern | None
    condition: Expr | None
    outcomes: tuple[Outcome, ...] = attrs.field(converter=tuple)
    priority: int = 0
    override: bool = False
    span: Span = _span()


@attrs.frozen
class RuleFile:
    """Everything one file declares, in the order written."""

    path: str
    vocabularies: tuple[VocabularyDecl, ...] = attrs.field(converter=tuple)
    params: tuple[ParamDecl, ...] = attrs.field(converter=tuple)
    rules: tuple[Rule, ...] = attrs.field(converter=tuple)


# ---- printing back -------------------------------------------------------------------

def _quote(text: str) -> str:
    return f'"{text}"'


def show(node) -> str:
    """The node in the language's own words."""
    match node:
        case Word(text=text) | Number(text=text):
            return text
        case Text(value=value):
            return _quote(value)
        case AttrTest(name=name, value=value):
            return f"{name.text}: {show(value)}"
        case StepTest(step=None):
            return "_"
        case StepTest(step=step, tests=()):
            return step.text
        case StepTest(step=step, tests=tests):
            return f"{step.text}({', '.join(show(t) for t in tests)})"
        case Sequence(items=items):
            return " ".join(_show_in(item, (Alternatives,)) for item in items)
        case Alternatives(options=options):
            return " | ".join(show(option) for option in options)
        case Repeat(item=item, op=op):
            return _show_in(item, (Alternatives, Sequence, Repeat)) + op
        case Flag(name=name):
            return name.text
        case Comparison(fact=fact, op=op, operand=operand):
            return f"{fact.text} {op} {show(operand)}"
        case Membership(fact=fact, operands=operands):
            return f"{fact.text} in ({', '.join(show(o) for o in operands)})"
        case Not(expr=expr):
            return "not " + _show_in(expr, (AllOf, AnyOf))
        case AllOf(exprs=exprs):
            return " and ".join(_show_in(e, (AnyOf,)) for e in exprs)
        case AnyOf(exprs=exprs):
            return " or ".join(_show_in(e, (AllOf,)) for e in exprs)
        case Outcome(slot=slot, value=value, reason=None):
            return f"{slot} {value.text}"
        case Outcome(slot=slot, value=value, reason=reason):
            return f"{slot} {value.text} reason {reason.text}"
    raise TypeError(f"cannot show {type(node).__name__}")


def _show_in(node, needs_parentheses: tuple[type, ...]) -> str:
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
