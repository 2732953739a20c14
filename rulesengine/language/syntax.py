"""The syntax tree of a rule file, as the parser builds it and the checker reads it.

Every node carries a `Span` (where it was written) that is left out of equality, so
two trees that say the same thing compare equal wherever they sit: tests compare
trees, diagnostics point at spans. `show()` prints any node back in the language's
own words (explain quotes conditions and definitions that way, and a parse of the
result gives an equal tree).

Nodes are frozen `msgspec.Struct`s: every run defines these classes when it starts,
and a Struct class is made about thirty times faster than an attrs one. Sequences in
nodes are tuples.
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from rulesengine.diagnostics import Position


class Span(msgspec.Struct, frozen=True):
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


class _Node(msgspec.Struct, frozen=True, kw_only=True):
    """What every node has: where it was written, which equality and hashing leave out."""

    span: Span = NOWHERE

    def _content(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__struct_fields__ if name != "span")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._content() == other._content()

    def __hash__(self) -> int:
        return hash((type(self), self._content()))


# ---- literals and names -------------------------------------------------------

class Word(_Node, frozen=True):
    """A bare name as written: a fact, a primitive, a value, a parameter, a kind..."""

    text: str


class Number(_Node, frozen=True):
    """A numeric literal as written (`30s`, `500ms`, `10`, `-2.5`); the checker gives it a type."""

    text: str


class Text(_Node, frozen=True):
    """A double-quoted string, without its quotes."""

    value: str


class Bool(_Node, frozen=True):
    """`true` or `false`."""

    value: bool


class Nothing(_Node, frozen=True):
    """`none`: no value."""



Literal: TypeAlias = Word | Number | Text


# ---- declarations ---------------------------------------------------------------

class VocabularyDecl(_Node, frozen=True):
    """`vocabulary NAME: A, B` or, in a later layer, `extend vocabulary NAME: C`."""

    slot: Word
    values: tuple[Word, ...]
    extend: bool = False


class ParamDecl(_Node, frozen=True):
    """`param NAME: TYPE = DEFAULT "doc"`: a named value settings may override."""

    name: Word
    type: Word
    default: Literal
    doc: str | None = None


class ParamSetting(_Node, frozen=True):
    """`set param NAME = VALUE "why"`: a later layer's value for an earlier layer's parameter."""

    name: Word
    value: Literal
    doc: str | None = None


class FactDecl(_Node, frozen=True):
    """`fact NAME: TYPE "description" = EXPR`: a derived fact about any party."""

    name: Word
    type: Word
    description: str
    definition: Expr
    override: bool = False


class DisableRule(_Node, frozen=True):
    """`disable rule ID "why"`: an earlier layer's rule taken out of the rule set."""

    id: Word
    reason: str | None = None


# ---- patterns over the party's steps ----------------------------------------------

class AttrTest(_Node, frozen=True):
    """`reason: timeout` inside a step test: one attribute of the step must equal a value."""

    name: Word
    value: Word | Text


class StepTest(_Node, frozen=True):
    """One step: `invited`, `revoked(reason: timeout)`, or `_` (any step, `step` None)."""

    step: Word | None
    tests: tuple[AttrTest, ...] = ()


class Sequence(_Node, frozen=True):
    """Patterns one after the other."""

    items: tuple[Pattern, ...]


class Alternatives(_Node, frozen=True):
    """`a | b`: any one of the options."""

    options: tuple[Pattern, ...]


class Repeat(_Node, frozen=True):
    """`p?` (0..1), `p*` (0..), `p+` (1..)."""

    item: Pattern
    op: str  # "?", "*" or "+"


Pattern: TypeAlias = StepTest | Sequence | Alternatives | Repeat


# ---- expressions: conditions and definitions ---------------------------------------

class Ref(_Node, frozen=True):
    """A name, or a path of names: `origin`, `by.kind`, `target.accepted`, `data.segment`."""

    names: tuple[Word, ...]

    @property
    def text(self) -> str:
        return ".".join(name.text for name in self.names)


class Comparison(_Node, frozen=True):
    """`left OP right`: `origin == route`, `alert >= 30s`, `by.resource != resource`."""

    left: Expr
    op: str
    right: Expr


class Membership(_Node, frozen=True):
    """`x in (a, b)`, or `x not in (a, b)`."""

    item: Expr
    options: tuple[Expr, ...]
    negated: bool = False


class Contained(_Node, frozen=True):
    """`p in reached`: a party among a list of parties."""

    item: Expr
    collection: Ref


class IsNone(_Node, frozen=True):
    """`x is none`, or `x is not none`."""

    item: Expr
    negated: bool = False


class Matches(_Node, frozen=True):
    """`resource matches "VQ_*"`: a glob pattern (`*`, `?`, `[abc]`) over the whole text."""

    item: Expr
    pattern: Text


class Temporal(_Node, frozen=True):
    """`a before b`, `a after b` (moments), `m during phase`."""

    left: Expr
    op: str
    right: Expr


class Arithmetic(_Node, frozen=True):
    """`a - b` (two moments: the time between; two durations), `a + b` (durations)."""

    left: Expr
    op: str
    right: Expr


class Not(_Node, frozen=True):
    expr: Expr


class AllOf(_Node, frozen=True):
    """`a and b and ...`"""

    exprs: tuple[Expr, ...]


class AnyOf(_Node, frozen=True):
    """`a or b or ...`"""

    exprs: tuple[Expr, ...]


class Quantifier(_Node, frozen=True):
    """`some(p in COLLECTION: CONDITION)`, `no(...)`, `all(...)`; without a condition,
    `some(p in c)` says the list is not empty and `no(p in c)` that it is."""

    kind: str  # "some" | "no" | "all"
    var: Word
    collection: Expr
    condition: Expr | None = None


class Count(_Node, frozen=True):
    """`count(p in COLLECTION: CONDITION)`: how many parties of the list meet the condition."""

    var: Word
    collection: Expr
    condition: Expr | None = None


class Call(_Node, frozen=True):
    """`NAME(a, b, ...)`: a built-in function such as `coalesce`."""

    name: Word
    args: tuple[Expr, ...]


class Branch(_Node, frozen=True):
    """`when CONDITION then VALUE` inside a `case`."""

    condition: Expr
    value: Expr


class Case(_Node, frozen=True):
    """`case when C then V ... else V`: the value of the first branch whose condition holds."""

    branches: tuple[Branch, ...]
    default: Expr


Expr: TypeAlias = (Ref | Number | Text | Bool | Nothing | Comparison | Membership | Contained | IsNone | Matches
                   | Temporal | Arithmetic | Not | AllOf | AnyOf | Quantifier | Count | Call | Case)


# ---- rules ----------------------------------------------------------------------------

class Outcome(_Node, frozen=True):
    """`role X [reason Y]`, `result X [reason Y]` or `record X`."""

    slot: str  # "role" | "result" | "record"
    value: Word
    reason: Word | None = None


class Rule(_Node, frozen=True):
    """One rule: for which kinds, which steps and facts, what it sets, how strongly."""

    id: Word
    description: str
    kinds: tuple[Word, ...]
    pattern: Pattern | None = None
    condition: Expr | None = None
    outcomes: tuple[Outcome, ...] = ()
    priority: int = 0
    override: bool = False


class RuleFile(_Node, frozen=True):
    """Everything one file declares, by sort, each in the order written."""

    path: str
    vocabularies: tuple[VocabularyDecl, ...] = ()
    params: tuple[ParamDecl, ...] = ()
    settings: tuple[ParamSetting, ...] = ()
    facts: tuple[FactDecl, ...] = ()
    rules: tuple[Rule, ...] = ()
    disabled: tuple[DisableRule, ...] = ()


# ---- printing back -------------------------------------------------------------------

def _quote(text: str) -> str:
    return f'"{text}"'


#: how tightly each expression binds, to know where printing needs parentheses
_BINDING: dict[type, int] = {AnyOf: 1, AllOf: 2, Not: 3, Comparison: 4, Membership: 4, Contained: 4, IsNone: 4,
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
        case StepTest(step=Word() as step, tests=()):
            return step.text
        case StepTest(step=Word() as step, tests=tests):
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
        case Outcome(slot=slot, value=value, reason=Word() as reason):
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
