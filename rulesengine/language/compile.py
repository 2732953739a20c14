"""Checked facts and rules → plain Python functions over the interaction model, made once.

Each expression is translated into the source of one Python expression over the
party (`p`) and the interaction (`m`): `p.f_origin in ('route', 'inbound')`, and
Python compiles it. Deciding a party therefore walks no syntax tree: parameters are
already values, durations milliseconds, patterns automata, and the facts the rules
read were worked out for the whole interaction, in the passes the fact plan chose,
by one generated function. `none` follows the language's rule: every comparison with
it is false, which the translation writes inline where a value may be none and
leaves out where it never is.

For each kind and slot, one generated function tests the rules that may decide it,
strongest first, in one `if` chain (`compile_picker`); the main job runs a kind's three
chains as one function (`compile_chooser`), in which an expression several of the rules
test is worked out once per party, when a rule that needs it is first reached, and read
back by every later test (`sharing`, `Shared`). Explain also gets each condition of a
rule as a function of its own, from the same translation.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs
import msgspec

from rulesengine.language import ir
from rulesengine.language.check import CheckedFact, CheckedRule
from rulesengine.language.overlap import Ties
from rulesengine.language.patterns import Matcher
from rulesengine.language.plan import ALL_KINDS, FactPlan, plan_facts
from rulesengine.language.subexpressions import shared
from rulesengine.language.vocabulary import Param
from rulesengine.model.valuetypes import DATA, MOMENT, PHASE

if TYPE_CHECKING:
    from rulesengine.model.interaction import InteractionModel, Party

#: a compiled test or value: a function of a party and its interaction
Test = Callable[[object, object], object]


# ---- what the generated code calls: the language's semantics of none --------------------

def _eq(a, b) -> bool:
    return a is not None and b is not None and a == b


def _ne(a, b) -> bool:
    return a is not None and b is not None and a != b


def _lt(a, b) -> bool:
    return a is not None and b is not None and a < b


def _le(a, b) -> bool:
    return a is not None and b is not None and a <= b


def _gt(a, b) -> bool:
    return a is not None and b is not None and a > b


def _ge(a, b) -> bool:
    return a is not None and b is not None and a >= b


def _not_in(a, options) -> bool:
    return a is not None and a not in options


def _scalar(value) -> tuple | None:
    """An attached data value as (kind, value): booleans are not numbers, objects are nothing."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return ("string", value)


def _same(a, b) -> bool:
    left, right = _scalar(a), _scalar(b)
    return left is not None and left == right


def _differs(a, b) -> bool:
    left, right = _scalar(a), _scalar(b)
    return left is not None and right is not None and left != right


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _data_in(value, options) -> bool:
    return any(_same(value, option) for option in options)


def _data_not_in(value, options) -> bool:
    return _scalar(value) is not None and not _data_in(value, options)


def _glob(pattern: re.Pattern, value) -> bool:
    return isinstance(value, str) and pattern.match(value) is not None


def _during(moment, phase) -> bool:
    """After a stretch began, up to and including the event that ended it: a party still
    there when an open interaction's input stops is there through its last event."""
    if moment is None:
        return False
    seq = moment.seq
    for start, end in phase:  # noqa: SIM110 (a loop, not `any`: no generator for a stretch or none)
        if start.seq < seq <= end.seq:
            return True
    return False


def _keyed_lookup(table: dict, value):
    """The picker of the rules keyed on `value`; None when there are none, or the value cannot
    be a key (an object or a list of attached data)."""
    try:
        return table.get(value)
    except TypeError:
        return None


def _first_tie(tests, start: int, slot: str, p, m, s):
    """The first rule from `start` on, at the priority of the rule before it, that sets `slot`
    otherwise and matches: the tie a crowded winner looks for (candidates come strongest
    first, so the scan stops where the priority drops). `s` holds the party's shared values."""
    winner = tests[start - 1][0]
    for rule, test in tests[start:]:
        if rule.priority != winner.priority:
            return None
        if rule.outcomes[slot] != winner.outcomes[slot] and test(p, m, s):
            return rule
    return None


def _between(later, earlier) -> int | None:
    return None if later is None or earlier is None else later.ms - earlier.ms


def _plus(a, b):
    return None if a is None or b is None else a + b


def _minus(a, b):
    return None if a is None or b is None else a - b


_HELPERS = {name: value for name, value in globals().items()
            if name.startswith("_") and callable(value) and not name.startswith("__")}
_BUILTINS = {"any": any, "all": all, "sum": sum, "len": len, "bool": bool, "reversed": reversed}
_ORDER_HELPERS = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}


# ---- translation --------------------------------------------------------------------------

class Translator:
    """Turns checked expressions into Python source; automata and patterns it needs become
    names in its namespace, which every function it makes shares."""

    def __init__(self) -> None:
        self.namespace: dict[str, object] = {"__builtins__": {}, **_BUILTINS, **_HELPERS, "_undecided": (None, None)}
        self._temps = 0

    def _name(self, stem: str, value: object) -> str:
        name = f"_{stem}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _temp(self) -> str:
        self._temps += 1
        return f"_t{self._temps}"

    def function(self, source: str, bound: tuple[str, ...] = ()) -> Test:
        """A function of a party `p`, its interaction `m` (and the bound parties named in
        `bound`) that evaluates `source`."""
        parameters = ", ".join(("p", "m", *bound))
        return eval(f"lambda {parameters}: {source}", self.namespace)

    def define(self, source: str, name: str) -> Callable:
        """Run the source of a `def NAME` in the namespace and return the function."""
        exec(source, self.namespace)
        defined = self.namespace.pop(name)
        if not callable(defined):
            raise TypeError(f"the source defines no function {name}: {source}")
        return defined

    def value(self, node: ir.Expr, bound: Mapping[str, str] | None = None, shared: Shared | None = None) -> str:
        """The Python expression for `node`; `bound` maps bound parties to Python names; the
        expressions in `shared` are read from their places (`Shared`)."""
        return _Expression(self, bound or {}, shared).of(node)


class Shared:
    """The expressions one generated function shares (`sharing`), each in a place that starts
    as `...` (no value of the language) and is filled when a test first reads it.

    A place is a local variable of the function (`_s2`), filled inline by an assignment
    expression: no call, no allocation. An expression that a function of its own must read
    too (`listed`: the functions of a keyed lookup, a crowded winner's scan) has its place
    in the party's list `s` instead, which the function passes on, and is worked out by a
    small function of its own, so that every test that reads it is a few bytes of code.
    """

    def __init__(self, translator: Translator, nodes: Sequence[ir.Expr], listed: Container[ir.Expr]) -> None:
        self.translator = translator
        self.slots = {node: number for number, node in enumerate(node for node in nodes if node in listed)}
        self.locals = {node: f"_s{number}" for number, node in enumerate(nodes) if node not in self.slots}
        self._functions: dict[int, str] = {}
        self._bodies: dict[ir.Expr, str] = {}

    def start(self) -> list[str]:
        """The first lines of a function that reads shared values: each place still empty."""
        lines = [f"    s = [...] * {len(self.slots)}"] if self.slots else []
        if self.locals:
            lines.append(f"    {' = '.join(self.locals.values())} = ...")
        return lines

    def read(self, node: ir.Expr) -> str | None:
        """The Python that reads `node` from its place, working it out if it is empty; None for
        an expression not shared."""
        name = self.locals.get(node)
        if name is not None:
            return f"({name} if {name} is not ... else ({name} := {self._body(node)}))"
        number = self.slots.get(node)
        if number is None:
            return None
        function = self._functions.get(number)
        if function is None:
            body = self._body(node)
            source = f"def share(p, m, s):\n    s[{number}] = value = {body}\n    return value"
            defined = self.translator.define(source, "share")
            function = self._functions[number] = self.translator._name("shared", defined)
        return f"(s[{number}] if s[{number}] is not ... else {function}(p, m, s))"

    def _body(self, node: ir.Expr) -> str:
        """The Python that works a shared expression out (it is closed: no bound party),
        written once for all the places that read it."""
        body = self._bodies.get(node)
        if body is None:
            body = self._bodies[node] = _Expression(self.translator, {}, self).plain(node)
        return body


class _Expression:
    def __init__(self, translator: Translator, bound: Mapping[str, str], shared: Shared | None) -> None:
        self.translator = translator
        self.bound = bound
        self.shared = shared

    def of(self, node: ir.Expr) -> str:
        if self.shared is not None:
            read = self.shared.read(node)
            if read is not None:
                return read
        return self.plain(node)

    def plain(self, node: ir.Expr) -> str:
        """The Python that works `node` out, even when it is shared."""
        return getattr(self, f"_{type(node).__name__.lower()}")(node)

    def _const(self, node: ir.Const) -> str:
        return repr(node.value)

    def _self(self, node: ir.Self) -> str:
        return "p"

    def _var(self, node: ir.Var) -> str:
        return self.bound[node.name]

    def _get(self, node: ir.Get) -> str:
        if node.subject is None:  # source `interaction`
            return f"m.{node.attribute}"
        subject = self.of(node.subject)
        if node.source == "others":
            return f"[_o for _o in m.parties if _o is not {subject}]"
        if node.source == "data":
            access = f".data.get({node.name!r})"
        elif node.source == "fact":
            access = f".f_{node.name}"
        else:
            access = f".{node.attribute}"
        if node.subject.optional:
            temp = self.translator._temp()
            return f"(None if ({temp} := {subject}) is None else {temp}{access})"
        return f"{subject}{access}"

    def _compare(self, node: ir.Compare) -> str:
        left, right, op = self.of(node.left), self.of(node.right), node.op
        if DATA in (node.left.type, node.right.type):
            if op in ("==", "!="):
                return f"{'_same' if op == '==' else '_differs'}({left}, {right})"
            return f"{_ORDER_HELPERS[op]}(_number({left}), _number({right}))"
        optional = node.left.optional or node.right.optional
        if op == "==":
            both = node.left.optional and node.right.optional
            return f"_eq({left}, {right})" if both else f"({left} == {right})"
        if not optional:
            return f"({left} {op} {right})"
        return f"{_ORDER_HELPERS.get(op, '_ne')}({left}, {right})"

    def _in(self, node: ir.In) -> str:
        item = self.of(node.item)
        constants = ir.constants(node.options)
        if constants is not None:
            options = repr(tuple(option.value for option in constants))
        else:
            options = "(" + ", ".join(self.of(option) for option in node.options) + ",)"
        if node.item.type == DATA:
            return f"{'_data_not_in' if node.negated else '_data_in'}({item}, {options})"
        if not node.negated:
            return f"({item} in {options})"
        return f"_not_in({item}, {options})" if node.item.optional else f"({item} not in {options})"

    def _contains(self, node: ir.Contains) -> str:
        return f"({self.of(node.item)} in {self.of(node.collection)})"

    def _isnone(self, node: ir.IsNone) -> str:
        return f"({self.of(node.item)} is {'not ' if node.negated else ''}None)"

    def _match(self, node: ir.Match) -> str:
        matcher = self.translator._name("glob", re.compile(node.regex, re.DOTALL))
        return f"_glob({matcher}, {self.of(node.item)})"

    def _temporal(self, node: ir.Temporal) -> str:
        # written out rather than calls of helpers: a call costs more than the test itself,
        # and most parties are never held (an empty phase is no call at all)
        left, right = self.of(node.left), self.of(node.right)
        if node.op == "during":
            phase = self.translator._temp()
            return f"(_during({left}, {phase}) if ({phase} := {right}) else False)"
        tests, sides = [], []
        for side, optional in ((left, node.left.optional), (right, node.right.optional)):
            if optional:  # tested for None, then read, once
                moment = self.translator._temp()
                tests.append(f"({moment} := {side}) is not None")
                sides.append(moment)
            else:
                sides.append(side)
        compared = f"{sides[0]}.seq {'<' if node.op == 'before' else '>'} {sides[1]}.seq"
        return "(" + " and ".join([*tests, compared]) + ")"

    def _arith(self, node: ir.Arith) -> str:
        left, right = self.of(node.left), self.of(node.right)
        if node.left.type == MOMENT:
            return f"_between({left}, {right})"
        if node.left.optional or node.right.optional:
            return f"{'_plus' if node.op == '+' else '_minus'}({left}, {right})"
        return f"({left} {node.op} {right})"

    def _not(self, node: ir.Not) -> str:
        return f"(not {self.of(node.item)})"

    def _and(self, node: ir.And) -> str:
        return "(" + " and ".join(self.of(item) for item in node.items) + ")"

    def _or(self, node: ir.Or) -> str:
        return "(" + " or ".join(self.of(item) for item in node.items) + ")"

    def _truthy(self, node: ir.Truthy) -> str:
        value = self.of(node.item)
        if node.item.type == PHASE or node.item.type.name == "parties":
            return f"bool({value})"
        return f"({value} is not None)"

    def _binding(self, var: str) -> tuple[str, _Expression]:
        name = f"v_{var}"
        return name, _Expression(self.translator, {**self.bound, var: name}, self.shared)

    def _quant(self, node: ir.Quant) -> str:
        # most collections a rule walks are empty (an agent brings nobody in), and most of the
        # rest hold one party (a queue brings in its agent): the tests of emptiness and of one
        # item first spare building a generator for them, the one item tested where it is
        # (when its condition is `_flat`)
        collection = self.translator._temp()
        name, inner = self._binding(node.var)
        body = inner.of(node.condition)
        every = node.kind == "all"
        looped = f"{'all' if every else 'any'}({body} for {name} in {collection})"
        if _flat(node.condition):
            single = f"(True if {self._alone(node, collection).of(node.condition)} else False)"
            looped = f"({single} if len({collection}) == 1 else {looped})"
        found = f"({looped} if ({collection} := {self.of(node.collection)}) else {every})"
        return f"(not {found})" if node.kind == "no" else found

    def _alone(self, node: ir.Quant | ir.Count, collection: str) -> _Expression:
        """Expressions of `node`'s condition on the one item of `collection`, read where it is."""
        return _Expression(self.translator, {**self.bound, node.var: f"{collection}[0]"}, self.shared)

    def _count(self, node: ir.Count) -> str:
        if node.condition is None:
            return f"len({self.of(node.collection)})"
        collection = self.translator._temp()  # as in `_quant`
        name, inner = self._binding(node.var)
        looped = f"sum(1 for {name} in {collection} if {inner.of(node.condition)})"
        if _flat(node.condition):
            single = f"(1 if {self._alone(node, collection).of(node.condition)} else 0)"
            looped = f"({single} if len({collection}) == 1 else {looped})"
        return f"({looped} if ({collection} := {self.of(node.collection)}) else 0)"

    def _coalesce(self, node: ir.Coalesce) -> str:
        # one chain of conditional expressions, not nested parentheses: a long coalesce or
        # case must not reach Python's limit on nested parentheses
        parts = []
        for item in node.items[:-1]:
            temp = self.translator._temp()
            parts.append(f"{temp} if ({temp} := {self.of(item)}) is not None else")
        return "(" + " ".join([*parts, self.of(node.items[-1])]) + ")"

    def _case(self, node: ir.Case) -> str:
        parts = [f"{self.of(value)} if {self.of(condition)} else" for condition, value in node.branches]
        return "(" + " ".join([*parts, self.of(node.default)]) + ")"

    def _steps(self, node: ir.Steps) -> str:
        matcher = Matcher(node.nfa)
        name = self.translator._name("steps", matcher)
        return f"{name}.on_names(p)" if matcher.by_name else f"{name}(p.events)"


def _flat(condition: ir.Expr) -> bool:
    """Whether a quantifier's condition may be written out a second time, for a list of one:
    no loop of its own (written twice at every level, nested loops would grow exponentially)
    and no pattern, whose matcher each writing would make anew."""
    return not any(isinstance(node, _NOT_FLAT) for node in ir.walk(condition))


_NOT_FLAT = (ir.Quant, ir.Count, ir.Steps, ir.Match)


# ---- facts ----------------------------------------------------------------------------------

def compile_facts(plan: FactPlan, facts: Mapping[str, CheckedFact], translator: Translator) -> Callable:
    """One function that works out, on every party of an interaction, the facts of the plan."""
    lines = ["def facts(m):"]
    for step in plan.passes:
        order = "reversed(m.parties)" if step.backward else "m.parties"
        lines.append(f"    for p in {order}:")
        if any(kinds != ALL_KINDS for _, kinds in step.steps):
            lines.append("        k = p.kind")
        for name, kinds in step.steps:
            assignment = f"p.f_{name} = {translator.value(facts[name].definition)}"
            if kinds == ALL_KINDS:
                lines.append(f"        {assignment}")
            else:
                lines.append(f"        if k in {tuple(sorted(kinds))!r}:")
                lines.append(f"            {assignment}")
    if len(lines) == 1:
        lines.append("    pass")
    return translator.define("\n".join(lines), "facts")


# ---- rules ----------------------------------------------------------------------------------

class Condition:
    """One condition of a rule, for explain: its text, the expression, and its test.

    The test is compiled on first use: only explain calls it, the main job runs the
    pickers, which hold every condition in their own source.
    """

    __slots__ = ("text", "node", "_source", "_translator", "_test")

    def __init__(self, text: str, node: ir.Expr, source: str, translator: Translator) -> None:
        self.text, self.node = text, node
        self._source, self._translator = source, translator
        self._test: Test | None = None

    @property
    def test(self) -> Test:
        if self._test is None:
            self._test = self._translator.function(self._source)
        return self._test


class RuleRef(msgspec.Struct, frozen=True, order=True, gc=False):
    """A rule by id, with where it is written (`path:line`).

    Rows look their rule columns up by the decision's refs, once per party, so
    hashing must be cheap: a `msgspec.Struct` hashes in C.
    """

    id: str
    path: str
    line: int

    @property
    def at(self) -> str:
        return f"{self.path}:{self.line}"


#: what a rule is keyed on: the tested expression's text, its Python, and the constants it may equal
RuleKey = tuple[str, str, tuple]


@attrs.frozen(eq=False)
class CompiledRule:
    """A rule ready to run: what it is for, what it sets, and its conditions as Python.

    Compared by identity: the rule set holds each compiled rule once.
    """

    ref: RuleRef
    description: str
    kinds: frozenset[str]
    priority: int
    #: (value, reason) per slot it sets
    outcomes: Mapping[str, tuple[str, str]]
    #: the `match` pattern, then each top-level part of `when`
    conditions: tuple[Condition, ...]
    #: per slot, the ids of the rules that may tie with this one; once this rule wins a
    #: slot, only these can still disagree with it, unless the slot is crowded
    rivals: Mapping[str, frozenset[str]]
    #: all conditions at once, as the source of one Python expression over `p` and `m`
    source: str
    #: a condition that holds only for some values of one expression: (its text, its Python
    #: source, the values), so a picker can look the rule up by that value (`compile_picker`)
    key: RuleKey | None = None
    #: slots on which more rules may tie with this one than were listed (`overlap.MAX_RIVALS`):
    #: once it wins one, every later rule of its priority with another outcome is tested
    crowded: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.ref.id

    def sets(self, slot: str) -> tuple[str, str] | None:
        return self.outcomes.get(slot)


def compile_rule(rule: CheckedRule, translator: Translator, rivals: Mapping[str, frozenset[str]],
                 crowded: frozenset[str] = frozenset()) -> CompiledRule:
    parts = [(condition.text, translator.value(condition), condition) for condition in rule.conditions]
    source = _joined(text for _, text, _ in parts)
    span = rule.rule.span
    return CompiledRule(
        ref=RuleRef(rule.id, span.path, span.line),
        description=rule.rule.description,
        kinds=rule.kinds,
        priority=rule.priority,
        outcomes=dict(rule.outcomes),
        conditions=tuple(Condition(text, node, python, translator) for text, python, node in parts),
        rivals=rivals,
        source=source,
        key=_key(rule.conditions, translator),
        crowded=crowded,
    )


def _joined(conditions: Iterable[str]) -> str:
    """The Python of conditions that must all hold."""
    return " and ".join(f"({text})" for text in conditions) or "True"


def _key(conditions: Sequence[ir.Expr], translator: Translator) -> RuleKey | None:
    """The first condition that is an equality (or a list) of one of the party's own values
    with constants: only parties with one of those values can match the rule."""
    for condition in conditions:
        values: tuple[ir.Expr, ...]
        if isinstance(condition, ir.Compare) and condition.op == "==":
            subject, value = condition.left, condition.right
            if isinstance(subject, ir.Const):
                subject, value = value, subject
            values = (value,)
        elif isinstance(condition, ir.In) and not condition.negated:
            subject, values = condition.item, condition.options
        else:
            continue
        constants = ir.constants(values)
        if (isinstance(subject, ir.Get) and isinstance(subject.subject, ir.Self)
                and subject.source in ("party", "fact", "data") and subject.type.name != "parties"
                and constants is not None and all(v.value is not None for v in constants)):
            return subject.text, translator.value(subject), tuple(v.value for v in constants)
    return None


Pick = tuple["CompiledRule | None", "tuple[CompiledRule, CompiledRule] | None"]
Picker = Callable[["Party", "InteractionModel"], Pick]
#: the picks of every slot of one party, in the order the chooser was made with
Chooser = Callable[["Party", "InteractionModel"], tuple[Pick, ...]]
#: the lines that end a slot's test with a pick (the Python of it)
Exit = Callable[[str], list[str]]


#: consecutive candidates keyed on the same value, from how many a picker looks them up
KEYED_RUN = 4


def compile_picker(candidates: Sequence[CompiledRule], slot: str, translator: Translator, *,
                   sharing: bool = True) -> Picker:
    """One function that decides `slot` among `candidates` (strongest first).

    It returns the winning rule, or the two tied rules when a rival of equal priority
    matches too and sets the slot differently. The rules' conditions are joined into
    one `if` chain, so deciding a party calls no function per rule; after a match only
    the winner's rivals (`CompiledRule.rivals`) of the same priority are tested. A run of
    consecutive rules that each test one value of the same expression (`resource ==
    "Agent_7"`, a campaign in the data) is looked up by that value instead of tested one
    by one, so a site layer of many such rules costs one dictionary lookup per party. With
    `sharing`, an expression several of its rules test is worked out once (`sharing`).
    """
    sources = _Sources.of({slot: candidates}, translator, sharing)
    lines = ["def pick(p, m):", *sources.start(), *_chain(candidates, slot, sources, _returned)]
    return translator.define("\n".join(lines), "pick")


def compile_chooser(candidates: Mapping[str, Sequence[CompiledRule]], translator: Translator, *,
                    sharing: bool = True) -> Chooser:
    """One function that decides every slot of `candidates` (slot → its rules, strongest
    first) for a party of one kind, as `compile_picker` decides one: the main job calls it
    once per party. Each slot's chain runs in a loop of one pass that `break` leaves, so the
    three chains read the same places of the party's shared values (`Shared`)."""
    sources = _Sources.of(candidates, translator, sharing)
    lines = ["def choose(p, m):", *sources.start()]
    for number, (slot, rules) in enumerate(candidates.items()):
        if not rules:
            lines.append(f"    r{number} = _undecided")
            continue
        lines += ["    while True:", *_indented(_chain(rules, slot, sources, _kept(f"r{number}")))]
    lines.append(f"    return ({''.join(f'r{number}, ' for number in range(len(candidates)))})")
    return translator.define("\n".join(lines), "choose")


def _returned(value: str) -> list[str]:
    return [f"return {value}"]


def _kept(name: str) -> Exit:
    return lambda value: [f"{name} = {value}", "break"]


def _worth_remembering(translator: Translator, node: ir.Expr) -> bool:
    """Whether working `node` out costs more than reading a remembered value: when its
    Python calls a function or loops (a pattern or a glob always does)."""
    if any(isinstance(part, (ir.Steps, ir.Match)) for part in ir.walk(node)):
        return True
    tree = ast.parse(translator.value(node), mode="eval")
    return any(isinstance(part, (ast.Call, ast.comprehension)) for part in ast.walk(tree))


class _Sources:
    """The Python of the candidates' conditions in one generated function, with the
    expressions they share (`sharing.shared`) read from their places (`Shared`)."""

    def __init__(self, translator: Translator, shared: Shared) -> None:
        self.translator = translator
        self.shared = shared
        #: what the function passes for `s` to the functions it calls
        self.passed = "s" if shared.slots else "None"
        #: the functions of a picker made once for all its crowded winners (`_scan_for_tie`)
        self.made: dict[str, str] = {}
        self._sources: dict[str, str] = {}

    @classmethod
    def of(cls, candidates: Mapping[str, Sequence[CompiledRule]], translator: Translator, sharing: bool) -> _Sources:
        """The sources of `candidates`' conditions; with `sharing`, sharing what they repeat."""
        sites = [condition.node for rules in candidates.values() for rule in rules for condition in rule.conditions]
        found = shared(sites, functools.partial(_worth_remembering, translator)) if sharing else ()
        apart = [rule for slot, rules in candidates.items() for rule in _tested_apart(rules, slot)]
        everything = [rule for rules in candidates.values() for rule in rules]
        return cls(translator, Shared(translator, found, _listed(found, apart, everything)))

    def start(self) -> list[str]:
        return self.shared.start()

    def __getitem__(self, rule: CompiledRule) -> str:
        if not (self.shared.slots or self.shared.locals):
            return rule.source
        source = self._sources.get(rule.id)
        if source is None:
            source = self._sources[rule.id] = _joined(
                self.translator.value(condition.node, shared=self.shared) for condition in rule.conditions)
        return source


def _tested_apart(candidates: Sequence[CompiledRule], slot: str) -> list[CompiledRule]:
    """The candidates that functions of their own test: all of them when a winner is crowded
    (its scan), else the rules of the keyed runs and their rivals."""
    if any(slot in rule.crowded for rule in candidates):
        return list(candidates)
    by_id = {rule.id: rule for rule in candidates}
    return [tested for _, run in _segments(candidates) for rule, _ in run
            for tested in (rule, *(by_id[rival] for rival in rule.rivals.get(slot, ()) if rival in by_id))]


def _listed(found: Sequence[ir.Expr], apart: Iterable[CompiledRule],
            everything: Iterable[CompiledRule]) -> set[ir.Expr]:
    """The shared expressions that need a place in the list `s`: those the rules `apart` test,
    those inside the collection a `count` walks (where Python allows no assignment expression),
    and those inside one of these (worked out by its function)."""
    places = set(found)
    listed: set[ir.Expr] = set()
    if not places:
        return listed
    stack = [condition.node for rule in apart for condition in rule.conditions]
    stack += [node.collection for rule in everything for condition in rule.conditions
              for node in ir.walk(condition.node) if isinstance(node, ir.Count) and node.condition is not None]
    while stack:
        node = stack.pop()
        if node in places:
            if node in listed:
                continue
            listed.add(node)
        stack.extend(ir.children(node))
    return listed


def _segments(candidates: Sequence[CompiledRule]) -> Iterator[tuple[int, list[tuple[CompiledRule, RuleKey]]]]:
    """The places of a chain: each candidate tested alone (with an empty run), or a run of
    candidates looked up by value."""
    place = 0
    while place < len(candidates):
        run = _keyed_run(candidates, place)
        if len(run) < KEYED_RUN:
            run = []
        yield place, run
        place += len(run) or 1


def _chain(candidates: Sequence[CompiledRule], slot: str, sources: _Sources, done: Exit) -> list[str]:
    """The lines of one slot's `if` chain (indented once), ending with `done` of its pick."""
    lines = []
    where = {rule.id: number for number, rule in enumerate(candidates)}
    for place, run in _segments(candidates):
        if run:
            lines += _lookup(candidates, where, run, slot, sources, done)
        else:
            lines += _indented(_tests(candidates, where, place, slot, sources, frozenset(), done))
    return [*lines, *_indented(done("_undecided"))]


def _keyed_run(candidates: Sequence[CompiledRule], start: int) -> list[tuple[CompiledRule, RuleKey]]:
    """The candidates from `start` on that are keyed on the same expression, with their keys."""
    first = candidates[start].key
    if first is None:
        return []
    run = []
    for rule in candidates[start:]:
        if rule.key is None or rule.key[0] != first[0]:
            break
        run.append((rule, rule.key))
    return run


@attrs.frozen
class _KeyedApart:
    """The rules of a keyed run looked up under other values than this one: they cannot
    match where this value was found. Asked rule by rule, so that a run of n rules costs n
    questions per value rather than a set of n ids built for each value."""

    run: frozenset[str]
    here: frozenset[str]

    def __contains__(self, rule: object) -> bool:
        return rule in self.run and rule not in self.here


def _indented(lines: list[str], depth: int = 1) -> list[str]:
    return ["    " * depth + line for line in lines]


def _tests(candidates: Sequence[CompiledRule], where: dict[str, int], place: int, slot: str,
           sources: _Sources, skip: Container[str], done: Exit) -> list[str]:
    """`if` lines that end with `done` of candidate `place` when it matches, or of it and a
    matching rival.

    Only rivals after it at its priority can still tie with it (a stronger or earlier one
    would have been tested first); rivals in `skip` are keyed on another value, so they
    cannot match."""
    winner = candidates[place]
    translator = sources.translator
    won = translator._name("won", (winner, None))
    lines = [f"if {sources[winner]}:"]
    if slot in winner.crowded:
        return [*lines, *_indented(_scan_for_tie(candidates, place, slot, sources, done)), *_indented(done(won))]
    later = sorted(where[rival] for rival in winner.rivals.get(slot, ())
                   if rival in where and where[rival] > place and rival not in skip)
    for number in later:
        rule = candidates[number]
        if rule.priority == winner.priority:
            tie = translator._name("tie", (None, (winner, rule)))
            lines += [f"    if {sources[rule]}:", *_indented(done(tie), 2)]
    return [*lines, *_indented(done(won))]


def _scan_for_tie(candidates: Sequence[CompiledRule], place: int, slot: str, sources: _Sources,
                  done: Exit) -> list[str]:
    """Lines that test, in a loop, every later candidate of the winner's priority with another
    outcome: what a crowded winner does instead of testing a list of rivals. The candidates'
    tests are made once per slot, whatever the number of crowded winners."""
    translator = sources.translator
    if slot not in sources.made:
        sources.made[slot] = translator._name("tests", tuple(
            (rule, translator.function(sources[rule], ("s",))) for rule in candidates))
    winner, found = translator._name("rule", candidates[place]), translator._temp()
    return [f"{found} = _first_tie({sources.made[slot]}, {place + 1}, {slot!r}, p, m, {sources.passed})",
            f"if {found} is not None:",
            *_indented(done(f"(None, ({winner}, {found}))"))]


def _lookup(candidates: Sequence[CompiledRule], where: dict[str, int], run: list[tuple[CompiledRule, RuleKey]],
            slot: str, sources: _Sources, done: Exit) -> list[str]:
    """Lines that look the run's rules up by their key's value and test only those."""
    by_value: dict[object, dict[CompiledRule, None]] = {}  # rules by value, in order, once each
    for rule, (_, _, values) in run:
        for value in values:
            by_value.setdefault(value, {})[rule] = None
    table = {}
    in_run = frozenset(rule.id for rule, _ in run)
    translator = sources.translator
    for value, rules in by_value.items():
        lines = ["def sub(p, m, s):"]
        others = _KeyedApart(in_run, frozenset(rule.id for rule in rules))
        for rule in rules:
            lines += _indented(_tests(candidates, where, where[rule.id], slot, sources, others, _returned))
        lines.append("    return None")
        table[value] = translator.define("\n".join(lines), "sub")
    name = translator._name("keyed", table)
    found = translator._temp()
    _, (_, expression, _) = run[0]
    return [f"    {found} = _keyed_lookup({name}, {expression})",
            f"    if {found} is not None:",
            f"        {found} = {found}(p, m, {sources.passed})",
            f"        if {found} is not None:",
            *_indented(done(found), 3)]


def rivals_by_rule(ties: Ties) -> dict[str, dict[str, frozenset[str]]]:
    """Per rule id and slot, the ids of the rules the overlap analysis found it may tie with
    (for a crowded rule, not all of the later ones: see `CompiledRule.crowded`)."""
    found: dict[str, dict[str, set[str]]] = {}
    for tie in ties.pairs:
        for mine, theirs in ((tie.first, tie.second), (tie.second, tie.first)):
            found.setdefault(mine.id, {}).setdefault(tie.slot, set()).add(theirs.id)
    return {rule: {slot: frozenset(ids) for slot, ids in slots.items()} for rule, slots in found.items()}


@attrs.frozen(eq=False)
class CompiledProgram:
    """A checked rule set as Python: what the decide stage runs."""

    #: the rules, by id
    rules: tuple[CompiledRule, ...]
    #: works out the facts the rules read, on every party of an interaction
    facts: Callable[[object], None]
    translator: Translator
    #: compiles, when first asked, a function that works out every fact (explain shows them all)
    all_facts: Callable[[], Callable[[object], None]]
    #: the facts in effect, checked, by name
    definitions: Mapping[str, CheckedFact]
    #: the parameters, with the values the rules were compiled with
    params: Mapping[str, Param]


def compile_program(rules: Sequence[CheckedRule], facts: Mapping[str, CheckedFact], plan: FactPlan, ties: Ties,
                    params: Mapping[str, Param]) -> CompiledProgram:
    """The rule set as Python: the facts the rules read, every fact (for explain), the rules."""
    translator = Translator()
    rivals = rivals_by_rule(ties)
    compiled = tuple(compile_rule(rule, translator, rivals.get(rule.id, {}),
                                  frozenset(slot for slot in rule.outcomes if (rule.id, slot) in ties.crowded))
                     for rule in sorted(rules, key=lambda r: r.id))
    every_fact = _EveryFact(MappingProxyType(dict(facts)), translator)
    return CompiledProgram(compiled, compile_facts(plan, facts, translator), translator, every_fact,
                           MappingProxyType(dict(facts)), params)


@attrs.frozen(eq=False)
class _EveryFact:
    """Compiles, when called, a function that works out every fact. A record rather than a
    closure, so that a compiled program can be saved whole (`decide.saved`); without the
    rules, which add nothing to a plan of every fact for every kind."""

    facts: Mapping[str, CheckedFact]
    translator: Translator

    def __call__(self) -> Callable[[object], None]:
        everything, _ = plan_facts(self.facts, (), everything=True)
        return compile_facts(everything, self.facts, self.translator)
