"""Static checks of rules: names, types, and rules that could disagree.

`check_rule` resolves every name a rule uses (kinds, steps, attributes, facts, fact
values, parameters, vocabulary values) and the type of every comparison; each
problem is a diagnostic with a did-you-mean. `possible_ties` finds the pairs of
rules that can decide the same slot of the same party differently at the same
priority (they would tie at run time); `find_conflicts` warns about them and about
rules an unconditional stronger rule always beats. Both are conservative: "may
match the same party" unless the conditions or patterns are provably disjoint.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import attrs

from rulesengine import ast
from rulesengine.diagnostics import Diagnostic, did_you_mean, error, warning
from rulesengine.events import INTENTS, KINDS, VISIBILITIES
from rulesengine.facts import FACTS, PARTY_STEPS, FactSpec
from rulesengine.patterns import STEP_ATTRIBUTES, build_nfa, can_both_match
from rulesengine.vocabulary import OUTCOME_SLOTS, Param, Vocabulary, parse_duration

#: values a step attribute may take (None: free text)
ATTRIBUTE_VALUES: Mapping[str, tuple[str, ...] | None] = {
    "reason": None, "intent": INTENTS, "visibility": VISIBILITIES,
}
ORDERING = ("<", "<=", ">", ">=")


# ---- names and types ----------------------------------------------------------------

def check_rule(rule: ast.Rule, vocabulary: Vocabulary,
               params: Mapping[str, Param]) -> list[Diagnostic]:
    """Every name and type problem of one rule."""
    problems: list[Diagnostic] = []
    for kind in rule.kinds:
        if kind.text not in KINDS:
            problems.append(_unknown("R102", "kind", kind, KINDS))
    if rule.pattern is not None:
        problems += _check_pattern(rule.pattern)
    if rule.condition is not None:
        problems += _check_expr(rule.condition, params)
    problems += _check_outcomes(rule.outcomes, vocabulary)
    return problems


def _unknown(code: str, what: str, word: ast.Word, known) -> Diagnostic:
    hint = did_you_mean(word.text, known)
    return error(code, f"unknown {what} '{word.text}'", word.span.position, hint=hint)


def _check_pattern(pattern: ast.Pattern) -> list[Diagnostic]:
    match pattern:
        case ast.StepTest(step=step, tests=tests):
            problems = []
            if step is not None and step.text not in PARTY_STEPS:
                problems.append(_unknown("R103", "step", step, PARTY_STEPS))
            for test in tests:
                problems += _check_attribute(test)
            return problems
        case ast.Sequence(items=parts) | ast.Alternatives(options=parts):
            return [p for part in parts for p in _check_pattern(part)]
        case ast.Repeat(item=item):
            return _check_pattern(item)
    raise TypeError(type(pattern).__name__)


def _check_attribute(test: ast.AttrTest) -> list[Diagnostic]:
    name = test.name.text
    if name not in ATTRIBUTE_VALUES:
        return [_unknown("R104", "step attribute", test.name, STEP_ATTRIBUTES)]
    allowed = ATTRIBUTE_VALUES[name]
    if allowed is not None and isinstance(test.value, ast.Word) and test.value.text not in allowed:
        return [_unknown("R105", f"{name} value", test.value, allowed)]
    return []


def _check_expr(expr: ast.Expr, params: Mapping[str, Param]) -> list[Diagnostic]:
    match expr:
        case ast.Not(expr=inner):
            return _check_expr(inner, params)
        case ast.AllOf(exprs=exprs) | ast.AnyOf(exprs=exprs):
            return [p for e in exprs for p in _check_expr(e, params)]
        case ast.Flag(name=name):
            return _check_flag(name, params)
        case ast.Comparison(fact=fact, op=op, operand=operand):
            spec = FACTS.get(fact.text)
            if spec is None:
                return [_unknown_fact(fact, params)]
            if spec.type == "bool":
                return [error("R202", f"'{fact.text}' is true or false: it is not compared",
                              expr.span.position, hint=f"write `{fact.text}` or `not {fact.text}`")]
            if spec.type == "enum" and op in ORDERING:
                return [error("R202", f"'{fact.text}' is a name: only == and != compare it",
                              expr.span.position, hint=f"write `{fact.text} == ...` or "
                                                        f"`{fact.text} in (..., ...)`")]
            return _check_operand(spec, operand, params)
        case ast.Membership(fact=fact, operands=operands):
            spec = FACTS.get(fact.text)
            if spec is None:
                return [_unknown_fact(fact, params)]
            if spec.type != "enum":
                return [error("R202", f"'{fact.text}' is a {spec.type}: `in` takes a list of names",
                              expr.span.position, hint="compare it with ==, <, >= ...")]
            return [p for operand in operands for p in _check_operand(spec, operand, params)]
    raise TypeError(type(expr).__name__)


def _check_flag(name: ast.Word, params: Mapping[str, Param]) -> list[Diagnostic]:
    spec = FACTS.get(name.text)
    if spec is not None:
        if spec.type == "bool":
            return []
        example = f"{name.text} == {spec.values[0]}" if spec.values else f"{name.text} >= 30s"
        return [error("R203", f"'{name.text}' is not true or false: compare it with a value",
                      name.span.position, hint=f"e.g. `{example}`")]
    param = params.get(name.text)
    if param is not None:
        if param.type == "bool":
            return []
        return [error("R204", f"param '{name.text}' is of type {param.type}, not true or false",
                      name.span.position)]
    return [_unknown_fact(name, params)]


def _unknown_fact(name: ast.Word, params: Mapping[str, Param]) -> Diagnostic:
    return _unknown("R101", "fact", name, [*FACTS, *(p for p in params if params[p].type == "bool")])


def _check_operand(spec: FactSpec, operand: ast.Word | ast.Number,
                   params: Mapping[str, Param]) -> list[Diagnostic]:
    if spec.type == "enum":
        if isinstance(operand, ast.Number):
            return [error("R202", f"'{spec.name}' takes a name, not a number",
                          operand.span.position, hint=f"one of: {', '.join(spec.values)}")]
        if operand.text in spec.values:
            return []
        param = params.get(operand.text)
        if param is not None and param.type == "string":
            if param.value in spec.values:
                return []
            return [error("R105", f"param '{param.name}' is '{param.value}', not a value of "
                          f"'{spec.name}'", operand.span.position,
                          hint=did_you_mean(str(param.value), spec.values))]
        return [_unknown("R105", f"{spec.name} value", operand, spec.values)]
    if isinstance(operand, ast.Number):
        if parse_duration(operand.text) is None:
            return [error("R201", f"bad duration '{operand.text}'", operand.span.position,
                          hint="write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s")]
        return []
    param = params.get(operand.text)
    if param is None:
        durations = [name for name, p in params.items() if p.type == "duration"]
        return [_unknown("R107", "param", operand, durations)]
    if param.type != "duration":
        return [error("R204", f"param '{param.name}' is of type {param.type}, but '{spec.name}' is a duration",
                      operand.span.position)]
    return []


def _check_outcomes(outcomes: Sequence[ast.Outcome], vocabulary: Vocabulary) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for outcome in outcomes:
        if outcome.slot in seen:
            problems.append(error("R207", f"{outcome.slot} is set twice", outcome.span.position,
                                  hint="a rule sets each of role and result at most once"))
        seen.add(outcome.slot)
        value_slot, reason_slot = OUTCOME_SLOTS[outcome.slot]
        for slot, word in ((value_slot, outcome.value), (reason_slot, outcome.reason)):
            if word is not None and not vocabulary.allows(slot, word.text):
                problems.append(_unknown("R106", f"{slot.replace('_', ' ')}", word,
                                         vocabulary.values[slot]))
    return problems


# ---- resolved values, shared with the compiler ----------------------------------------------

def operand_value(spec: FactSpec, operand: ast.Word | ast.Number,
                  params: Mapping[str, Param]) -> str | int:
    """A checked operand's value: an enum value, or a duration in milliseconds."""
    if spec.type == "enum":
        return operand.text if operand.text in spec.values else params[operand.text].value
    if isinstance(operand, ast.Number):
        return parse_duration(operand.text)
    return params[operand.text].value


def outcome_of(rule: ast.Rule, slot: str) -> tuple[str, str] | None:
    """(value, reason) the rule sets for `slot` ("role" or "result"), None if it does not."""
    for outcome in rule.outcomes:
        if outcome.slot == slot:
            return outcome.value.text, outcome.reason.text if outcome.reason else "Unspecified"
    return None


# ---- could two rules match the same party? -------------------------------------------------

#: a conjunction of constraints: fact → allowed values (enum, bool) or (lo, hi, none_ok) (duration)
Conjunct = dict
_MAX_CONJUNCTS = 256
_INFINITY = float("inf")


def _atom(expr: ast.Expr, negated: bool, params: Mapping[str, Param]) -> list[Conjunct]:
    """The constraint one comparison puts on one fact (as a DNF of one or zero conjuncts)."""
    match expr:
        case ast.Flag(name=name) if name.text not in FACTS:
            return [{}] if params[name.text].value != negated else []
        case ast.Flag(name=name):
            return [{name.text: frozenset({not negated})}]
        case ast.Membership(fact=fact, operands=operands):
            spec = FACTS[fact.text]
            allowed = frozenset(operand_value(spec, o, params) for o in operands)
            return [{fact.text: frozenset(spec.values) - allowed if negated else allowed}]
        case ast.Comparison(fact=fact, op=op, operand=operand):
            spec = FACTS[fact.text]
            value = operand_value(spec, operand, params)
            if spec.type == "enum":
                equal = (op == "==") != negated
                allowed = frozenset({value}) if equal else frozenset(spec.values) - {value}
                return [{fact.text: allowed}]
            return [{fact.text: _interval(op, value, negated)}] if op != "!=" or negated else [{}]
    raise TypeError(type(expr).__name__)


def _interval(op: str, value: int, negated: bool) -> tuple:
    """Durations (whole ms) a comparison admits; a None duration only passes a negation."""
    if negated:
        op = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}[op]
        if op == "!=":
            return (0, _INFINITY, True)
    lo, hi = {"<": (0, value - 1), "<=": (0, value), ">": (value + 1, _INFINITY),
              ">=": (value, _INFINITY), "==": (value, value)}[op]
    return (lo, hi, negated)


def _and(left: list[Conjunct], right: list[Conjunct]) -> list[Conjunct]:
    out = []
    for a, b in itertools.product(left, right):
        merged = _merge(a, b)
        if merged is not None:
            out.append(merged)
    return out


def _merge(a: Conjunct, b: Conjunct) -> Conjunct | None:
    """Both conjunctions at once, or None when they contradict each other."""
    merged = dict(a)
    for fact, constraint in b.items():
        if fact not in merged:
            merged[fact] = constraint
            continue
        mine = merged[fact]
        if isinstance(mine, frozenset):
            both = mine & constraint
            if not both:
                return None
        else:
            both = (max(mine[0], constraint[0]), min(mine[1], constraint[1]),
                    mine[2] and constraint[2])
            if both[0] > both[1] and not both[2]:
                return None
        merged[fact] = both
    return merged


def _dnf(expr: ast.Expr | None, params: Mapping[str, Param], negated: bool = False) -> list[Conjunct]:
    """The condition as alternatives of conjunctions; [{}] (anything) when it grows too big."""
    match expr:
        case None:
            return [{}]
        case ast.Not(expr=inner):
            return _dnf(inner, params, not negated)
        case ast.AllOf(exprs=exprs) | ast.AnyOf(exprs=exprs):
            conjunctive = isinstance(expr, ast.AllOf) != negated
            parts = [_dnf(e, params, negated) for e in exprs]
            if not conjunctive:
                result = [c for part in parts for c in part]
            else:
                result = [{}]
                for part in parts:
                    result = _and(result, part)
                    if len(result) > _MAX_CONJUNCTS:
                        return [{}]
            return result if len(result) <= _MAX_CONJUNCTS else [{}]
    return _atom(expr, negated, params)


def _conditions(rule: ast.Rule, params: Mapping[str, Param]) -> list[Conjunct]:
    kinds = {"kind": frozenset(kind.text for kind in rule.kinds)}
    return _and([kinds], _dnf(rule.condition, params))


def _may_overlap(a: ast.Rule, b: ast.Rule, params: Mapping[str, Param]) -> bool:
    if not _and(_conditions(a, params), _conditions(b, params)):
        return False
    if a.pattern is None or b.pattern is None:
        return True
    return can_both_match(build_nfa(a.pattern), build_nfa(b.pattern))


@attrs.frozen
class Tie:
    """Two rules of equal priority that set `slot` differently and may match the same party."""

    slot: str
    first: ast.Rule
    second: ast.Rule


def possible_ties(rules: Sequence[ast.Rule], params: Mapping[str, Param]) -> list[Tie]:
    """Every pair of rules that could tie on a slot; any pair not listed never can.

    The overlap test only answers "exclusive" when it can prove it, so this list is a
    safe over-approximation: `check` warns about each pair (R301), and the compiled
    rules test a winner's rivals only among them.
    """
    ties = []
    for first, second in itertools.combinations(rules, 2):
        if first.priority != second.priority:
            continue
        for slot in OUTCOME_SLOTS:
            mine, theirs = outcome_of(first, slot), outcome_of(second, slot)
            if mine is not None and theirs is not None and mine != theirs and _may_overlap(first, second, params):
                ties.append(Tie(slot, first, second))
    return ties


def find_conflicts(rules: Sequence[ast.Rule], ties: Sequence[Tie]) -> list[Diagnostic]:
    """Equal-priority rules that may disagree on a slot (R301), rules that never win (R302).

    `rules` come in layer order, `ties` are their `possible_ties`; a conflict is
    reported at the later rule of the two.
    """
    problems = [_overlap(tie.second, tie.first, tie.slot, outcome_of(tie.second, tie.slot),
                         outcome_of(tie.first, tie.slot)) for tie in ties]
    for first, second in itertools.combinations(rules, 2):
        if first.priority == second.priority:
            continue
        weak, strong = sorted((first, second), key=lambda r: r.priority)
        for slot in OUTCOME_SLOTS:
            if (outcome_of(first, slot) is not None and outcome_of(second, slot) is not None
                    and _always_beats(strong, weak)):
                problems.append(_shadowed(weak, strong, slot))
    return problems


def _always_beats(strong: ast.Rule, weak: ast.Rule) -> bool:
    """`strong` has no conditions and covers every kind `weak` is for."""
    return (strong.pattern is None and strong.condition is None
            and {k.text for k in weak.kinds} <= {k.text for k in strong.kinds})


def _overlap(rule: ast.Rule, other: ast.Rule, slot: str, outcome: tuple,
             other_outcome: tuple) -> Diagnostic:
    """Reported at the later-written rule of the two."""
    return warning(
        "R301",
        f"rules '{other.id.text}' and '{rule.id.text}' may both match a party and set its {slot} "
        f"differently ({show_outcome(other_outcome)} vs {show_outcome(outcome)}) at the same priority "
        f"{rule.priority}",
        rule.span.position,
        hint=f"make their conditions exclusive or give one a higher priority "
             f"('{other.id.text}' is at {other.span.path}:{other.span.line})",
    )


def _shadowed(weak: ast.Rule, strong: ast.Rule, slot: str) -> Diagnostic:
    return warning(
        "R302",
        f"rule '{weak.id.text}' never decides the {slot}: '{strong.id.text}' always matches "
        f"with a higher priority ({strong.priority})",
        weak.span.position, hint=f"raise the priority of '{weak.id.text}' or narrow '{strong.id.text}'")


def show_outcome(outcome: tuple[str, str]) -> str:
    """`Value` or `Value [Reason]`, the way descriptors are written."""
    value, reason = outcome
    return value if reason == "Unspecified" else f"{value} [{reason}]"
