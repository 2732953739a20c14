"""Checked expressions: what the checker makes of the syntax tree, and the compiler reads.

Every name is resolved (a primitive of the model, a derived fact, a parameter's value,
a bound party, a literal word), every node carries its type and whether it may be
`none`, and `text` says it back in the language's words for explain. The compiler
turns these nodes into Python; the overlap analysis and the fact planner walk them.
Nodes are frozen `msgspec.Struct`s, cheap to define when a run starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeAlias, cast

import msgspec

from rulesengine.language.patterns import Nfa
from rulesengine.model.valuetypes import BOOL, Type


class Node(msgspec.Struct, frozen=True, kw_only=True):
    """What every checked expression has: its type, whether it may be none, its text."""

    type: Type
    optional: bool = True
    text: str = ""


# ---- values --------------------------------------------------------------------

class Const(Node, frozen=True):
    """A literal, or a parameter's value (`param` names it)."""

    value: object
    param: str | None = None


class Self(Node, frozen=True):
    """The party the rule or fact is about."""


class Var(Node, frozen=True):
    """A party bound by `some`, `no`, `all` or `count`."""

    name: str


class Get(Node, frozen=True):
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

class Compare(Node, frozen=True):
    op: str
    left: Expr
    right: Expr


class In(Node, frozen=True):
    """`item in (options...)`, or `not in`."""

    item: Expr
    options: tuple[Expr, ...]
    negated: bool = False


class Contains(Node, frozen=True):
    """`item in collection` for a party and a list of parties."""

    item: Expr
    collection: Expr


class IsNone(Node, frozen=True):
    item: Expr
    negated: bool = False


class Match(Node, frozen=True):
    """A glob over text; `regex` is its translation."""

    item: Expr
    glob: str
    regex: str


class Temporal(Node, frozen=True):
    """`before`, `after` (moments), `during` (a moment and a phase)."""

    op: str
    left: Expr
    right: Expr


class Arith(Node, frozen=True):
    """`moment - moment`, `duration ± duration`, `number ± number`."""

    op: str
    left: Expr
    right: Expr


class Not(Node, frozen=True):
    item: Expr


class And(Node, frozen=True):
    items: tuple[Expr, ...]


class Or(Node, frozen=True):
    items: tuple[Expr, ...]


class Truthy(Node, frozen=True):
    """A moment that happened, a phase or a list of parties that is not empty, as a condition."""

    item: Expr


class Quant(Node, frozen=True):
    """`some`, `no` or `all` parties of `collection` meeting `condition` (bound as `var`)."""

    kind: str
    var: str
    collection: Expr
    condition: Expr


class Count(Node, frozen=True):
    var: str
    collection: Expr
    condition: Expr | None


class Coalesce(Node, frozen=True):
    """The first value that is not none."""

    items: tuple[Expr, ...]


class Case(Node, frozen=True):
    """The value of the first branch whose condition holds, else `default`."""

    branches: tuple[tuple[Expr, Expr], ...]
    default: Expr


class Steps(Node, frozen=True):
    """A `match` pattern over the party's own steps, as an automaton."""

    nfa: Nfa
    by_name: bool = True


Expr: TypeAlias = (Const | Self | Var | Get | Compare | In | Contains | IsNone | Match | Temporal | Arith | Not
                   | And | Or | Truthy | Quant | Count | Coalesce | Case | Steps)


def is_condition(node: Node) -> bool:
    return node.type == BOOL


def children(node: Expr) -> Iterator[Expr]:
    """The expressions directly inside a node.

    Every `Node` is one of `Expr`'s classes: testing the base class is one check where the
    union is twenty, and the rule set's analyses walk every node several times."""
    for name in node.__struct_fields__:
        value = getattr(node, name)
        if isinstance(value, Node):
            yield cast(Expr, value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield cast(Expr, item)
                elif isinstance(item, tuple):
                    yield from (cast(Expr, part) for part in item if isinstance(part, Node))


def constants(nodes: Sequence[Expr]) -> list[Const] | None:
    """The nodes when every one of them is a constant, else None."""
    found = [node for node in nodes if isinstance(node, Const)]
    return found if len(found) == len(nodes) else None


def walk(node: Expr) -> Iterator[Expr]:
    """The node and everything inside it, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))
