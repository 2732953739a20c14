"""Evaluation: priorities per slot, ties, patterns and durations at run time, order independence."""

from __future__ import annotations

import os
import random
from importlib.resources import files
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.decide.decision import Decision
from rulesengine.decide.ruleset import default_layer, load_layers, load_rules
from rulesengine.language import compile as compiling
from rulesengine.language import patterns
from rulesengine.language.overlap import MAX_RIVALS
from rulesengine.language.parse import parse
from rulesengine.language.syntax import show_fact, show_rule
from rulesengine.runtime.pipeline import model_of
from tests.interactions import Script, assembled, interactions

from .conftest import decisions

DEFAULTS = load_rules()
FACTS = {"facts.rules": files("rulesengine.rules").joinpath("facts.rules").read_text(encoding="utf-8")}
VOCABULARY = ("vocabulary role: RoutedTo, Puller\nvocabulary role_reason: Unspecified\n"
              "vocabulary result: Completed, Abandoned\nvocabulary result_reason: Unspecified, Revoked\n")


def _agent(*, visibility: str | None = "conference", intent: str = "route") -> Script:
    chat = Script()
    if intent == "pull":
        return chat.enter("q1").invite("a1", "q1", "pull", visibility=visibility).accept("a1").leave("a1").end()
    return chat.routed("a1", visibility=visibility).accept("a1").leave("a1").end()


def test_highest_priority_wins_each_slot_separately(load):
    loaded = load(FACTS, VOCABULARY + '''
rule a "d" for agent set role RoutedTo, result Completed
rule b "d" for agent when origin == route set result Abandoned reason Revoked priority 5
rule c "d" for agent when origin == pull set role Puller priority 5
''')
    decision = decisions(loaded.decider, _agent())["a1"]
    assert (decision.resource_role, decision.technical_result, decision.result_reason) == (
        "RoutedTo", "Abandoned", "Revoked")
    assert [r.id for r in decision.rules] == ["a", "b"]
    assert decision.rules[1].path == "layer1.rules" and decision.rules[1].line == 7
    pulled = decisions(loaded.decider, _agent(intent="pull"))["a1"]
    assert (pulled.resource_role, pulled.technical_result) == ("Puller", "Completed")
    assert [r.id for r in pulled.rules] == ["c", "a"]


def test_a_tie_at_run_time_leaves_the_slot_unspecified_with_a_problem(load):
    loaded = load(FACTS, VOCABULARY + '''
rule a "d" for agent when visibility == coach set result Completed
rule b "d" for agent when origin == route set result Abandoned
rule r "d" for agent set role RoutedTo
''')
    assert loaded.diagnostics == ()  # loading suspects no tie aloud: the run finds the real one
    decision = decisions(loaded.decider, _agent(visibility="coach"))["a1"]
    assert decision.technical_result == "Unspecified" and decision.incomplete
    assert decision.resource_role == "RoutedTo"
    (problem,) = decision.problems
    assert problem.code == "R310"
    assert "'a' and 'b'" in problem.message and "layer1.rules:6" in problem.hint
    assert [r.id for r in decision.rules] == ["r"]
    assert decisions(loaded.decider, _agent())["a1"].technical_result == "Abandoned"


def test_no_rule_at_all(load):
    loaded = load(VOCABULARY)
    decision = decisions(loaded.decider, _agent())["a1"]
    assert decision.rules == () and decision.incomplete
    assert decision.resource_role == decision.technical_result == decision.record == "Unspecified"


def test_patterns_with_attributes_and_repetition(load):
    loaded = load(VOCABULARY + '''
rule timeout "d" for agent match invited revoked(reason: timeout) set result Abandoned reason Revoked
rule any "d" for agent match invited _* set result Completed priority -1
''')

    def result(script: Script):
        decision = decisions(loaded.decider, script)
        return decision["a1"].technical_result, decision["a1"].result_reason, decision["q1"].technical_result

    assert result(Script().routed().revoke("a1", "timeout").end()) == ("Abandoned", "Revoked", "Unspecified")
    assert result(Script().routed().revoke("a1", "cancelled").end()) == ("Completed", "Unspecified", "Unspecified")
    for _ in range(2):  # the same answers the second time, from the cached automaton
        assert result(Script().routed().accept("a1").hold("a1").end()) == ("Completed", "Unspecified",
                                                                            "Unspecified")


@pytest.mark.parametrize("bound", [None, 1])
def test_a_pattern_on_step_names_answers_each_sequence_once_within_its_bound(load, bound):
    rules = VOCABULARY + '''
rule held "d" for agent match invited accepted (held retrieved)+ left? set result Abandoned
rule any "d" for agent match invited _* set result Completed priority -1
'''
    scripts = {
        "held once": (Script().routed().accept("a1").hold("a1").retrieve("a1").leave("a1").end(), "Abandoned"),
        "held twice": (Script().routed().accept("a1").hold("a1").retrieve("a1").hold("a1").retrieve("a1").end(),
                       "Abandoned"),
        "never held": (Script().routed().accept("a1").leave("a1").end(), "Completed"),
        "still held": (Script().routed().accept("a1").hold("a1").end(), "Completed"),
    }
    walked = []
    walk = patterns.Matcher.__call__

    def counted(matcher, events):
        walked.append(len(events))
        return walk(matcher, events)

    with patch.object(patterns.Matcher, "__call__", counted), \
            patch.object(patterns, "MAX_MOVES", bound or patterns.MAX_MOVES):
        loaded = load(rules)
        rounds = []
        for _ in range(2):
            for name, (script, expected) in scripts.items():
                assert decisions(loaded.decider, script)["a1"].technical_result == expected, name
            rounds.append(len(walked))
    if bound is None:  # each sequence's answer remembered: the second round walks nothing
        assert rounds[1] == rounds[0] > 0
    else:  # one sequence remembered at most: each answer forgotten and walked again
        assert rounds[1] == 2 * rounds[0]


@pytest.mark.parametrize(("condition", "empty", "full"), [
    ("some(x in brought_in: x.kind == agent)", False, True),
    ("all(x in brought_in: x.kind == agent)", True, True),
    ("no(x in brought_in: x.kind == agent)", True, False),
    ("all(x in brought_in: x.kind == queue)", True, False),
])
def test_quantifiers_over_an_empty_and_a_full_list(load, condition, empty, full):
    loaded = load(VOCABULARY + f'''
rule yes "d" for strategy when {condition} set result Completed
rule other "d" for strategy set result Abandoned priority -1
''')
    decided = decisions(loaded.decider, Script().enter("q1").enter("s1", "q1").leave("q1").leave("s1").end())
    assert (decided["s1"].technical_result == "Completed") is empty
    decided = decisions(loaded.decider, Script().routed().accept("a1").leave("a1").end())
    assert (decided["s1"].technical_result == "Completed") is full


ANSWERS = [(), (True,), (False,), (True, False), (False, True), (True, True), (False, False, True), (True,) * 3]


@pytest.mark.parametrize(("condition", "expected"), [
    ("some(x in brought_in: x.accepted)", any),
    ("all(x in brought_in: x.accepted)", all),
    ("no(x in brought_in: x.accepted)", lambda answers: not any(answers)),
    ("some(x in brought_in: all(y in brought_in: y.accepted) and x.accepted)",
     lambda answers: all(answers) and any(answers)),
    ("count(x in brought_in: x.accepted) == 1", lambda answers: sum(answers) == 1),
    ("count(x in brought_in: x.accepted) == 2", lambda answers: sum(answers) == 2),
    ("count(x in brought_in: x.accepted) == 0", lambda answers: sum(answers) == 0),
])
def test_quantifiers_and_counts_over_lists_of_any_length(load, condition, expected):
    """None, one or several parties brought in, each accepting or not: a list of one is tested
    on its one item without a loop, the others with one, and each gives what Python's own
    `any`, `all` and `sum` give."""
    loaded = load(VOCABULARY + f'''
rule yes "d" for strategy when {condition} set result Completed
rule other "d" for strategy set result Abandoned priority -1
''')
    for answers in ANSWERS:
        chat = Script().enter("q1").enter("s1", "q1").leave("q1")
        for number, _ in enumerate(answers):
            chat.invite(f"a{number}", "s1")
        for number, accepted in enumerate(answers):
            if accepted:
                chat.accept(f"a{number}")
            else:
                chat.reject(f"a{number}")
        chat.leave("s1")
        for number, accepted in enumerate(answers):
            if accepted:
                chat.leave(f"a{number}")
        decided = decisions(loaded.decider, chat.end())
        assert (decided["s1"].technical_result == "Completed") is expected(answers), answers


def _in(moment, phase) -> bool:
    return moment is not None and any(start.seq < moment.seq <= end.seq for start, end in phase)


def _ordered(first, second) -> bool:
    return first is not None and second is not None and first.seq < second.seq


AGENT_STORIES = {
    "accepted, left": Script().routed().accept("a1").leave("a1").customer_leaves().end(),
    "rejected": Script().routed().reject("a1").customer_leaves().end(),
    "held, customer gone": Script().routed().accept("a1").hold("a1").customer_leaves().retrieve("a1")
    .leave("a1").end(),
    "ringing, customer gone": Script().routed().customer_leaves().revoke("a1").end(),
    "accepted, still there": Script().routed().accept("a1").end(),
    "customer gone first": Script().enter("q1").customer_leaves().invite("a1", "q1", "pull").accept("a1")
    .leave("a1").end(),
}


@pytest.mark.parametrize(("condition", "expected"), [
    ("accepted before left", lambda p, m: _ordered(p.accepted, p.left)),
    ("left after accepted", lambda p, m: _ordered(p.accepted, p.left)),
    ("left after customer_left", lambda p, m: _ordered(m.customer_left, p.left)),
    ("accepted before end", lambda p, m: _ordered(p.accepted, p.end)),
    ("invited before customer_left", lambda p, m: _ordered(p.invited, m.customer_left)),
    ("customer_left during alerting", lambda p, m: _in(m.customer_left, p.alerting)),
    ("customer_left during on_hold", lambda p, m: _in(m.customer_left, p.on_hold)),
    ("customer_left during connected", lambda p, m: _in(m.customer_left, p.connected)),
])
def test_moments_in_order_and_in_phases_whether_they_happened_or_not(load, condition, expected):
    """`before`, `after` and `during`, on moments that may never have happened (none is before
    or after anything, nor during any phase) and on phases that may be empty."""
    loaded = load(VOCABULARY + f'''
rule yes "d" for agent when {condition} set result Completed
rule other "d" for agent set result Abandoned priority -1
''')
    outcomes = set()
    for story, chat in AGENT_STORIES.items():
        model = chat.model()
        agent = model.party("i1.a1")
        outcome = expected(agent, model)
        outcomes.add(outcome)
        assert (decisions(loaded.decider, chat)["a1"].technical_result == "Completed") is outcome, story
    assert outcomes == {True, False}


def test_duration_comparisons_with_params_and_none(load):
    loaded = load(VOCABULARY + '''
param quick: duration = 10s "quick"
rule slow "d" for agent when alert >= quick set result Abandoned
rule fast "d" for agent when alert < quick set result Completed
''', settings={"quick": "2500ms"})

    def result(wait: float | None) -> str:
        chat = Script().routed()  # the strategy leaves a second after inviting
        if wait is not None:
            chat.wait(wait - 2).accept("a1")
        model = chat.model(provisional=True)
        (agent,) = [p for p in model.parties if p.kind == "agent"]
        if wait is None:
            agent.alert_ms = None  # as for a party never invited: no alert at all
        return loaded.decider.decide(model)[agent.index].technical_result

    assert result(2.5) == "Abandoned"
    assert result(2.499) == "Completed"
    assert result(None) == "Unspecified"


def _shuffled_layers(seed: int) -> dict[str, str]:
    """The default rules and facts, shuffled and spread over three files in random order."""
    rng = random.Random(seed)
    items = [show_rule(rule) for rule in DEFAULTS.rules] + [show_fact(f.decl) for f in DEFAULTS.facts.values()]
    rng.shuffle(items)
    spread: dict[str, list[str]] = {}
    for text in items:
        spread.setdefault(f"{rng.choice('abc')}.rules", []).append(text)
    return {name: "\n\n".join(texts) for name, texts in spread.items()}


def _vocabularies() -> list[tuple[str, str]]:
    """The default vocabularies, the facts' included, without the facts and rules."""
    declared = []
    for path, text in default_layer():
        tree, _ = parse(text, path)
        declared += [f"vocabulary {decl.slot.text}: {', '.join(value.text for value in decl.values)}"
                     for decl in tree.vocabularies]
    return [("values.rules", "\n".join(declared))]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.lists(interactions(), min_size=3, max_size=3))
def test_rule_order_and_file_order_never_change_decisions(seed, sample):
    shuffled = load_layers([_vocabularies(), sorted(_shuffled_layers(seed).items())], {})
    assert shuffled.errors == ()
    for events in sample:
        model = model_of(assembled(events))
        for mine, theirs in zip(shuffled.decider.decide(model), DEFAULTS.decider.decide(model), strict=True):
            assert (mine.resource_role, mine.role_reason, mine.technical_result, mine.result_reason,
                    mine.record) == (theirs.resource_role, theirs.role_reason, theirs.technical_result,
                                     theirs.result_reason, theirs.record)
            assert [r.id for r in mine.rules] == [r.id for r in theirs.rules]


SITE_TIES = '''
rule site.short  "Engaged briefly"  for agent  match invited accepted left?  when engage < 90s
  set result Abandoned reason Revoked
rule site.coached  "Coached agents pull"  for agent  when visibility == coach  set role Puller
'''
WITH_TIES = load_layers([default_layer(), [("site.rules", SITE_TIES)]], {})
#: a layer where most rules may tie with more than `MAX_RIVALS` others: crowded winners scan
_RESULTS = ("Completed", "Abandoned reason Revoked", "Redirected reason Rejected", "Transferred")
SITE_CROWD = "\n".join(
    f'rule site.c{n:02d}  "many"  for agent  when {condition}  set result {_RESULTS[n % 4]}'
    for n, condition in enumerate([*(f"alert > {n}s" for n in range(40)),
                                   *(f'resource == "Agent_a{n % 3}"' for n in range(12)),
                                   *(f"engage < {n}m" for n in range(1, 30))]))
CROWDED = load_layers([default_layer(), [("site.rules", SITE_CROWD)]], {})

#: a run of rules that each name one agent (and one that names two, and one agent named twice
#: with another result): the picker looks the run up by the party's resource
SITE_KEYS = "extend vocabulary result_reason: SiteAgent\n" + "".join(
    f'rule site.agent_{number} "Agent a{number} by name" for agent  when resource == "Agent_a{number}"\n'
    f"  set result Completed reason SiteAgent priority 20\n" for number in range(1, 6)) + '''
rule site.pair  "Agents a6 and a7"  for agent  when resource in ("Agent_a6", "Agent_a7")
  set result Completed reason SiteAgent priority 20
rule site.agent_2_again  "Agent a2, said twice"  for agent  when resource == "Agent_a2"
  set result Abandoned priority 20
'''
with (patch.dict(os.environ, {"RULESENGINE_NO_CACHE": "1"}),  # compiled here, not read back
      patch.object(compiling, "_lookup", wraps=compiling._lookup) as _looked_up):
    WITH_KEYS = load_layers([default_layer(), [("site.rules", SITE_KEYS)]], {})
KEYED_LOOKUPS = _looked_up.call_count


def exhaustive_pick(candidates, slot, party, model):
    """The reference: test every candidate, then look for a disagreeing equal among the matches."""
    matching = [rule for rule in candidates if all(c.test(party, model) for c in rule.conditions)]
    if not matching:
        return None, None
    winner = matching[0]
    for rule in matching[1:]:
        if rule.priority < winner.priority:
            break
        if rule.outcomes[slot] != winner.outcomes[slot]:
            return None, (winner, rule)
    return winner, None


@pytest.mark.parametrize("loaded", [WITH_TIES, CROWDED, WITH_KEYS], ids=["ties", "crowded", "keyed"])
@settings(max_examples=300, deadline=None)
@given(events=interactions())
def test_testing_only_rivals_decides_as_testing_every_rule(loaded, events):
    """The compiled pickers test rules one by one and then only the winner's rivals, or, for
    a crowded winner, every later rule of its priority: the overlap analysis proved the
    other pairs exclusive, so skipping them never hides a tie. A run of rules keyed on one
    value is looked up by the party's value, ties included."""
    assert loaded.diagnostics == () and any(rule.rivals for rule in loaded.decider.rules)
    decider = loaded.decider
    model = model_of(assembled(events))
    decider.facts(model)
    for party in model.parties:
        for slot in ("role", "result", "record"):
            candidates = decider.candidates(party.kind, slot)
            assert decider.pick(party, model, slot) == exhaustive_pick(candidates, slot, party, model)


def test_a_crowded_layer_is_crowded_and_lists_its_rivals_up_to_the_limit():
    crowded = [(rule.id, slot) for rule in CROWDED.decider.rules for slot in rule.crowded]
    assert ("agent.completed", "result") in crowded and ("site.c00", "result") in crowded
    assert all(len(rule.rivals.get("result", ())) <= 2 * MAX_RIVALS for rule in CROWDED.decider.rules)
    [c00] = [rule for rule in CROWDED.decider.rules if rule.id == "site.c00"]
    assert {"site.c01", "site.c02", "site.c03"} <= c00.rivals["result"]
    assert CROWDED.diagnostics == ()  # a cost of the run, not a finding about the rules


def test_rules_that_pin_a_resource_to_different_values_never_tie():
    pinned = "\n".join(f'rule site.p{n}  "pinned"  for agent  when resource == "Agent_{n}"  '
                        f'set result {_RESULTS[n % 2]}  priority 5' for n in range(200))
    loaded = load_layers([default_layer(), [("site.rules", pinned)]], {})
    assert loaded.diagnostics == () and all(not rule.rivals for rule in loaded.decider.rules if rule.priority == 5)


def test_a_run_of_rules_keyed_on_the_resource_is_looked_up():
    assert KEYED_LOOKUPS == 1

    def decided(agent: str) -> Decision:
        return decisions(WITH_KEYS.decider, Script().routed(agent).accept(agent).leave(agent).end())[agent]

    assert (decided("a1").technical_result, decided("a1").result_reason) == ("Completed", "SiteAgent")
    assert [rule.id for rule in decided("a7").rules if rule.id.startswith("site.")] == ["site.pair"]
    tied = decided("a2")
    assert tied.technical_result == "Unspecified" and [problem.code for problem in tied.problems] == ["R310"]
    assert "'site.agent_2' and 'site.agent_2_again'" in tied.problems[0].message
    assert not any(rule.id.startswith("site.") for rule in decided("a8").rules)


def test_rivals_are_the_pairs_check_could_not_separate():
    rivals = {rule.id: rule.rivals for rule in WITH_TIES.decider.rules}
    assert rivals["site.short"]["result"] == {"agent.completed"}
    assert rivals["site.coached"]["role"] == {"agent.routed_to", "agent.received_transfer", "agent.received_consult"}
    assert rivals["agent.completed"]["result"] == {"site.short"}
    assert rivals["agent.redirected_revoked"].get("result", frozenset()) == frozenset()
