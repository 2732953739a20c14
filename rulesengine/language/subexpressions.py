"""Sub-expressions that several rules of one kind test: found once, so a party works each out once.

A site layer repeats itself: many rules test `count(reached where kind == agent) > N` for
some N, or the same step pattern, and a rule that sets two slots is tested by two pickers.
`shared` finds, among the conditions the pickers of one kind test, the expressions that
occur in two or more places, are closed (no party bound outside them) and cost more to
work out than to remember; the compiler then evaluates each of them at most once per party,
when a rule that needs it is first reached (`compile.compile_chooser`).

Two expressions are the same when they are equal as checked nodes (frozen records, so
equal trees wherever they sit). An expression inside a shared one is worked out with it,
once: it counts as shared only when it also occurs elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from rulesengine.language import ir


def shared(sites: Sequence[ir.Expr], worth: Callable[[ir.Expr], bool]) -> tuple[ir.Expr, ...]:
    """The closed expressions that occur twice or more in `sites` (each a condition as one
    picker tests it) and are `worth` remembering, in the order they first occur."""
    counts: Counter[ir.Expr] = Counter()
    for site in sites:
        _count_closed(site, counts)
    chosen = {node: None for node in counts if counts[node] > 1 and worth(node)}
    while True:  # an expression inside a shared one is worked out once with it
        effective = _effective_counts(sites, chosen)
        kept = {node: None for node in chosen if effective[node] > 1}
        if len(kept) == len(chosen):
            return tuple(kept)
        chosen = kept


def _count_closed(node: ir.Expr, counts: Counter[ir.Expr]) -> frozenset[str]:
    """Counts every closed node under `node` (itself included); returns the names of the
    parties bound outside `node` that it reads."""
    free: frozenset[str] = frozenset()
    for child in ir.children(node):
        free |= _count_closed(child, counts)
    if isinstance(node, ir.Var):
        free = frozenset((node.name,))
    elif isinstance(node, (ir.Quant, ir.Count)):
        free -= {node.var}
    if not free and not _plain(node):
        counts[node] += 1
    return free


def _plain(node: ir.Expr) -> bool:
    """A constant, the party itself or a value read off the party, the interaction or an
    event: cheaper than any memo (the parties but one, `others`, are a list built anew)."""
    return isinstance(node, (ir.Const, ir.Self)) or (isinstance(node, ir.Get) and node.source != "others")


def _effective_counts(sites: Iterable[ir.Expr], chosen: dict[ir.Expr, None]) -> Counter[ir.Expr]:
    """How often each chosen node is worked out when every chosen node is worked out once:
    the places of a chosen node after its first do not evaluate what is inside it."""
    counts: Counter[ir.Expr] = Counter()
    stack = list(sites)
    while stack:
        node = stack.pop()
        if node in chosen:
            counts[node] += 1
            if counts[node] > 1:
                continue
        stack.extend(ir.children(node))
    return counts
