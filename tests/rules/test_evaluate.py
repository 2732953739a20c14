"""Evaluation: priorities per slot, ties, patterns at run time, and order independence."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.ast import show_rule
from rulesengine.ruleset import default_layer, load_layers, load_rules

from .conftest import build_party as party
from .test_default_rules import AGENT_STEPS, parties

DEFAULTS = load_rules()
VOCABULARY = ("vocabulary role: RoutedTo, Puller\nvocabulary role_reason: Unspecified\n"
              "vocabulary result: Completed, Abandoned\nvocabulary result_reason: Unspecified, Revoked\n")


def test_highest_priority_wins_each_slot_separately(load):
    loaded = load(VOCABULARY + '''
rule a "d" for agent set role RoutedTo, result Completed
rule b "d" for agent when origin == route set result Abandoned reason Revoked priority 5
rule c "d" for agent when origin == pull set role Puller priority 5
''')
    decision = loaded.evaluator.decide(party())
    assert (decision.resource_role, decision.technical_result, decision.result_reason) == (
        "RoutedTo", "Abandoned", "Revoked")
    assert [r.id for r in decision.rules] == ["a", "b"]
    assert decision.rules[1].path == "layer0.rules" and decision.rules[1].line == 7
    pulled = loaded.evaluator.decide(party(origin="pull"))
    assert (pulled.resource_role, pulled.technical_result) == ("Puller", "Completed")
    assert [r.id for r in pulled.rules] == ["c", "a"]


def test_a_tie_at_run_time_leaves_the_slot_unspecified_with_a_problem(load):
    loaded = load(VOCABULARY + '''
rule a "d" for agent when visibility == coach set result Completed
rule b "d" for agent when origin == route set result Abandoned
rule r "d" for agent set role RoutedTo
''')
    assert [d.code for d in loaded.diagnostics] == ["R301"]
    decision = loaded.evaluator.decide(party(visibility="coach"))
    assert decision.technical_result == "Unspecified" and decision.incomplete
    assert decision.resource_role == "RoutedTo"
    (problem,) = decision.problems
    assert problem.code == "R310"
    assert "'a' and 'b'" in problem.message and "layer0.rules:6" in problem.hint
    assert [r.id for r in decision.rules] == ["r"]
    assert not loaded.evaluator.decide(party()).incomplete


def test_no_rule_at_all(load):
    loaded = load(VOCABULARY)
    decision = loaded.evaluator.decide(party())
    assert decision.rules == () and decision.incomplete
    assert decision.resource_role == decision.technical_result == "Unspecified"


def test_patterns_with_attributes_and_repetition(load):
    loaded = load(VOCABULARY + '''
rule timeout "d" for agent match invited revoked(reason: timeout) set result Abandoned reason Revoked
rule any "d" for agent match invited _* set result Completed priority -1
''')
    decide = loaded.evaluator.decide
    assert decide(party(steps=("invited", ("revoked", {"reason": "timeout"})))).result_reason == "Revoked"
    assert decide(party(steps=("invited", ("revoked", {"reason": "cancelled"})))).technical_result == "Completed"
    assert decide(party(steps=("entered",))).technical_result == "Unspecified"
    for steps in AGENT_STEPS:  # the same answers the second time, from the cached automaton
        assert decide(party(steps=steps)) == decide(party(steps=steps))


def test_duration_comparisons_with_params_and_none(load):
    loaded = load(VOCABULARY + '''
param quick: duration = 10s "quick"
rule slow "d" for agent when alert >= quick set result Abandoned
rule fast "d" for agent when alert < quick set result Completed
''', settings={"quick": "2500ms"})
    decide = loaded.evaluator.decide
    assert decide(party(alert_ms=2_500)).technical_result == "Abandoned"
    assert decide(party(alert_ms=2_499)).technical_result == "Completed"
    assert decide(party(alert_ms=None)).technical_result == "Unspecified"


def _shuffled_layers(seed: int) -> dict[str, str]:
    """The default rules, shuffled and spread over three files in random order."""
    rng = random.Random(seed)
    rules = [show_rule(rule) for rule in DEFAULTS.rules]
    rng.shuffle(rules)
    files: dict[str, list[str]] = {}
    for text in rules:
        files.setdefault(f"{rng.choice('abc')}.rules", []).append(text)
    return {name: "\n\n".join(texts) for name, texts in files.items()}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.lists(parties(), min_size=5, max_size=5))
def test_rule_order_and_file_order_never_change_decisions(seed, sample):
    vocabulary = [(path, text) for path, text in default_layer() if path.endswith("vocabulary.rules")]
    files = {**_shuffled_layers(seed), "p.rules": 'param delivering_timeout: duration = 30s "t"'}
    shuffled = load_layers([vocabulary, sorted(files.items())], {})
    assert shuffled.errors == ()
    for facts in sample:
        mine, theirs = shuffled.evaluator.decide(facts), DEFAULTS.evaluator.decide(facts)
        assert (mine.resource_role, mine.role_reason, mine.technical_result, mine.result_reason) == (
            theirs.resource_role, theirs.role_reason, theirs.technical_result, theirs.result_reason)
        assert [r.id for r in mine.rules] == [r.id for r in theirs.rules]


SITE_TIES = '''
rule site.short  "Engaged briefly"  for agent  match invited accepted left?  when engage < 90s
  set result Abandoned reason Revoked
rule site.coached  "Coached agents pull"  for agent  when visibility == coach  set role Puller
'''
WITH_TIES = load_layers([default_layer(), [("site.rules", SITE_TIES)]], {})


def exhaustive_pick(candidates, slot, facts):
    """The reference: test every candidate, then look for a disagreeing equal among the matches."""
    matching = [rule for rule in candidates if rule.test(facts)]
    if not matching:
        return None, None
    winner = matching[0]
    for rule in matching[1:]:
        if rule.priority < winner.priority:
            break
        if getattr(rule, slot) != getattr(winner, slot):
            return None, (winner, rule)
    return winner, None


@settings(max_examples=400, deadline=None)
@given(parties())
def test_testing_only_rivals_decides_as_testing_every_rule(facts):
    """The compiled pickers test rules one by one and then only the winner's rivals:
    `check` proved the other pairs exclusive, so skipping them never hides a tie."""
    assert {d.code for d in WITH_TIES.diagnostics} == {"R301"}
    evaluator = WITH_TIES.evaluator
    for slot in ("role", "result"):
        candidates = evaluator.candidates(facts.kind, slot)
        assert evaluator.pick(facts, slot) == exhaustive_pick(candidates, slot, facts)


def test_rivals_are_the_pairs_check_could_not_separate():
    rivals = {rule.id: rule.rivals for rule in WITH_TIES.evaluator.rules}
    assert rivals["site.short"]["result"] == {"agent.completed"}
    assert rivals["site.coached"]["role"] == {"agent.routed_to", "agent.received_transfer", "agent.received_consult"}
    assert rivals["agent.completed"]["result"] == {"site.short"}
    assert rivals["agent.redirected_revoked"]["result"] == frozenset()
