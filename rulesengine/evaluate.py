"""Deciding one party: for each slot, the strongest matching rule of its kind wins.

Role and result are decided separately. For each kind and slot the rules that set
that slot are kept sorted by priority (highest first, then id), so a decision
tests rules until one matches and then only those of the same priority that
`check` could not prove exclusive with it (its rivals), all in one compiled `if`
chain per kind and slot (`compile.compile_picker`). A rival that matches too is a
tie: the slot stays Unspecified and the decision carries an R310 problem naming both
rules. Decisions without problems are shared between
parties decided by the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from rulesengine.check import show_outcome
from rulesengine.compile import CompiledRule, Pick, compile_picker
from rulesengine.decision import UNSPECIFIED, Decision
from rulesengine.diagnostics import Diagnostic, error
from rulesengine.events import KINDS
from rulesengine.facts import PartyFacts

_UNDECIDED = (UNSPECIFIED, UNSPECIFIED)


class CompiledRules:
    """The compiled rule set: implements `rulesengine.decision.Evaluator`."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self.rules: tuple[CompiledRule, ...] = tuple(sorted(rules, key=lambda r: r.id))
        self._candidates = {(kind, slot): self._strongest_first(kind, slot)
                            for kind in KINDS for slot in ("role", "result")}
        self._role = {kind: compile_picker(self._candidates[kind, "role"], "role") for kind in KINDS}
        self._result = {kind: compile_picker(self._candidates[kind, "result"], "result") for kind in KINDS}
        self._decisions: dict[tuple, Decision] = {}

    def _strongest_first(self, kind: str, slot: str) -> tuple[CompiledRule, ...]:
        chosen = [r for r in self.rules if kind in r.kinds and getattr(r, slot) is not None]
        return tuple(sorted(chosen, key=lambda r: (-r.priority, r.id)))

    def rules_for(self, kind: str) -> tuple[CompiledRule, ...]:
        """Every rule about this kind of party, by id."""
        return tuple(r for r in self.rules if kind in r.kinds)

    def candidates(self, kind: str, slot: str) -> tuple[CompiledRule, ...]:
        """The rules that may decide `slot` for this kind, strongest first."""
        return self._candidates.get((kind, slot), ())

    def pick(self, facts: PartyFacts, slot: str) -> Pick:
        """The rule that decides `slot` for this party, or (None, the two tied rules)."""
        return (self._role if slot == "role" else self._result).get(facts.kind, _nobody)(facts)

    def decide(self, facts: PartyFacts) -> Decision:
        role_rule, role_tie = self._role.get(facts.kind, _nobody)(facts)
        result_rule, result_tie = self._result.get(facts.kind, _nobody)(facts)
        if role_tie is None and result_tie is None:
            key = (id(role_rule), id(result_rule))  # the rules live as long as self.rules
            decision = self._decisions.get(key)
            if decision is None:
                decision = self._decisions[key] = _decision(role_rule, result_rule, ())
            return decision
        problems = [_tie_problem(facts, slot, tie) for slot, tie in
                    (("role", role_tie), ("result", result_tie)) if tie is not None]
        return _decision(role_rule, result_rule, problems)


def _nobody(facts: PartyFacts) -> Pick:
    """The picker for a kind outside the contract's (no rule can be about it)."""
    return None, None


def _decision(role_rule: CompiledRule | None, result_rule: CompiledRule | None,
              problems: Sequence[Diagnostic]) -> Decision:
    role, role_reason = role_rule.role if role_rule else _UNDECIDED
    result, result_reason = result_rule.result if result_rule else _UNDECIDED
    refs = tuple(dict.fromkeys(r.ref for r in (role_rule, result_rule) if r is not None))
    return Decision(role, role_reason, result, result_reason, rules=refs,
                    incomplete=role_rule is None or result_rule is None, problems=problems)


def _tie_problem(facts: PartyFacts, slot: str, tie: tuple[CompiledRule, CompiledRule]) -> Diagnostic:
    first, second = tie
    return error(
        "R310",
        f"rules '{first.id}' and '{second.id}' both match party '{facts.party}' of interaction "
        f"'{facts.interaction}' at priority {first.priority} and set its {slot} differently "
        f"({show_outcome(getattr(first, slot))} vs {show_outcome(getattr(second, slot))}); {slot} left Unspecified",
        hint=f"see {first.ref.at} and {second.ref.at}: make them exclusive or give one a higher priority",
    )

