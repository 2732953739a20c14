"""Checked rules → plain Python functions over `PartyFacts`.

Each rule's conditions are translated once into the source of one Python
expression (`f.origin == 'route' and _match0(f.steps)`), compiled by Python itself,
so deciding a party runs no tree walk at all: parameters are already values,
durations already milliseconds, patterns already automata. Explain needs each
condition on its own, so every top-level `and` part is also compiled alone, from
the same translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from rulesengine import ast
from rulesengine.check import Tie, operand_value, outcome_of
from rulesengine.decision import RuleRef
from rulesengine.facts import FACTS, PartyFacts
from rulesengine.patterns import Matcher, build_nfa
from rulesengine.vocabulary import OUTCOME_SLOTS, Param

Test = Callable[[PartyFacts], bool]


@attrs.frozen
class Condition:
    """One condition of a rule, for explain: its text, its test, the facts it reads."""

    text: str
    test: Test = attrs.field(eq=False)
    facts: tuple[str, ...] = attrs.field(converter=tuple)


@attrs.frozen
class CompiledRule:
    """A rule ready to run: what it is for, what it sets, one function that says if it matches."""

    ref: RuleRef
    description: str
    kinds: frozenset[str]
    priority: int
    #: (value, reason) per slot; None where the rule does not set that slot
    role: tuple[str, str] | None
    result: tuple[str, str] | None
    #: all conditions at once (the kind is checked by the table the rule sits in)
    test: Test = attrs.field(eq=False)
    #: the `match` pattern, then each top-level part of `when`
    conditions: tuple[Condition, ...] = attrs.field(converter=tuple)
    #: per slot, the ids of the rules that may tie with this one (`check.possible_ties`);
    #: once this rule wins a slot, only these can still disagree with it
    rivals: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    #: `test` as the source of one Python expression over `f`, and the names it uses
    source: str = "True"
    namespace: Mapping[str, object] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def id(self) -> str:
        return self.ref.id


def compile_rules(rules: Sequence[ast.Rule], params: Mapping[str, Param],
                  ties: Sequence[Tie]) -> tuple[CompiledRule, ...]:
    """Compile checked rules, sorted by id (the order rules are written never matters).

    `ties` are the rules' `check.possible_ties`: each rule learns its rivals from them.
    """
    rivals: dict[tuple[str, str], set[str]] = {}
    for tie in ties:
        rivals.setdefault((tie.first.id.text, tie.slot), set()).add(tie.second.id.text)
        rivals.setdefault((tie.second.id.text, tie.slot), set()).add(tie.first.id.text)
    translator = _Translator(params)  # one namespace, so that pickers can join rules' sources
    return tuple(
        compile_rule(rule, translator,
                     {slot: frozenset(rivals.get((rule.id.text, slot), ())) for slot in OUTCOME_SLOTS})
        for rule in sorted(rules, key=lambda r: r.id.text))


def compile_rule(rule: ast.Rule, translator: _Translator,
                 rivals: Mapping[str, frozenset[str]]) -> CompiledRule:
    parts: list[tuple[str, str, tuple[str, ...]]] = []  # (text, python source, facts)
    if rule.pattern is not None:
        parts.append((f"match {ast.show(rule.pattern)}", translator.pattern(rule.pattern), ("steps",)))
    for expr in _conjuncts(rule.condition):
        parts.append((ast.show(expr), translator.expr(expr), _facts_read(expr)))
    whole = " and ".join(f"({source})" for _, source, _ in parts) or "True"
    conditions = [Condition(text, translator.function(source), facts) for text, source, facts in parts]
    return CompiledRule(
        ref=RuleRef(rule.id.text, rule.span.path, rule.span.line),
        description=rule.description,
        kinds=frozenset(kind.text for kind in rule.kinds),
        priority=rule.priority,
        role=outcome_of(rule, "role"),
        result=outcome_of(rule, "result"),
        test=translator.function(whole),
        conditions=conditions,
        rivals=rivals,
        source=whole,
        namespace=translator.namespace,
    )


Pick = tuple["CompiledRule | None", "tuple[CompiledRule, CompiledRule] | None"]
Picker = Callable[[PartyFacts], Pick]


def compile_picker(candidates: Sequence[CompiledRule], slot: str) -> Picker:
    """One Python function that decides `slot` among `candidates` (strongest first).

    It returns the winning rule, or the two tied rules when a rival of equal priority
    matches too and sets the slot differently. The rules' conditions are joined into
    one `if` chain, so deciding a party calls no function per rule; after a match only
    the winner's rivals (`CompiledRule.rivals`) of the same priority are tested.
    """
    namespace: dict[str, object] = {"__builtins__": {}, "_undecided": (None, None)}
    for rule in candidates:
        for name, value in rule.namespace.items():
            if not name.startswith("__") and namespace.setdefault(name, value) is not value:
                raise ValueError(f"rules '{rule.id}' and others were compiled apart; compile them together")
    lines = ["def pick(f):"]
    for place, winner in enumerate(candidates):
        namespace[f"_won{place}"] = (winner, None)
        lines.append(f"    if {winner.source}:")
        for index, rule in enumerate(candidates[place + 1:], start=place + 1):
            if rule.priority < winner.priority:
                break
            if rule.id in winner.rivals[slot]:
                namespace[f"_tie{place}_{index}"] = (None, (winner, rule))
                lines.append(f"        if {rule.source}:")
                lines.append(f"            return _tie{place}_{index}")
        lines.append(f"        return _won{place}")
    lines.append("    return _undecided")
    exec("\n".join(lines), namespace)  # noqa: S102 - source built from checked rules
    return namespace["pick"]


def _conjuncts(expr: ast.Expr | None) -> tuple[ast.Expr, ...]:
    if expr is None:
        return ()
    return expr.exprs if isinstance(expr, ast.AllOf) else (expr,)


def _facts_read(expr: ast.Expr) -> tuple[str, ...]:
    """Fact names a condition reads, in order of first mention (no parameters)."""
    match expr:
        case ast.Flag(name=name):
            return (name.text,) if name.text in FACTS else ()
        case ast.Comparison(fact=fact) | ast.Membership(fact=fact):
            return (fact.text,)
        case ast.Not(expr=inner):
            return _facts_read(inner)
        case ast.AllOf(exprs=exprs) | ast.AnyOf(exprs=exprs):
            return tuple(dict.fromkeys(name for e in exprs for name in _facts_read(e)))
    raise TypeError(type(expr).__name__)


class _Translator:
    """Turns conditions into Python source; pattern matchers become names in its namespace."""

    def __init__(self, params: Mapping[str, Param]) -> None:
        self.params = params
        self.namespace: dict[str, object] = {"__builtins__": {}}

    def function(self, source: str) -> Test:
        """A function of `f` (the party's facts) that evaluates `source`."""
        return eval(f"lambda f: {source}", self.namespace)  # noqa: S307 - source built from a checked tree

    def pattern(self, pattern: ast.Pattern) -> str:
        name = f"_match{len(self.namespace)}"
        self.namespace[name] = Matcher(build_nfa(pattern))
        return f"{name}(f.steps)"

    def expr(self, expr: ast.Expr) -> str:
        match expr:
            case ast.Flag(name=name) if name.text in FACTS:
                return f"f.{FACTS[name.text].attribute}"
            case ast.Flag(name=name):
                return repr(bool(self.params[name.text].value))
            case ast.Not(expr=inner):
                return f"not ({self.expr(inner)})"
            case ast.AllOf(exprs=exprs):
                return " and ".join(f"({self.expr(e)})" for e in exprs)
            case ast.AnyOf(exprs=exprs):
                return " or ".join(f"({self.expr(e)})" for e in exprs)
            case ast.Membership(fact=fact, operands=operands):
                spec = FACTS[fact.text]
                values = tuple(sorted({operand_value(spec, o, self.params) for o in operands}))
                return f"f.{spec.attribute} in {values!r}"
            case ast.Comparison(fact=fact, op=op, operand=operand):
                spec = FACTS[fact.text]
                value = operand_value(spec, operand, self.params)
                attribute = f"f.{spec.attribute}"
                if spec.type == "duration":
                    return f"{attribute} is not None and {attribute} {op} {value!r}"
                return f"{attribute} {op} {value!r}"
        raise TypeError(type(expr).__name__)
