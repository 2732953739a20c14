"""Deciding an interaction: facts first, then for each party and slot the strongest rule.

Role, result and record are decided separately. For each kind and slot the rules that
set it are kept sorted by priority (highest first, then id), and one compiled `if`
chain tests them until one matches, then only the rivals the overlap analysis could
not prove exclusive with it (`compile.compile_picker`). The three chains of a kind are
one function (`compile.compile_chooser`), so an expression several rules test is worked
out once per party. A rival that matches too is a tie: the slot stays Unspecified and
the decision carries an R310 problem naming both rules. Decisions without problems are
shared between parties decided by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from rulesengine.decide.decision import UNSPECIFIED, Decision
from rulesengine.diagnostics import Diagnostic, error
from rulesengine.language import ir
from rulesengine.language.compile import (
    Chooser,
    CompiledProgram,
    CompiledRule,
    Pick,
    Picker,
    Test,
    compile_chooser,
    compile_picker,
)
from rulesengine.language.overlap import show_outcome
from rulesengine.language.vocabulary import OUTCOME_SLOTS
from rulesengine.model.interaction import InteractionModel, Party
from rulesengine.model.primitives import KINDS

_UNDECIDED = (UNSPECIFIED, UNSPECIFIED)


def _nobody(party: Party, model: InteractionModel) -> Pick:
    """The picker for a kind or slot no rule is about."""
    return None, None


class Decider:
    """A compiled rule set at work: decides every party of an interaction.

    `sharing=False` works every expression out wherever a rule tests it, as rules did before
    they shared: what the tests and the benchmark compare the sharing with."""

    def __init__(self, program: CompiledProgram, *, sharing: bool = True) -> None:
        self.rules = program.rules
        #: works out the facts the rules read, on every party of an interaction
        self.facts = program.facts
        self._all_facts = program.all_facts
        self._every_fact: Callable[[InteractionModel], None] | None = None
        #: the facts in effect, checked, by name
        self.definitions = program.definitions
        #: the parameters, with the values the rules were compiled with
        self.params = program.params
        translator = self._translator = program.translator
        self._functions: dict[tuple[int, tuple[str, ...]], Test] = {}
        self._candidates = {(kind, slot): self._strongest_first(kind, slot)
                            for kind in KINDS for slot in OUTCOME_SLOTS}
        self._choosers: dict[str, Chooser] = {  # (role, result, record) picks
            kind: compile_chooser({slot: self._candidates[kind, slot] for slot in OUTCOME_SLOTS}, translator,
                                  sharing=sharing)
            for kind in KINDS}
        self._sharing = sharing
        #: one slot's picker, for explain and coverage, compiled on first use
        self._pickers: dict[tuple[str, str], Picker] = {}
        self._decisions: dict[tuple[int, int, int], Decision] = {}
        self._matching: dict[str, Callable[[Party, InteractionModel], tuple[bool, ...]]] = {}

    def _strongest_first(self, kind: str, slot: str) -> tuple[CompiledRule, ...]:
        chosen = [r for r in self.rules if kind in r.kinds and r.sets(slot) is not None]
        return tuple(sorted(chosen, key=lambda r: (-r.priority, r.id)))

    def all_facts(self, model: InteractionModel) -> None:
        """Works out every fact on every party (explain shows them all), compiled on first use."""
        if self._every_fact is None:
            self._every_fact = self._all_facts()
        self._every_fact(model)

    def function(self, node: ir.Expr, bound: tuple[str, ...] = ()) -> Callable:
        """`node` as a function of a party, its interaction and the parties `bound` names
        (`v_NAME`), compiled on first use: explain evaluates the parts of conditions and facts."""
        key = (id(node), bound)
        function = self._functions.get(key)
        if function is None:
            source = self._translator.value(node, {name[2:]: name for name in bound})
            function = self._functions[key] = self._translator.function(source, bound)
        return function

    def rules_for(self, kind: str) -> tuple[CompiledRule, ...]:
        """Every rule about this kind of party, by id."""
        return tuple(r for r in self.rules if kind in r.kinds)

    def matching(self, kind: str) -> Callable[[Party, InteractionModel], tuple[bool, ...]]:
        """One function telling whether each rule of `rules_for(kind)` matches a party of that
        kind, every rule and not only the winner: coverage and the bounded analysis of `check`
        need all the rules that match. The facts must be worked out already."""
        matching = self._matching.get(kind)
        if matching is None:
            matching = self._matching[kind] = cast(
                Callable[[Party, InteractionModel], tuple[bool, ...]], self._translator.function(
                    "(" + "".join(f"bool({rule.source}), " for rule in self.rules_for(kind)) + ")"))
        return matching

    def candidates(self, kind: str, slot: str) -> tuple[CompiledRule, ...]:
        """The rules that may decide `slot` for this kind, strongest first."""
        return self._candidates.get((kind, slot), ())

    def pick(self, party: Party, model: InteractionModel, slot: str) -> Pick:
        """The rule that decides `slot` for this party, or (None, the two tied rules);
        the facts of the interaction must be worked out already."""
        key = (party.kind, slot)
        picker = self._pickers.get(key)
        if picker is None:
            candidates = self._candidates.get(key)
            picker = self._pickers[key] = (compile_picker(candidates, slot, self._translator, sharing=self._sharing)
                                           if candidates else _nobody)
        return picker(party, model)

    def decide(self, model: InteractionModel) -> list[Decision]:
        """One decision per party of the interaction, in the order of `model.parties`."""
        self.facts(model)
        decisions = []
        known, choosers = self._decisions, self._choosers
        for party in model.parties:
            choose = choosers.get(party.kind)
            if choose is None:
                decisions.append(_decision(None, None, None, ()))
                continue
            (role, role_tie), (result, result_tie), (record, record_tie) = choose(party, model)
            if role_tie is None and result_tie is None and record_tie is None:
                key = (id(role), id(result), id(record))  # the rules live as long as self.rules
                decision = known.get(key)
                if decision is None:
                    decision = known[key] = _decision(role, result, record, ())
                decisions.append(decision)
                continue
            problems = tuple(_tie_problem(model, party, slot, tie) for slot, tie in
                             (("role", role_tie), ("result", result_tie), ("record", record_tie)) if tie is not None)
            decisions.append(_decision(role, result, record, problems))
        return decisions


def _decision(role_rule: CompiledRule | None, result_rule: CompiledRule | None,
              record_rule: CompiledRule | None, problems: tuple[Diagnostic, ...]) -> Decision:
    role, role_reason = role_rule.outcomes["role"] if role_rule else _UNDECIDED
    result, result_reason = result_rule.outcomes["result"] if result_rule else _UNDECIDED
    record = record_rule.outcomes["record"][0] if record_rule else UNSPECIFIED
    refs = tuple(dict.fromkeys(r.ref for r in (role_rule, result_rule, record_rule) if r is not None))
    return Decision(role, role_reason, result, result_reason, record, rules=refs,
                    incomplete=role_rule is None or result_rule is None or record_rule is None,
                    problems=problems)


def _tie_problem(model: InteractionModel, party: Party, slot: str,
                 tie: tuple[CompiledRule, CompiledRule]) -> Diagnostic:
    first, second = tie
    return error(
        "R310",
        f"rules '{first.id}' and '{second.id}' both match party '{party.id}' of interaction "
        f"'{model.id}' at priority {first.priority} and set its {slot} differently "
        f"({show_outcome(first.outcomes[slot])} vs {show_outcome(second.outcomes[slot])}); "
        f"{slot} left Unspecified",
        hint=f"see {first.ref.at} and {second.ref.at}: make them exclusive or give one a higher priority",
    )

