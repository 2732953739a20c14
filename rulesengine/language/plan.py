"""The order in which derived facts are worked out, once per rule set.

A fact may read other facts of the same party, of the party that brought it in
(`by.origin`), of parties it brought in (`some(a in reached: a.accepted...)`) or of
any party (`others`). Facts are computed for every party of an interaction in a few
passes over the parties, in order of appearance (a party is always brought in by an
earlier one) or in reverse: a fact that reads its own value on `by` (a recursion up
the path) is worked out forwards in one pass, one that reads it on parties brought
in, backwards. Anything else a fact reads of other parties must be known for every
party first, so it goes to an earlier pass.

A fact that depends on itself in any other way (on the same party, or both up and
down the graph, or on any party) has no value: that is an `R208` error. Only the facts
the rules read are computed, and a fact only rules of some kinds read (as their own
party's) only for parties of those kinds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from rulesengine.diagnostics import Diagnostic, error
from rulesengine.language import ir
from rulesengine.language.check import CheckedFact, CheckedRule
from rulesengine.model.primitives import KINDS

SELF, UP, DOWN, ANY = "self", "up", "down", "any"
ALL_KINDS = frozenset(KINDS)


@attrs.frozen
class Pass:
    """One walk over the parties, computing facts in this order, each for parties of its kinds."""

    backward: bool
    steps: tuple[tuple[str, frozenset[str]], ...]


@attrs.frozen
class FactPlan:
    passes: tuple[Pass, ...]

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(name for step in self.passes for name, _ in step.steps)


# ---- what an expression reads ------------------------------------------------------

def reads(node: ir.Expr) -> Iterator[tuple[str, str]]:
    """(fact, direction) for every fact an expression reads: of its own party (`self`),
    of a party on the path that brought it in (`up`), of one it brought in (`down`), or
    of any other party (`any`)."""
    yield from _reads(node, {})


def _reads(node: ir.Expr, bound: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    if isinstance(node, ir.Get) and node.source == "fact":
        yield node.name, _where(node.subject, bound)
    if isinstance(node, (ir.Quant, ir.Count)):
        yield from _reads(node.collection, bound)
        if node.condition is not None:
            inner = {**bound, node.var: _collection(node.collection, bound)}
            yield from _reads(node.condition, inner)
        return
    for child in ir.children(node):
        yield from _reads(child, bound)


def _where(subject: ir.Expr | None, bound: Mapping[str, str]) -> str:
    """Which party a subject is, seen from the party being computed."""
    if isinstance(subject, ir.Self):
        return SELF
    if isinstance(subject, ir.Var):
        return bound[subject.name]
    if isinstance(subject, ir.Get) and subject.source == "party" and subject.name == "by":
        return UP if _where(subject.subject, bound) in (SELF, UP) else ANY
    return ANY


def _collection(collection: ir.Expr, bound: Mapping[str, str]) -> str:
    """Where the parties of a list are, seen from the party being computed."""
    if isinstance(collection, ir.Get) and collection.source == "party":
        base = _where(collection.subject, bound)
        if collection.name == "path":
            return UP if base in (SELF, UP) else ANY
        if collection.name in ("brought_in", "reached"):
            return DOWN if base in (SELF, DOWN) else ANY
    return ANY


# ---- the plan ----------------------------------------------------------------------

def plan_facts(facts: Mapping[str, CheckedFact], rules: Sequence[CheckedRule], *,
               everything: bool = False) -> tuple[FactPlan, list[Diagnostic]]:
    """The passes that compute the facts the rules read (every fact, for every kind, with
    `everything`), and an R208 error for each fact that depends on itself."""
    # a fact whose definition did not check is not here: what reads it has its own error
    edges = {name: sorted(edge for edge in set(reads(fact.definition)) if edge[0] in facts)
             for name, fact in facts.items()}
    components = _components(list(facts), edges)
    problems: list[Diagnostic] = []
    broken: set[str] = set()
    direction_of: dict[frozenset[str], str | None] = {}
    for component in components:
        direction, problem = _recursion(component, edges, facts)
        if problem is not None:
            problems.append(problem)
            broken |= component
        direction_of[component] = direction
    if problems:
        return FactPlan(()), problems
    needs = _needs(facts, edges, rules, everything)
    levels: dict[str, int] = {}
    backward_levels: set[int] = set()
    placed: list[tuple[int, frozenset[str]]] = []
    for component in components:  # dependencies come first
        if not component & needs.keys():
            continue
        direction = direction_of[component]
        level = 0
        for name in component:
            for target, how in edges[name]:
                if target in component:
                    continue
                free = how in (SELF, UP) and direction != DOWN and levels[target] not in backward_levels
                level = max(level, levels[target] + (0 if free else 1))
        if direction == DOWN:
            level = max([level, *(lvl + 1 for lvl in levels.values())]) if levels else level
            backward_levels.add(level)
        else:
            while level in backward_levels:
                level += 1
        for name in component:
            levels[name] = level
        placed.append((level, component))
    passes = []
    for level in sorted({level for level, _ in placed}):
        ordered = [name for lvl, component in placed if lvl == level for name in _self_order(component, edges)]
        passes.append(Pass(level in backward_levels, tuple((name, needs[name]) for name in ordered)))
    return FactPlan(tuple(passes)), problems


def _self_order(component: frozenset[str], edges: Mapping[str, list[tuple[str, str]]]) -> list[str]:
    """The facts of one component, each after those it reads of its own party."""
    done: list[str] = []
    pending = sorted(component)
    while pending:
        for name in pending:
            if all(target in done or how != SELF or target not in component for target, how in edges[name]):
                done.append(name)
                pending.remove(name)
                break
        else:  # only a self-cycle could stop this, and those are refused before
            raise AssertionError(f"facts {pending} read each other on the same party")
    return done


def _recursion(component: frozenset[str], edges: Mapping[str, list[tuple[str, str]]],
               facts: Mapping[str, CheckedFact]) -> tuple[str | None, Diagnostic | None]:
    """How a component recurses (`up`, `down`, or None when it does not), or why it cannot."""
    inner = [(name, target, how) for name in component for target, how in edges[name] if target in component]
    if not inner:
        return None, None
    first = facts[min(component, key=lambda n: _written(facts[n]))]
    names = ", ".join(f"'{n}'" for n in sorted(component))
    cycle_text = f"fact {names} depends on itself" if len(component) == 1 else f"facts {names} depend on each other"
    hows = {how for _, _, how in inner}
    self_edges = {(name, target) for name, target, how in inner if how == SELF}
    if _has_cycle(component, self_edges):
        return None, _cycle(first, f"{cycle_text} on the same party: it never has a value")
    if ANY in hows:
        return None, _cycle(first, f"{cycle_text} through parties that are not on its path: "
                                   "the order to work it out in is unknown")
    if UP in hows and DOWN in hows:
        return None, _cycle(first, f"{cycle_text} both up and down the parties that brought each other in")
    return (UP if UP in hows else DOWN), None


def _cycle(fact: CheckedFact, message: str) -> Diagnostic:
    return error("R208", message, fact.decl.name.span.position,
                 hint="a fact may read its own value only on `by` (up the path) or only on parties "
                      "it brought in (down)")


def _written(fact: CheckedFact) -> tuple:
    span = fact.decl.span
    return (span.path, span.line, span.col)


def _has_cycle(nodes: Iterable[str], edges: set[tuple[str, str]]) -> bool:
    remaining = set(nodes)
    while remaining:
        sources = {n for n in remaining if not any(a == n and b in remaining for a, b in edges)}
        if not sources:
            return True
        remaining -= sources
    return False


def _needs(facts: Mapping[str, CheckedFact], edges: Mapping[str, list[tuple[str, str]]],
           rules: Sequence[CheckedRule], everything: bool) -> dict[str, frozenset[str]]:
    """For each fact to compute, the kinds of parties it is needed for."""
    needs: dict[str, set[str]] = {}
    if everything:
        needs = {name: set(ALL_KINDS) for name in facts}
    for rule in rules:
        for condition in rule.conditions:
            for name, how in reads(condition):
                needs.setdefault(name, set()).update(rule.kinds if how == SELF else ALL_KINDS)
    changed = True
    while changed:
        changed = False
        for name in list(needs):
            for target, how in edges.get(name, ()):
                wanted = needs[name] if how == SELF else ALL_KINDS
                known = needs.setdefault(target, set())
                if not wanted <= known:
                    known.update(wanted)
                    changed = True
    return {name: frozenset(kinds) for name, kinds in needs.items()}


def _components(names: list[str], edges: Mapping[str, list[tuple[str, str]]]) -> list[frozenset[str]]:
    """Strongly connected components, each after the components it depends on (Tarjan's
    algorithm, iterative so that a long chain of facts cannot exhaust the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    for root in sorted(names):
        if root in index:
            continue
        work = [(root, iter(sorted({t for t, _ in edges[root] if t in edges})))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted({t for t, _ in edges[target] if t in edges}))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(frozenset(component))
    return found
