"""Why a party got its descriptor: the deciding rule per slot, and why the others did not.

`explain` decides the party again with the same compiled rules and records, for
each slot, the winning rule with the value of each of its conditions, and for every
other rule that sets that slot for this kind of party the first condition that
failed (or that it matched but lost on priority, or tied). Renderers give text for
people and JSON for tools; both are deterministic.
"""

from __future__ import annotations

import attrs
import orjson

from rulesengine.check import show_outcome
from rulesengine.compile import CompiledRule, Condition
from rulesengine.decision import Decision, RuleRef
from rulesengine.evaluate import CompiledRules
from rulesengine.facts import FACTS, PartyFacts

PASS, FAIL = "✓", "✗"


@attrs.frozen
class ConditionValue:
    """One condition with its value for this party and the facts behind it."""

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
    #: for "failed": the first condition that failed; otherwise empty
    failed: ConditionValue | None = None


@attrs.frozen
class SlotExplanation:
    slot: str  # "role" | "result"
    value: str  # as a descriptor writes it, e.g. "Redirected [Revoked]"
    rule: RuleRef | None
    priority: int | None
    description: str | None
    conditions: tuple[ConditionValue, ...] = attrs.field(converter=tuple)
    others: tuple[RuleOutcome, ...] = attrs.field(converter=tuple)


@attrs.frozen
class PartyExplanation:
    interaction: str
    party: str
    kind: str
    resource: str
    decision: Decision
    slots: tuple[SlotExplanation, ...] = attrs.field(converter=tuple)


def explain(compiled: CompiledRules, facts: PartyFacts) -> PartyExplanation:
    decision = compiled.decide(facts)
    slots = [_slot(compiled, facts, slot) for slot in ("role", "result")]
    return PartyExplanation(facts.interaction, facts.party, facts.kind, facts.resource, decision, slots)


def _slot(compiled: CompiledRules, facts: PartyFacts, slot: str) -> SlotExplanation:
    candidates = compiled.candidates(facts.kind, slot)
    winner, tie = compiled.pick(facts, slot)
    others = [_other(rule, slot, facts, winner, tie) for rule in candidates if rule is not winner]
    if winner is None:
        return SlotExplanation(slot, "Unspecified", None, None, None, (), others)
    return SlotExplanation(slot, show_outcome(getattr(winner, slot)), winner.ref, winner.priority,
                           winner.description, [_value(c, facts) for c in winner.conditions], others)


def _other(rule: CompiledRule, slot: str, facts: PartyFacts, winner: CompiledRule | None,
           tie: tuple[CompiledRule, CompiledRule] | None) -> RuleOutcome:
    sets = show_outcome(getattr(rule, slot))
    for condition in rule.conditions:
        value = _value(condition, facts)
        if not value.passed:
            return RuleOutcome(rule.ref, rule.priority, sets, "failed", value)
    if tie is not None and rule in tie:
        why = "tied"
    elif winner is not None and rule.priority < winner.priority:
        why = "lower priority"
    else:
        why = "same outcome"
    return RuleOutcome(rule.ref, rule.priority, sets, why)


def _value(condition: Condition, facts: PartyFacts) -> ConditionValue:
    return ConditionValue(condition.text, bool(condition.test(facts)),
                          ", ".join(_fact_text(name, facts) for name in condition.facts))


def _fact_text(name: str, facts: PartyFacts) -> str:
    if name == "steps":
        return "steps: " + (" ".join(step.step for step in facts.steps) or "none")
    value = getattr(facts, FACTS[name].attribute)
    if FACTS[name].type == "duration":
        return f"{name} is {_duration(value)}"
    if isinstance(value, bool):
        return f"{name} is {str(value).lower()}"
    return f"{name} is {value}"


def _duration(ms: int | None) -> str:
    if ms is None:
        return "none"
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


# ---- rendering -------------------------------------------------------------------------

def render_text(explanation: PartyExplanation) -> str:
    d = explanation.decision
    lines = [f"{explanation.interaction} {explanation.party} ({explanation.kind} "
             f"{explanation.resource}): {d.resource_role}/{show_outcome((d.technical_result, d.result_reason))}"]
    for slot in explanation.slots:
        lines += _slot_text(slot)
    lines += [f"  problem: {problem.headline()}" for problem in d.problems]
    return "\n".join(lines)


def _slot_text(slot: SlotExplanation) -> list[str]:
    if slot.rule is None:
        lines = [f"  {slot.slot} Unspecified: no rule decided it"]
    else:
        lines = [f"  {slot.slot} {slot.value}  by {slot.rule.id} ({slot.rule.at}), "
                 f"priority {slot.priority}",
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


def to_json(explanation: PartyExplanation) -> dict:
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
        "incomplete": d.incomplete,
        "slots": [_slot_json(slot) for slot in explanation.slots],
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


def render_json(explanation: PartyExplanation) -> str:
    """One JSON object on one line, keys in a fixed order."""
    return orjson.dumps(to_json(explanation)).decode()
