"""Checked expressions: what the checker makes of the syntax tree, and the compiler reads.

Every name is resolved (a primitive of the model, a derived fact, a parameter's value,
a bound party, a literal word), every node carries its type and whether it may be
`none`, and `text` says it back in the language's words for explain. The compiler
turns these nodes into Python; the overlap analysis and the fact planner walk them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

import attrs

from rulesengine.patterns import Nfa
from rulesengine.valuetypes import BOOL, Type


@attrs.frozen
class Node:
    """What every checked expression has: its type, whether it may be none, its text."""

    type: Type = attrs.field(kw_only=True)
    optional: bool = attrs.field(default=True, kw_only=True)
    text: str = attrs.field(default="", kw_only=True, eq=False)


# ---- values --------------------------------------------------------------------

@attrs.frozen
class Const(Node):
    """A literal, or a parameter's value (`param` names it)."""

    value: object
    param: str | None = None


@attrs.frozen
class Self(Node):
    """The party the rule or fact is about."""


@attrs.frozen
class Var(Node):
    """A party bound by `some`, `no`, `all` or `count`."""

    name: str


@attrs.frozen
class Get(Node):
    """Something the model or a fact knows: `source` says which.

    `party` and `fact` read an attribute of `subject` (a party); `interaction` one of
    the interaction (`subject` None); `moment` an attribute of the event `subject`;
    `data` the value of key `name` in the attached data of `subject` (a party or an
    event); `others` every party but `subject`.
    """

    subject: Expr | None
    name: str
    source: str
    attribute: str = ""


# ---- conditions ------------------------------------------------------------------

@attrs.frozen
class Compare(Node):
    op: str
    left: Expr
    right: Expr


@attrs.frozen
class In(Node):
    """`item in (options...)`, or `not in`."""

    item: Expr
    options: tuple[Expr, ...] = attrs.field(converter=tuple)
    negated: bool = False


@attrs.frozen
class Contains(Node):
    """`item in collection` for a party and a list of parties."""

    item: Expr
    collection: Expr


@attrs.frozen
class IsNone(Node):
    item: Expr
    negated: bool = False


@attrs.frozen
class Match(Node):
    """A glob over text; `regex` is its translation."""

    item: Expr
    glob: str
    regex: str


@attrs.frozen
class Temporal(Node):
    """`before`, `after` (moments), `during` (a moment and a phase)."""

    op: str
    left: Expr
    right: Expr


@attrs.frozen
class Arith(Node):
    """`moment - moment`, `duration ± duration`, `number ± number`."""

    op: str
    left: Expr
    right: Expr


@attrs.frozen
class Not(Node):
    item: Expr


@attrs.frozen
class And(Node):
    items: tuple[Expr, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Or(Node):
    items: tuple[Expr, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Truthy(Node):
    """A moment that happened, a phase or a list of parties that is not empty, as a condition."""

    item: Expr


@attrs.frozen
class Quant(Node):
    """`some`, `no` or `all` parties of `collection` meeting `condition` (bound as `var`)."""

    kind: str
    var: str
    collection: Expr
    condition: Expr


@attrs.frozen
class Count(Node):
    var: str
    collection: Expr
    condition: Expr | None


@attrs.frozen
class Coalesce(Node):
    """The first value that is not none."""

    items: tuple[Expr, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Case(Node):
    """The value of the first branch whose condition holds, else `default`."""

    branches: tuple[tuple[Expr, Expr], ...] = attrs.field(converter=tuple)
    default: Expr


@attrs.frozen
class Steps(Node):
    """A `match` pattern over the party's own steps, as an automaton."""

    nfa: Nfa = attrs.field(eq=False)
    by_name: bool = True


Expr = Union[Const, Self, Var, Get, Compare, In, Contains, IsNone, Match, Temporal, Arith, Not, And, Or,
             Truthy, Quant, Count, Coalesce, Case, Steps]


def is_condition(node: Node) -> bool:
    return node.type == BOOL


def children(node: Expr) -> Iterator[Expr]:
    """The expressions directly inside a node."""
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (part for part in item if isinstance(part, Node))


def walk(node: Expr) -> Iterator[Expr]:
    """The node and everything inside it, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))
