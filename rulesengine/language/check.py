"""Names and types: a rule or a fact definition as written → checked expressions (`ir`).

Every name is resolved once, here: a bound party (`some(t in reached: t...)`), `self`,
a derived fact, a primitive of the model, a parameter (its value), or, where a word of
an enumeration or a text is expected, a literal. Every operator is checked against the
types of its operands, so that a rule that loads cannot fail on a type at run time.
Each problem is a diagnostic pointing at the word or expression at fault, with a
did-you-mean where a name is close to a known one. The result is the `ir` tree the
compiler, the fact planner, the overlap analysis and explain work on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence

import attrs
import msgspec

from rulesengine.diagnostics import Diagnostic, did_you_mean, error
from rulesengine.language import ir, syntax
from rulesengine.language.patterns import STEP_ATTRIBUTES, build_nfa
from rulesengine.language.vocabulary import OUTCOME_SLOTS, Param, Vocabulary, parse_duration, parse_number
from rulesengine.model.primitives import (
    INTENTS,
    INTERACTION_PRIMITIVES,
    KINDS,
    MOMENT_ATTRIBUTES,
    PARTY_PRIMITIVES,
    STEPS,
    VISIBILITIES,
)
from rulesengine.model.valuetypes import (
    BOOL,
    DATA,
    DURATION,
    FACT_TYPES,
    MOMENT,
    NONE,
    NUMBER,
    PARTIES,
    PARTY,
    PHASE,
    STRING,
    Type,
    describe,
)

#: values a step attribute may take (None: free text)
ATTRIBUTE_VALUES: Mapping[str, tuple[str, ...] | None] = {
    "reason": None, "intent": INTENTS, "visibility": VISIBILITIES,
}
ORDERING = ("<", "<=", ">", ">=")
FUNCTIONS = ("coalesce",)
#: names the language itself gives a meaning
RESERVED = ("self", "data", *FUNCTIONS)


@attrs.frozen
class FactInfo:
    """A fact as the checker knows it before reading definitions: its name and type."""

    name: str
    type: Type
    decl: syntax.FactDecl = attrs.field(eq=False)


@attrs.frozen
class CheckedFact:
    name: str
    type: Type
    description: str
    decl: syntax.FactDecl = attrs.field(eq=False)
    definition: ir.Expr


@attrs.frozen
class CheckedRule:
    """A rule whose names and types are sound, ready for the compiler and the analyses."""

    rule: syntax.Rule = attrs.field(eq=False)
    kinds: frozenset[str]
    #: the `match` pattern, then each top-level part of `when`
    conditions: tuple[ir.Expr, ...]
    #: per slot it sets: (value, reason)
    outcomes: Mapping[str, tuple[str, str]] = attrs.field(factory=dict)

    @property
    def id(self) -> str:
        return self.rule.id.text

    @property
    def priority(self) -> int:
        return self.rule.priority


@attrs.frozen
class Environment:
    """Everything a name in a rule or a fact may refer to, besides the model's primitives."""

    vocabulary: Vocabulary
    params: Mapping[str, Param]
    facts: Mapping[str, FactInfo]
    #: names declared in files that could not be parsed: unknown, but not reported, as their
    #: file's syntax error says why (`parse.declared_names`)
    unparsed: frozenset[str] = frozenset()


# ---- declarations ---------------------------------------------------------------------

def fact_infos(decls: Sequence[syntax.FactDecl], vocabulary: Vocabulary,
               params: Mapping[str, Param]) -> tuple[dict[str, FactInfo], list[Diagnostic]]:
    """The type of every fact in effect, and the problems of their names and types."""
    infos: dict[str, FactInfo] = {}
    problems: list[Diagnostic] = []
    for decl in decls:
        name = decl.name.text
        clash = _name_clash(name, params)
        if clash:
            problems.append(error("R210", f"fact '{name}' {clash}", decl.name.span.position,
                                  hint="choose another name for the fact"))
            continue
        type_ = type_named(decl.type.text, vocabulary)
        if type_ is None:
            known = [*FACT_TYPES, *vocabulary.values, "kind", "intent", "visibility"]
            problems.append(error("R109", f"unknown type '{decl.type.text}'", decl.type.span.position,
                                  hint=did_you_mean(decl.type.text, known)
                                  or f"a fact is one of: {', '.join(FACT_TYPES)}, or a vocabulary's name"))
            continue
        infos[name] = FactInfo(name, type_, decl)
    return infos, problems


def type_named(name: str, vocabulary: Vocabulary) -> Type | None:
    return FACT_TYPES.get(name) or vocabulary.type_of(name)


def param_clashes(params: Mapping[str, Param]) -> list[Diagnostic]:
    """Parameters named like something the language or the model already names."""
    return [error("R210", f"param '{name}' {clash}", param.span.position, hint="choose another name")
            for name, param in params.items() if (clash := _name_clash(name, {}))]


def _name_clash(name: str, params: Mapping[str, Param]) -> str | None:
    if name in PARTY_PRIMITIVES or name in INTERACTION_PRIMITIVES:
        return f"has the name of a primitive of the model ('{name}' is built in)"
    if name in RESERVED:
        return f"has a name the language reserves ('{name}')"
    if name in params:
        return f"has the name of param '{name}'"
    return None


def check_fact(info: FactInfo, env: Environment) -> tuple[CheckedFact | None, list[Diagnostic]]:
    """A fact's definition, checked against its declared type."""
    scope = _Scope(env)
    value = scope.expr(info.decl.definition, info.type)
    if value is not None and info.type == BOOL:
        value = scope.as_condition(value, info.decl.definition)
    if value is not None:
        value = scope.fitted(value, info.type, info.decl.definition, f"fact '{info.name}'")
    if value is None:
        return None, scope.problems
    return CheckedFact(info.name, info.type, info.decl.description, info.decl, value), scope.problems


# ---- rules ----------------------------------------------------------------------------

def check_rule(rule: syntax.Rule, env: Environment) -> tuple[CheckedRule | None, list[Diagnostic]]:
    """Every name and type problem of one rule; the checked rule when there is none."""
    problems: list[Diagnostic] = [_unknown("R102", "kind", kind, KINDS) for kind in rule.kinds
                                  if kind.text not in KINDS]
    conditions: list[ir.Expr] = []
    silenced = False
    if rule.pattern is not None:
        found = _check_pattern(rule.pattern)
        problems += found
        if not found:
            nfa = build_nfa(rule.pattern)
            by_name = not any(check.attributes for edges in nfa.edges for check, _ in edges)
            conditions.append(ir.Steps(nfa, by_name, type=BOOL, optional=False,
                                       text=f"match {syntax.show(rule.pattern)}"))
    if rule.condition is not None:
        scope = _Scope(env)
        parts = rule.condition.exprs if isinstance(rule.condition, syntax.AllOf) else (rule.condition,)
        for part in parts:
            checked = scope.condition(part)
            if checked is not None:
                conditions.append(checked)
        problems += scope.problems
        silenced = scope.silenced
    outcomes, found = _check_outcomes(rule.outcomes, env.vocabulary)
    problems += found
    if problems or silenced:
        return None, problems
    return CheckedRule(rule, frozenset(kind.text for kind in rule.kinds), tuple(conditions), outcomes), []


def _unknown(code: str, what: str, word: syntax.Word, known) -> Diagnostic:
    hint = did_you_mean(word.text, known)
    return error(code, f"unknown {what} '{word.text}'", word.span.position, hint=hint)


def _check_pattern(pattern: syntax.Pattern) -> list[Diagnostic]:
    match pattern:
        case syntax.StepTest(step=step, tests=tests):
            problems = []
            if step is not None and step.text not in STEPS:
                problems.append(_unknown("R103", "step", step, STEPS))
            for test in tests:
                problems += _check_attribute(test)
            return problems
        case syntax.Sequence(items=parts) | syntax.Alternatives(options=parts):
            return [p for part in parts for p in _check_pattern(part)]
        case syntax.Repeat(item=item):
            return _check_pattern(item)
    raise TypeError(type(pattern).__name__)


def _check_attribute(test: syntax.AttrTest) -> list[Diagnostic]:
    name = test.name.text
    if name not in ATTRIBUTE_VALUES:
        return [_unknown("R104", "step attribute", test.name, STEP_ATTRIBUTES)]
    allowed = ATTRIBUTE_VALUES[name]
    if allowed is not None and isinstance(test.value, syntax.Word) and test.value.text not in allowed:
        return [_unknown("R105", f"{name} value", test.value, allowed)]
    return []


def _check_outcomes(outcomes: Sequence[syntax.Outcome],
                    vocabulary: Vocabulary) -> tuple[dict[str, tuple[str, str]], list[Diagnostic]]:
    problems: list[Diagnostic] = []
    decided: dict[str, tuple[str, str]] = {}
    for outcome in outcomes:
        if outcome.slot in decided:
            problems.append(error("R207", f"{outcome.slot} is set twice", outcome.span.position,
                                  hint="a rule sets each of role, result and record at most once"))
        value_slot, reason_slot = OUTCOME_SLOTS[outcome.slot]
        if reason_slot is None and outcome.reason is not None:
            problems.append(error("R207", f"a {outcome.slot} takes no reason", outcome.reason.span.position,
                                  hint=f"write `set {outcome.slot} {outcome.value.text}`"))
            continue
        words = [(value_slot, outcome.value)]
        if reason_slot is not None and outcome.reason is not None:
            words.append((reason_slot, outcome.reason))
        for slot, word in words:
            if not vocabulary.allows(slot, word.text):
                problems.append(_unknown("R106", f"{slot.replace('_', ' ')}", word,
                                         vocabulary.values[slot]))
        decided[outcome.slot] = (outcome.value.text, outcome.reason.text if outcome.reason else "Unspecified")
    return decided, problems


# ---- expressions --------------------------------------------------------------------------

_SELF = ir.Self(type=PARTY, optional=False, text="self")


class _Scope:
    """Checks expressions in one place (a rule's condition or a fact's definition),
    with the parties bound by enclosing quantifiers; collects problems."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.problems: list[Diagnostic] = []
        self.bound: list[str] = []
        #: a name of `env.unparsed` was met: the expression is unsound, though nothing is reported
        self.silenced = False

    def _error(self, code: str, message: str, node, hint: str | None = None) -> None:
        self.problems.append(error(code, message, node.span.position, hint=hint))

    # ---- conditions
    def condition(self, node: syntax.Expr) -> ir.Expr | None:
        value = self.expr(node)
        return None if value is None else self.as_condition(value, node)

    def as_condition(self, value: ir.Expr, node) -> ir.Expr | None:
        """`value` as true or false: a moment that happened, a phase or a list that is not empty."""
        if value.type == BOOL:
            return value
        if value.type in (MOMENT, PHASE, PARTIES):
            return ir.Truthy(value, type=BOOL, optional=False, text=value.text)
        self._error("R203", f"'{value.text}' is {describe(value.type)}, not true or false", node,
                    hint=_condition_hint(value))
        return None

    # ---- any expression
    def expr(self, node: syntax.Expr, expected: Type | None = None) -> ir.Expr | None:
        text = syntax.show(node)
        match node:
            case syntax.Ref():
                return self.ref(node, expected)
            case syntax.Number():
                return self.number(node, expected)
            case syntax.Text(value=value):
                return ir.Const(value, type=STRING, optional=False, text=text)
            case syntax.Bool(value=value):
                return ir.Const(value, type=BOOL, optional=False, text=text)
            case syntax.Nothing():
                return ir.Const(None, type=NONE, text=text)
            case syntax.Not(expr=inner):
                item = self.condition(inner)
                return None if item is None else ir.Not(item, type=BOOL, optional=False, text=text)
            case syntax.AllOf(exprs=exprs) | syntax.AnyOf(exprs=exprs):
                items = _every([self.condition(e) for e in exprs])
                if items is None:
                    return None
                kind = ir.And if isinstance(node, syntax.AllOf) else ir.Or
                return kind(tuple(items), type=BOOL, optional=False, text=text)
            case syntax.Comparison():
                return self.comparison(node, text)
            case syntax.Membership():
                return self.membership(node, text)
            case syntax.Contained(item=item, collection=collection):
                party, listed = self.expr(item), self.expr(collection)
                if party is None or listed is None:
                    return None
                if party.type != PARTY or listed.type != PARTIES:
                    self._error("R202", f"`in` without parentheses looks for a party in a list of parties, "
                                f"but '{party.text}' is {describe(party.type)} and '{listed.text}' "
                                f"{describe(listed.type)}", node, hint="for a list of values write `x in (a, b)`")
                    return None
                return ir.Contains(party, listed, type=BOOL, optional=False, text=text)
            case syntax.IsNone(item=item, negated=negated):
                tested = self.expr(item)
                return None if tested is None else ir.IsNone(tested, negated, type=BOOL, optional=False, text=text)
            case syntax.Matches(item=item, pattern=pattern):
                tested = self.expr(item)
                if tested is None:
                    return None
                if tested.type not in (STRING, DATA):
                    self._error("R202", f"'{tested.text}' is {describe(tested.type)}: only text matches a pattern",
                                node, hint='e.g. `resource matches "VQ_*"`')
                    return None
                regex = fnmatch.translate(pattern.value)
                return ir.Match(tested, pattern.value, regex, type=BOOL, optional=False, text=text)
            case syntax.Temporal():
                return self.temporal(node, text)
            case syntax.Arithmetic():
                return self.arithmetic(node, text)
            case syntax.Quantifier() | syntax.Count():
                return self.quantifier(node, text)
            case syntax.Call():
                return self.call(node, expected, text)
            case syntax.Case():
                return self.case(node, expected, text)
        raise TypeError(type(node).__name__)

    # ---- names
    def ref(self, node: syntax.Ref, expected: Type | None) -> ir.Expr | None:
        names = node.names
        first = names[0]
        if (len(names) == 1 and expected is not None and expected.values is not None
                and first.text in expected.values and first.text not in self.bound):
            return ir.Const(first.text, type=expected, optional=False, text=first.text)
        if first.text == "data":
            return self._attributes(_SELF, names, node)
        head = self.name(first.text)
        if head is None:
            if len(names) == 1 and expected in (STRING, DATA):
                from rulesengine.language.parse import keywords  # lark: only where a rule set is checked

                if first.text in keywords():
                    self._error("R110", f"'{first.text}' is a keyword, not a text value", first,
                                hint=f'to mean the text, quote it: "{first.text}"')
                    return None
                return ir.Const(first.text, type=STRING, optional=False, text=first.text)
            if len(names) == 1 and expected is not None and expected.values is not None:
                self._error("R105", f"unknown {expected.name} value '{first.text}'", first,
                            hint=did_you_mean(first.text, expected.values)
                            or f"one of: {', '.join(sorted(expected.values))}")
            elif first.text in self.env.unparsed:
                self.silenced = True
            else:
                self._error("R101", f"unknown name '{first.text}'", first,
                            hint=did_you_mean(first.text, self.known_names()))
            return None
        return self._attributes(head, names[1:], node)

    def known_names(self) -> list[str]:
        return [*self.bound, *self.env.facts, *PARTY_PRIMITIVES, *INTERACTION_PRIMITIVES, *self.env.params,
                "self", "data"]

    def name(self, text: str) -> ir.Expr | None:
        """What a bare name stands for, or None when it names nothing."""
        if text in self.bound:
            return ir.Var(text, type=PARTY, optional=False, text=text)
        if text == "self":
            return _SELF
        return self._member(_SELF, text) or self._interaction(text) or self._param(text)

    def _member(self, subject: ir.Expr, text: str) -> ir.Expr | None:
        """A party's primitive or fact."""
        name = text if subject is _SELF else f"{subject.text}.{text}"
        fact = self.env.facts.get(text)
        if fact is not None:
            return ir.Get(subject, text, "fact", type=fact.type, text=name)
        primitive = PARTY_PRIMITIVES.get(text)
        if primitive is not None:
            source = "others" if text == "others" else "party"
            return ir.Get(subject, text, source, primitive.attribute, type=primitive.type,
                          optional=primitive.optional or subject.optional, text=name)
        return None

    def _interaction(self, text: str) -> ir.Expr | None:
        primitive = INTERACTION_PRIMITIVES.get(text)
        if primitive is None:
            return None
        return ir.Get(None, text, "interaction", primitive.attribute, type=primitive.type,
                      optional=primitive.optional, text=text)

    def _param(self, text: str) -> ir.Expr | None:
        param = self.env.params.get(text)
        if param is None:
            return None
        return ir.Const(param.value, param=text, type=param.type, optional=False, text=text)

    def _attributes(self, head: ir.Expr, names: Sequence[syntax.Word], node: syntax.Ref) -> ir.Expr | None:
        """`head.a.b...`: the attributes of parties and moments, and attached data."""
        current = head
        index = 0
        while index < len(names):
            word = names[index]
            if word.text == "data" and current.type in (PARTY, MOMENT):
                if index + 1 == len(names):
                    self._error("R214", "`data` needs a key: write `data.KEY`", word,
                                hint="e.g. `data.segment == \"VIP\"`")
                    return None
                key = names[index + 1].text
                subject_text = "" if current is _SELF else f"{current.text}."
                current = ir.Get(current, key, "data", type=DATA, text=f"{subject_text}data.{key}")
                index += 2
                continue
            following = self._attribute(current, word)
            if following is None:
                return None
            current = following
            index += 1
        return current

    def _attribute(self, subject: ir.Expr, word: syntax.Word) -> ir.Expr | None:
        text = word.text
        if subject.type == PARTY:
            found = self._member(subject, text)
            if found is not None:
                return found
            if text in INTERACTION_PRIMITIVES:
                self._error("R214", f"'{text}' is about the interaction, not about a party",
                            word, hint=f"write `{text}` alone")
            else:
                self._error("R214", f"a party has no attribute '{text}'", word,
                            hint=did_you_mean(text, [*PARTY_PRIMITIVES, *self.env.facts, "data"]))
            return None
        if subject.type == MOMENT:
            attribute = MOMENT_ATTRIBUTES.get(text)
            if attribute is None:
                self._error("R214", f"a moment has no attribute '{text}'", word,
                            hint=did_you_mean(text, [*MOMENT_ATTRIBUTES, "data"])
                            or "a moment has `reason` and `data.KEY`")
                return None
            return ir.Get(subject, text, "moment", attribute.attribute, type=attribute.type,
                          text=f"{subject.text}.{text}")
        self._error("R214", f"'{subject.text}' is {describe(subject.type)}: it has no attribute '{text}'",
                    word)
        return None

    # ---- literals
    def number(self, node: syntax.Number, expected: Type | None) -> ir.Expr | None:
        text = node.text
        plain = parse_number(text)
        if plain is not None:
            if expected == DURATION:
                self._error("R201", f"'{text}' is a number without a unit, but a duration is expected", node,
                            hint=f"write it with a unit: {text}s, {text}ms, {text}m")
                return None
            return ir.Const(plain, type=NUMBER, optional=False, text=text)
        duration = parse_duration(text)
        if duration is None:
            self._error("R201", f"bad duration '{text}'", node,
                        hint="write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s")
            return None
        return ir.Const(duration, type=DURATION, optional=False, text=text)

    # ---- operators
    def _pair(self, left: syntax.Expr, right: syntax.Expr) -> tuple[ir.Expr | None, ir.Expr | None]:
        """Both operands, a value word resolved against the type of the other side."""
        if _is_free_word(left, self) and not _is_free_word(right, self):
            checked_right = self.expr(right)
            if checked_right is None:
                return None, None
            return self.expr(left, checked_right.type), checked_right
        checked_left = self.expr(left)
        if checked_left is None:
            return None, None
        return checked_left, self.expr(right, checked_left.type)

    def comparison(self, node: syntax.Comparison, text: str) -> ir.Expr | None:
        left, right = self._pair(node.left, node.right)
        if left is None or right is None:
            return None
        op = node.op
        if NONE in (left.type, right.type):
            self._error("R209", "nothing is equal to none, not even none", node,
                        hint="test a missing value with `x is none` or `x is not none`")
            return None
        typed_left, typed_right = self._enum_param(left, right, node.left), self._enum_param(right, left, node.right)
        if typed_left is None or typed_right is None:
            return None
        left, right = typed_left, typed_right
        if op in ORDERING:
            if not _orderable(left.type, right.type):
                self._error("R202", f"'{left.text}' ({describe(left.type)}) and '{right.text}' "
                            f"({describe(right.type)}) cannot be ordered", node,
                            hint=_order_hint(left, right))
                return None
        elif not _comparable(left.type, right.type):
            self._error("R202", f"'{left.text}' is {describe(left.type)} and '{right.text}' "
                        f"{describe(right.type)}: they are never equal", node,
                        hint=_equality_hint(left, right))
            return None
        return ir.Compare(op, left, right, type=BOOL, optional=False, text=text)

    def _enum_param(self, value: ir.Expr, other: ir.Expr, node) -> ir.Expr | None:
        """A string parameter compared with a word of an enumeration takes that enumeration's type."""
        if not (isinstance(value, ir.Const) and value.param and value.type == STRING
                and other.type.values is not None):
            return value
        if value.value not in other.type.values:
            self._error("R105", f"param '{value.param}' is '{value.value}', not a value of '{other.text}'",
                        node, hint=did_you_mean(str(value.value), other.type.values))
            return None
        return msgspec.structs.replace(value, type=other.type)

    def membership(self, node: syntax.Membership, text: str) -> ir.Expr | None:
        item = self.expr(node.item)
        if item is None:
            return None
        options = _every([self.expr(option, item.type) for option in node.options])
        if options is None:
            return None
        options = _every([self._enum_param(option, item, option_node)
                          for option, option_node in zip(options, node.options, strict=True)])
        if options is None:
            return None
        for option, option_node in zip(options, node.options, strict=True):
            if option.type == NONE or not _comparable(item.type, option.type):
                self._error("R202", f"'{option.text}' is {describe(option.type)}, but '{item.text}' is "
                            f"{describe(item.type)}", option_node, hint=_equality_hint(item, option))
                return None
        return ir.In(item, tuple(options), node.negated, type=BOOL, optional=False, text=text)

    def temporal(self, node: syntax.Temporal, text: str) -> ir.Expr | None:
        left, right = self.expr(node.left), self.expr(node.right)
        if left is None or right is None:
            return None
        wanted = PHASE if node.op == "during" else MOMENT
        for value, side in ((left, node.left), (right, node.right)):
            needed = wanted if value is right else MOMENT
            if value.type != needed:
                example = "customer_left during on_hold" if node.op == "during" else "accepted before end"
                self._error("R202", f"`{node.op}` takes {describe(MOMENT)} and {describe(wanted)}, "
                            f"but '{value.text}' is {describe(value.type)}", side, hint=f"e.g. `{example}`")
                return None
        return ir.Temporal(node.op, left, right, type=BOOL, optional=False, text=text)

    def arithmetic(self, node: syntax.Arithmetic, text: str) -> ir.Expr | None:
        left = self.expr(node.left)
        if left is None:
            return None
        right = self.expr(node.right, DURATION if left.type == DURATION else None)
        if right is None:
            return None
        kinds = (left.type, right.type)
        if node.op == "-" and kinds == (MOMENT, MOMENT):
            result = DURATION
        elif kinds in ((DURATION, DURATION), (NUMBER, NUMBER)):
            result = left.type
        else:
            self._error("R202", f"'{left.text}' {node.op} '{right.text}': {describe(left.type)} "
                        f"{node.op} {describe(right.type)} is not a value", node,
                        hint="subtract two moments for the time between them, or add and subtract durations")
            return None
        return ir.Arith(node.op, left, right, type=result, optional=left.optional or right.optional, text=text)

    def quantifier(self, node: syntax.Quantifier | syntax.Count, text: str) -> ir.Expr | None:
        collection = self.expr(node.collection)
        if collection is None:
            return None
        if collection.type != PARTIES:
            self._error("R202", f"'{collection.text}' is {describe(collection.type)}, not a list of parties",
                        node.collection, hint="e.g. reached, brought_in, path, others, parties")
            return None
        var = node.var.text
        taken = var in self.bound or self.name(var) is not None or var in RESERVED
        if taken:
            self._error("R210", f"'{var}' is already a name here: choose another for the party", node.var)
            return None
        condition = None
        if node.condition is not None:
            self.bound.append(var)
            try:
                condition = self.condition(node.condition)
            finally:
                self.bound.pop()
            if condition is None:
                return None
        if isinstance(node, syntax.Count):
            return ir.Count(var, collection, condition, type=NUMBER, optional=False, text=text)
        if condition is None:
            if node.kind == "all":
                self._error("R202", "`all` needs a condition: all(p in list: condition)", node)
                return None
            present = ir.Truthy(collection, type=BOOL, optional=False, text=text)
            return present if node.kind == "some" else ir.Not(present, type=BOOL, optional=False, text=text)
        return ir.Quant(node.kind, var, collection, condition, type=BOOL, optional=False, text=text)

    def call(self, node: syntax.Call, expected: Type | None, text: str) -> ir.Expr | None:
        if node.name.text not in FUNCTIONS:
            self._error("R212", f"unknown function '{node.name.text}'", node.name,
                        hint=did_you_mean(node.name.text, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}")
            return None
        if len(node.args) < 2:
            self._error("R212", "coalesce takes two values or more: the first that is not none", node)
            return None
        items = self._alike(node.args, expected)
        if items is None:
            return None
        result = _common_type(items, expected)
        return ir.Coalesce(tuple(items), type=result, optional=items[-1].optional, text=text)

    def case(self, node: syntax.Case, expected: Type | None, text: str) -> ir.Expr | None:
        conditions = _every([self.condition(branch.condition) for branch in node.branches])
        values = self._alike([*(branch.value for branch in node.branches), node.default], expected)
        if values is None or conditions is None:
            return None
        result = _common_type(values, expected)
        branches = tuple(zip(conditions, values[:-1], strict=True))
        return ir.Case(branches, values[-1], type=result, optional=any(v.optional for v in values), text=text)

    def _alike(self, nodes: Sequence[syntax.Expr], expected: Type | None) -> list[ir.Expr] | None:
        """Values that must share a type (the branches of a case, coalesce's arguments):
        words are read against the expected type, or the type of the first value that has one."""
        guide = expected
        if guide is None:
            for node in nodes:
                if not _is_free_word(node, self):
                    first = self.expr(node)
                    if first is None:
                        return None
                    guide = first.type
                    break
        values = _every([self.expr(node, guide) for node in nodes])
        if values is None:
            return None
        for value, node in zip(values, nodes, strict=True):
            if guide is not None and value.type != NONE and not _fits(value.type, guide):
                self._error("R211", f"'{value.text}' is {describe(value.type)}, but {describe(guide)} is "
                            "expected here", node)
                return None
        return values

    def fitted(self, value: ir.Expr, expected: Type, node, what: str) -> ir.Expr | None:
        if value.type == NONE or _fits(value.type, expected):
            return value
        self._error("R211", f"{what} is declared {describe(expected)}, but its definition is "
                    f"{describe(value.type)}", node)
        return None


def _every(checked: Sequence[ir.Expr | None]) -> list[ir.Expr] | None:
    """The checked expressions, or None when one of them did not pass its check."""
    passed = [expr for expr in checked if expr is not None]
    return passed if len(passed) == len(checked) else None


def _is_free_word(node: syntax.Expr, scope: _Scope) -> bool:
    """A single word that names nothing: a value, to be read against the other side's type."""
    return isinstance(node, syntax.Ref) and len(node.names) == 1 and scope.name(node.names[0].text) is None


def _fits(actual: Type, expected: Type) -> bool:
    if actual == expected:
        return True
    if actual.values is not None and expected.values is not None:
        return actual.values <= expected.values
    return actual == STRING and expected == DATA


def _common_type(values: Sequence[ir.Expr], expected: Type | None) -> Type:
    if expected is not None:
        return expected
    return next((value.type for value in values if value.type != NONE), NONE)


def _comparable(left: Type, right: Type) -> bool:
    if left.values is not None and right.values is not None:
        return bool(left.values & right.values)
    if left.is_enum or right.is_enum:
        return STRING in (left, right) or DATA in (left, right)
    if DATA in (left, right):
        return {left, right} <= {DATA, STRING, NUMBER, BOOL}
    return left == right and left not in (PHASE, PARTIES)


def _orderable(left: Type, right: Type) -> bool:
    pair = {left, right}
    return pair in ({NUMBER}, {DURATION}, {DATA, NUMBER}, {DATA})


def _condition_hint(value: ir.Expr) -> str:
    kind = value.type
    if kind.values is not None:
        return f"compare it: `{value.text} == {min(kind.values)}`"
    return {
        "duration": f"compare it: `{value.text} >= 30s`",
        "number": f"compare it: `{value.text} > 0`",
        "string": f'compare it: `{value.text} == "text"`',
        "party": f"test it: `{value.text} is not none`, or compare `{value.text}.kind == agent`",
        "data": f"compare it: `{value.text} == true`, or test `{value.text} is not none`",
    }.get(kind.name, f"test it: `{value.text} is not none`")


def _order_hint(left: ir.Expr, right: ir.Expr) -> str:
    if MOMENT in (left.type, right.type):
        return "order moments with `before` and `after`"
    if DURATION in (left.type, right.type):
        return "compare a duration with a duration written with a unit: `alert >= 30s`"
    return "only numbers and durations are ordered"


def _equality_hint(left: ir.Expr, right: ir.Expr) -> str | None:
    if left.type.values is not None:
        return f"'{left.text}' is one of: {', '.join(sorted(left.type.values))}"
    if right.type.values is not None:
        return f"'{right.text}' is one of: {', '.join(sorted(right.type.values))}"
    return None
