"""Why a party got its descriptor: the deciding rule per slot, why not the others, the facts.

`explain` decides the party again with the same compiled rules and records, for each
slot, the winning rule with the value of each of its conditions, and for every other
rule that sets that slot for this kind of party the first condition that failed (or
that it matched but lost on priority, or tied). It lists the derived facts the rules
of that kind read, with their values and, on request, how each was derived: its
definition and the value of each of its parts (which branch of a `case` was taken,
which parties met a `some`). Renderers give text for people and JSON for tools; both
are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from weakref import WeakKeyDictionary

import attrs
import orjson

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision
from rulesengine.diagnostics import printable
from rulesengine.language import ir
from rulesengine.language.compile import CompiledRule, Condition, RuleRef
from rulesengine.language.overlap import show_outcome
from rulesengine.language.plan import reads
from rulesengine.language.vocabulary import OUTCOME_SLOTS, Param
from rulesengine.model.interaction import InteractionModel, Party

PASS, FAIL = "✓", "✗"

#: per rule set, what its rules read, found once: which facts the rules of each kind read
#: (`_facts_read`) and which values each condition reads (`_read_by`, by the condition's node,
#: which lives as long as its rule set). They depend on the rules alone, and working them out
#: again for every party took half the time of explaining a whole file
_READ: WeakKeyDictionary[Decider, dict[object, list]] = WeakKeyDictionary()


@attrs.frozen
class ConditionValue:
    """One condition with its value for this party and the values it read."""

    text: str
    passed: bool
    because: str  # e.g. "origin is route"


@attrs.frozen
class RuleOutcome:
    """Another rule of the slot: what it would set, and why it did not decide."""

    rule: RuleRef
    priority: int
    sets: str
    why_not: str  # "failed", "lower priority", "tied" or "same outcome"
    #: for "failed": the first condition that failed; otherwise None
    failed: ConditionValue | None = None


@attrs.frozen
class SlotExplanation:
    slot: str  # "role" | "result" | "record"
    value: str  # as a descriptor writes it, e.g. "Redirected [Revoked]"
    rule: RuleRef | None
    priority: int | None
    description: str | None
    conditions: tuple[ConditionValue, ...]
    others: tuple[RuleOutcome, ...]


@attrs.frozen
class Part:
    """One part of a fact's definition and its value for this party."""

    text: str
    value: str


@attrs.frozen
class FactValue:
    """A derived fact the party's rules read: its value, and how it was derived."""

    name: str
    value: str
    description: str
    definition: str
    parts: tuple[Part, ...] = ()


@attrs.frozen
class PartyExplanation:
    interaction: str
    party: str
    kind: str
    resource: str
    decision: Decision
    slots: tuple[SlotExplanation, ...]
    facts: tuple[FactValue, ...] = ()


@attrs.frozen
class ParamValue:
    """A parameter, its value in force and where that value comes from."""

    name: str
    value: str
    source: str


def explain_interaction(compiled: Decider, model: InteractionModel, *,
                        derivation: bool = False) -> list[PartyExplanation]:
    """Every party of the interaction, explained (the facts worked out once for all of them)."""
    compiled.all_facts(model)
    decisions = compiled.decide(model)
    return [_party(compiled, model, party, decision, derivation)
            for party, decision in zip(model.parties, decisions, strict=True)]


def parameters(params: Mapping[str, Param]) -> list[ParamValue]:
    """Every parameter by name, with its value as a rule file writes it."""
    return [ParamValue(name, _written(param.value, param.type.name), param.source_text)
            for name, param in sorted(params.items())]


def _party(compiled: Decider, model: InteractionModel, party: Party, decision: Decision,
           derivation: bool) -> PartyExplanation:
    values = _Values(compiled, model, party)
    slots = tuple(_slot(compiled, values, slot) for slot in OUTCOME_SLOTS)
    facts = tuple(_fact(compiled, values, name, derivation) for name in _facts_read(compiled, party.kind))
    return PartyExplanation(model.id, party.id, party.kind, party.resource, decision, slots, facts)


class _Values:
    """Values of expressions for one party, each compiled once per rule set."""

    def __init__(self, compiled: Decider, model: InteractionModel, party: Party) -> None:
        self.compiled, self.model, self.party = compiled, model, party

    def of(self, node: ir.Expr, bound: Mapping[str, Party] | None = None):
        bound = bound or {}
        names = {var: f"v_{var}" for var in bound}
        function = self.compiled.function(node, tuple(names.values()))
        return function(self.party, self.model, *bound.values())

    def test(self, condition: Condition) -> bool:
        return bool(condition.test(self.party, self.model))


def _slot(compiled: Decider, values: _Values, slot: str) -> SlotExplanation:
    candidates = compiled.candidates(values.party.kind, slot)
    winner, tie = compiled.pick(values.party, values.model, slot)
    others = tuple(_other(rule, slot, values, winner, tie) for rule in candidates if rule is not winner)
    if winner is None:
        return SlotExplanation(slot, "Unspecified", None, None, None, (), others)
    return SlotExplanation(slot, show_outcome(winner.outcomes[slot]), winner.ref, winner.priority,
                           winner.description, tuple(_condition(c, values) for c in winner.conditions), others)


def _other(rule: CompiledRule, slot: str, values: _Values, winner: CompiledRule | None,
           tie: tuple[CompiledRule, CompiledRule] | None) -> RuleOutcome:
    sets = show_outcome(rule.outcomes[slot])
    for condition in rule.conditions:
        if not values.test(condition):
            return RuleOutcome(rule.ref, rule.priority, sets, "failed", _condition(condition, values, held=False))
    if tie is not None and rule in tie:
        why = "tied"
    elif winner is not None and rule.priority < winner.priority:
        why = "lower priority"
    else:
        why = "same outcome"
    return RuleOutcome(rule.ref, rule.priority, sets, why)


def _condition(condition: Condition, values: _Values, held: bool | None = None) -> ConditionValue:
    """A condition with what it read, and whether it held: tested here unless `held` already says."""
    if isinstance(condition.node, ir.Steps):
        because = "steps: " + (" ".join(values.party.step_names) or "none")
    else:
        because = ", ".join(f"{read.text} is {_shown(values.of(read), read)}"
                            for read in _read_by(values.compiled, condition.node))
    return ConditionValue(condition.text, values.test(condition) if held is None else held, because)


def _read_by(compiled: Decider, node: ir.Expr) -> list[ir.Expr]:
    """The values a condition of the rule set reads about its own party and the interaction, in
    order, once each (inside a `some` or `count` only the list is, not what each party is)."""
    return _found_once(compiled, ("read by", id(node)), lambda: _values_read(node))


def _found_once(compiled: Decider, key: tuple[str, object], find: Callable[[], list]) -> list:
    """What `find` finds about the rule set, found the first time `key` is asked for (`_READ`)."""
    known = _READ.setdefault(compiled, {})
    if key not in known:
        known[key] = find()
    return known[key]


def _values_read(node: ir.Expr) -> list[ir.Expr]:
    found: dict[str, ir.Expr] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ir.Get) and _about_here(current):
            found.setdefault(current.text, current)
            continue
        if isinstance(current, (ir.Quant, ir.Count)):
            stack.append(current.collection)
            continue
        stack.extend(reversed(list(ir.children(current))))
    return list(found.values())


def _about_here(node: ir.Get) -> bool:
    subject = node.subject
    while isinstance(subject, ir.Get):
        subject = subject.subject
    return subject is None or isinstance(subject, ir.Self)


def _facts_read(compiled: Decider, kind: str) -> list[str]:
    """The facts the rules about this kind read, directly or through other facts, by name."""
    return _found_once(compiled, ("facts", kind), lambda: _facts_found(compiled, kind))


def _facts_found(compiled: Decider, kind: str) -> list[str]:
    found: set[str] = set()
    wanted = [c.node for rule in compiled.rules_for(kind) for c in rule.conditions]
    while wanted:
        for name, _ in reads(wanted.pop()):
            if name not in found and name in compiled.definitions:
                found.add(name)
                wanted.append(compiled.definitions[name].definition)
    return sorted(found)


def _fact(compiled: Decider, values: _Values, name: str, derivation: bool) -> FactValue:
    fact = compiled.definitions[name]
    value = getattr(values.party, f"f_{name}", None)
    parts = tuple(_parts(fact.definition, values)) if derivation else ()
    return FactValue(name, _written(value, fact.type.name), fact.description, fact.definition.text, parts)


def _parts(node: ir.Expr, values: _Values) -> list[Part]:
    """The parts of a definition with their values: the branches of a case up to the one
    taken, the parties a quantifier looked at, else the values the definition reads."""
    if isinstance(node, ir.Case):
        parts = []
        for condition, value in node.branches:
            taken = bool(values.of(condition))
            parts.append(Part(f"when {condition.text}", PASS if taken else FAIL))
            if taken:
                parts.append(Part(f"then {value.text}", _shown(values.of(value), value)))
                return parts
        return [*parts, Part(f"else {node.default.text}", _shown(values.of(node.default), node.default))]
    if isinstance(node, (ir.Quant, ir.Count)) and node.condition is not None:
        members = values.of(node.collection)
        if not members:
            return [Part(node.collection.text, "no parties")]
        return [Part(f"{node.var} = {member.id}",
                     PASS if values.of(node.condition, {node.var: member}) else FAIL) for member in members]
    if isinstance(node, (ir.And, ir.Or, ir.Coalesce)):
        return [Part(item.text, _shown(values.of(shown), shown))
                for item in node.items for shown in [_underlying(item)]]
    return [Part(read.text, _shown(values.of(read), read)) for read in _read_by(values.compiled, node)]


def _underlying(node: ir.Expr) -> ir.Expr:
    """What a part is about: the moment itself rather than whether it happened."""
    return node.item if isinstance(node, ir.Truthy) else node


def _shown(value, node: ir.Expr) -> str:
    return _written(value, node.type.name)


def _written(value, type_name: str) -> str:
    """A value the way a rule file writes it: `30s`, `true`, `none`, a party by id."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if type_name == "duration":
        return f"{value // 1000}s" if value % 1000 == 0 else f"{value}ms"
    if isinstance(value, Party):
        return value.id
    if type_name == "moment":
        return f"{value.event} at {value.ts} (seq {value.seq})"
    if type_name == "parties":
        return ", ".join(party.id for party in value) or "no parties"
    if type_name == "phase":
        return ", ".join(f"seq {start.seq} to {end.seq}" for start, end in value) or "never"
    return str(value)


# ---- rendering -------------------------------------------------------------------------

def render_text(explanation: PartyExplanation) -> str:
    """The explanation as `rulesengine explain` prints it, for a person: every control
    character of the events' ids, names and reasons shown as an escape (`printable`), never
    obeyed by the terminal it is read on (JSON keeps them as they are)."""
    d = explanation.decision
    lines = [(f"{explanation.interaction} {explanation.party} ({explanation.kind} "
              f"{explanation.resource}): {d.descriptor}  {d.record}")]
    for slot in explanation.slots:
        lines += _slot_text(slot)
    if explanation.facts:
        lines.append("  facts:")
        for fact in explanation.facts:
            lines.append(f"    {fact.name} = {fact.value}")
            if fact.parts:
                lines.append(f"      {fact.description}")
                lines.append(f"      = {fact.definition}")
                lines += [f"        {part.text}: {part.value}" for part in fact.parts]
    lines += [f"  problem: {problem.headline()}" for problem in d.problems]
    return "\n".join(printable(line, tabs=True) for line in lines)


def render_parameters_text(params: Sequence[ParamValue]) -> str:
    """The parameters block explain ends with."""
    if not params:
        return "parameters: none"
    return "\n".join(["parameters:", *(f"  {p.name} = {p.value}  ({p.source})" for p in params)])


def _slot_text(slot: SlotExplanation) -> list[str]:
    if slot.rule is None:
        lines = [f"  {slot.slot} Unspecified: no rule decided it"]
    else:
        lines = [(f"  {slot.slot} {slot.value}  by {slot.rule.id} ({slot.rule.at}), "
                  f"priority {slot.priority}"),
                 f"    {slot.description}"]
        lines += [f"    {_mark(c)} {c.text}" + (f"  ({c.because})" if c.because else "")
                  for c in slot.conditions] or ["    (no conditions)"]
    if slot.others:
        lines.append("    why not:")
    for other in slot.others:
        head = f"      {other.rule.id} ({other.sets}, priority {other.priority}): "
        if other.failed is not None:
            because = f"  ({other.failed.because})" if other.failed.because else ""
            lines.append(head + f"{FAIL} {other.failed.text}{because}")
        else:
            lines.append(head + {"tied": "matched, tied with another rule of the same priority",
                                 "lower priority": "matched, but a higher priority rule decided",
                                 "same outcome": "matched, same outcome"}[other.why_not])
    return lines


def _mark(condition: ConditionValue) -> str:
    return PASS if condition.passed else FAIL


def to_json(explanation: PartyExplanation, params: Sequence[ParamValue] = ()) -> dict:
    d = explanation.decision
    return {
        "interaction": explanation.interaction,
        "party": explanation.party,
        "kind": explanation.kind,
        "resource": explanation.resource,
        "resource_role": d.resource_role,
        "role_reason": d.role_reason,
        "technical_result": d.technical_result,
        "result_reason": d.result_reason,
        "record": d.record,
        "incomplete": d.incomplete,
        "slots": [_slot_json(slot) for slot in explanation.slots],
        "facts": [{"name": f.name, "value": f.value, "definition": f.definition,
                   "parts": [attrs.asdict(part) for part in f.parts]} for f in explanation.facts],
        "parameters": [attrs.asdict(param) for param in params],
        "problems": [problem.to_json() for problem in d.problems],
    }


def _slot_json(slot: SlotExplanation) -> dict:
    return {
        "slot": slot.slot,
        "value": slot.value,
        "rule": _ref_json(slot.rule),
        "priority": slot.priority,
        "conditions": [attrs.asdict(c) for c in slot.conditions],
        "others": [{"rule": _ref_json(o.rule), "priority": o.priority, "sets": o.sets,
                    "why_not": o.why_not, "failed": attrs.asdict(o.failed) if o.failed else None}
                   for o in slot.others],
    }


def _ref_json(ref: RuleRef | None) -> dict | None:
    return None if ref is None else {"id": ref.id, "at": ref.at}


def render_json(explanation: PartyExplanation, params: Sequence[ParamValue] = ()) -> str:
    """One JSON object on one line, keys in a fixed order."""
    return orjson.dumps(to_json(explanation, params)).decode()
