"""Expressions several rules test: worked out once per party, only when a rule that needs them is
reached, and deciding exactly as working them out at every test does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules, default_layer, load_layers, load_rules
from rulesengine.language import ir, patterns
from rulesengine.language.subexpressions import shared
from rulesengine.runtime.pipeline import decide_sources, model_of
from tests.interactions import Script, assembled, interactions
from tests.rules.test_evaluate import _RESULTS, CROWDED, FACTS, VOCABULARY, WITH_KEYS, WITH_TIES, exhaustive_pick

from .conftest import decisions

FLOWS = sorted(str(path) for path in Path(__file__).parents[1].joinpath("flows").glob("*.jsonl"))
SLOTS = ("role", "result", "record")

#: one costly expression (moment arithmetic, `_between`) and one step pattern, each tested by
#: rules of the three kinds of place: two slots' chains and the functions of a keyed lookup;
#: an agent served for ten minutes matches only `routed` and `steps_2`
SHARING = VOCABULARY + "".join(
    f'rule keyed_{number} "d" for agent when resource == "Agent_a{number}"\n'
    f"  and customer_left - accepted > {number * 20}m\n"
    f"  set result Abandoned reason Revoked priority 40\n" for number in range(1, 5)) + '''
rule role "d" for agent when customer_left - accepted > 300m set role Puller priority 5
rule routed "d" for agent set role RoutedTo
rule long "d" for agent when customer_left - accepted > 100m set result Completed priority 30
rule steps_1 "d" for agent match invited accepted _* when alert > 100m set result Completed priority 20
rule steps_2 "d" for agent match invited accepted _* set result Abandoned priority 10
'''

#: the shared expression only below a rule that decides some agents first
LAZY = VOCABULARY + '''
rule first "d" for agent when resource == "Agent_a9" set result Abandoned priority 50
rule long "d" for agent when customer_left - accepted > 100m set result Completed priority 40
rule longer "d" for agent when customer_left - accepted > 5m set result Abandoned reason Revoked priority 30
rule routed "d" for agent set role RoutedTo
'''


def _load(*layers: str) -> LoadedRules:
    with patch.dict(os.environ, {"RULESENGINE_NO_CACHE": "1"}):
        loaded = load_layers([sorted(FACTS.items()), *([(f"layer{n}.rules", text)] for n, text in enumerate(layers))],
                             {})
    assert loaded.errors == ()
    return loaded


_UNSHARED: dict[int, tuple[LoadedRules, Decider]] = {}


def _unshared(loaded: LoadedRules) -> Decider:
    """The rule set's decider without sharing, made once per rule set."""
    kept = _UNSHARED.get(id(loaded))
    if kept is None or kept[0] is not loaded:
        compiled = loaded.program.compiled
        assert compiled is not None
        kept = _UNSHARED[id(loaded)] = (loaded, Decider(compiled, sharing=False))
    return kept[1]


@contextmanager
def _counted(decider: Decider) -> Iterator[dict[str, int]]:
    """How often the deciders of this rule set work out a time between moments and run a
    step pattern."""
    counts = {"between": 0, "pattern": 0}
    namespace = decider._translator.namespace
    between, on_names = namespace["_between"], patterns.Matcher.on_names

    def counted_between(later, earlier):
        counts["between"] += 1
        return between(later, earlier)  # type: ignore[operator]

    def counted_pattern(matcher, party):
        counts["pattern"] += 1
        return on_names(matcher, party)

    with patch.dict(namespace, {"_between": counted_between}), \
            patch.object(patterns.Matcher, "on_names", counted_pattern):
        yield counts


def _served(agent: str) -> Script:
    return Script().routed(agent).accept(agent).wait(600).customer_leaves().end()


@pytest.mark.parametrize(("agent", "unshared"), [("a1", 3), ("a4", 3), ("a7", 2)])
def test_an_expression_several_rules_test_is_worked_out_once_per_party(agent, unshared):
    """a1 and a4 reach the lookup's function of their value, a7 finds none."""
    loaded = _load(SHARING)
    assert loaded.decider is not None
    with _counted(loaded.decider) as counts:
        decided = decisions(loaded.decider, _served(agent))[agent]
    assert counts == {"between": 1, "pattern": 1}
    with _counted(loaded.decider) as counts:
        assert decisions(_unshared(loaded), _served(agent))[agent] == decided
    assert counts == {"between": unshared, "pattern": 2}  # what sharing spares


def test_an_expression_is_worked_out_only_when_a_rule_that_needs_it_is_reached():
    loaded = _load(LAZY)
    decider = loaded.decider
    assert decider is not None
    with _counted(decider) as counts:
        assert decisions(decider, _served("a9"))["a9"].technical_result == "Abandoned"
        model = _served("a9").model()
        decider.facts(model)
        (_, _, agent) = model.parties
        assert decider.pick(agent, model, "result")[0].id == "first"
    assert counts["between"] == 0
    with _counted(decider) as counts:
        assert decisions(decider, _served("a1"))["a1"].result_reason == "Revoked"
    assert counts["between"] == 1


def test_the_shared_expressions_are_closed_costly_and_not_only_inside_another():
    loaded = _load(VOCABULARY + '''
rule a "d" for agent when count(o in others: o.kind == agent) > 1 and stay > 1m set result Completed priority 2
rule b "d" for agent when count(o in others: o.kind == agent) > 2 and stay > 1m set result Abandoned priority 1
rule c "d" for agent when some(o in others: o.stay > stay) set role RoutedTo priority 1
rule d "d" for agent when some(o in others: o.stay > stay) set role Puller
''')
    assert loaded.decider is not None
    sites = {rule.id: [condition.node for condition in rule.conditions] for rule in loaded.decider.rules}
    counted = [*sites["a"], *sites["b"]]
    # `others` is worked out inside the count, once; the parts that read `o` are not closed
    assert {node.text for node in shared(counted, lambda node: True)} == {
        "count(o in others: o.kind == agent)", "stay > 1m"}
    assert {node.text for node in shared([*counted, *sites["c"], *sites["d"]], lambda node: True)} == {
        "count(o in others: o.kind == agent)", "stay > 1m", "some(o in others: o.stay > stay)", "others"}
    assert shared(counted, lambda node: not isinstance(node, ir.Compare)) == (
        next(node for node in ir.walk(sites["a"][0]) if isinstance(node, ir.Count)),)


def _rows(decider: Decider) -> list:
    return list(decide_sources(FLOWS, decider))


def test_rows_of_the_documented_flows_are_the_same_with_and_without_sharing():
    loaded = load_rules()
    assert loaded.decider is not None
    assert _rows(loaded.decider) == _rows(_unshared(loaded))


def _decided_alike(loaded: LoadedRules, sample: list[list[dict]]) -> None:
    """Sharing or not, the main job and explain's pickers decide as testing every rule does."""
    decider = loaded.decider
    assert decider is not None
    unshared = _unshared(loaded)
    for events in sample:
        model = model_of(assembled(events))
        assert decider.decide(model) == unshared.decide(model)
        for party in model.parties:
            expected = tuple(exhaustive_pick(decider.candidates(party.kind, slot), slot, party, model)
                             for slot in SLOTS)
            assert decider._choosers[party.kind](party, model) == unshared._choosers[party.kind](party, model) \
                == expected
            assert tuple(decider.pick(party, model, slot) for slot in SLOTS) == expected
            assert tuple(unshared.pick(party, model, slot) for slot in SLOTS) == expected


#: rules that repeat two costly expressions and may each tie with more than `MAX_RIVALS` others:
#: a crowded winner's scan tests the later rules with the party's shared values
SITE_CROWD = "\n".join(
    f'rule site.c{n:02d}  "many"  for agent  when customer_left - accepted > {n}s'
    f"  and count(o in others: o.kind == agent) < {n % 3 + 1}  set result {_RESULTS[n % 4]}" for n in range(70))
CROWDED_SHARING = load_layers([default_layer(), [("site.rules", SITE_CROWD)]], {})


def test_the_crowded_layer_is_crowded():
    assert any("result" in rule.crowded for rule in CROWDED_SHARING.decider.rules if rule.id.startswith("site."))


@pytest.mark.parametrize("loaded", [WITH_TIES, CROWDED, WITH_KEYS, CROWDED_SHARING],
                         ids=["ties", "crowded", "keyed", "crowded, sharing"])
@settings(max_examples=30, deadline=None)
@given(sample=st.lists(interactions(), min_size=1, max_size=3))
def test_layers_with_ties_crowds_and_keys_decide_alike_with_and_without_sharing(loaded, sample):
    _decided_alike(loaded, sample)


#: parts of conditions a generated rule joins: costly ones the rules repeat, and cheap ones
CONDITIONS = (
    "customer_left - accepted > 1m", "customer_left - accepted > 5m", "alert + engage < 1m",
    "count(o in others: o.kind == agent) > 1", "count(o in others: o.kind == agent) > 2",
    "some(o in others: o.engage > 10s)", "not some(o in others: o.engage > 10s)",
    'resource matches "Agent_a*"', "origin in (route, inbound)", "engage > 30s", "accepted before customer_left",
)
KEYS = tuple(f'resource == "Agent_a{number}"' for number in range(1, 4))
PATTERNS = ("", "match invited accepted _*", "match invited (accepted | rejected) _*")
OUTCOMES = ("role RoutedTo", "role Puller", "result Completed", "result Abandoned reason Revoked",
            "role Puller, result Completed")


@st.composite
def site_layers(draw: st.DrawFn) -> str:
    """A layer of agent rules over the defaults that repeat costly expressions, in chains,
    rivals and runs keyed on the resource, at priorities that tie with each other and with
    the defaults' rules."""
    rules = []
    priorities = draw(st.sampled_from([(20,), (0, 10, 20)]))  # one priority: runs keyed on the resource
    for number in range(draw(st.integers(1, 12))):
        parts = draw(st.lists(st.sampled_from(CONDITIONS), max_size=3))
        if draw(st.integers(0, 3)):
            parts.insert(0, draw(st.sampled_from(KEYS)))
        when = f" when {' and '.join(parts)}" if parts else ""
        rules.append(f'rule site.r{number:02d} "generated" for agent {draw(st.sampled_from(PATTERNS))}{when}'
                     f" set {draw(st.sampled_from(OUTCOMES))} priority {draw(st.sampled_from(priorities))}\n")
    return "".join(rules)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer=site_layers(), sample=st.lists(interactions(), min_size=1, max_size=3))
def test_generated_layers_decide_alike_with_and_without_sharing(layer, sample):
    with patch.dict(os.environ, {"RULESENGINE_NO_CACHE": "1"}):
        loaded = load_layers([default_layer(), [("site.rules", layer)]], {})
    assert loaded.errors == ()
    _decided_alike(loaded, sample)


def test_shared_expressions_inside_what_a_quantifier_walks_and_tests():
    """`others` is shared where `count` walks it (read from the list: Python allows no assignment
    there), and a count is shared inside the condition a quantifier tests for each party."""
    loaded = _load(VOCABULARY + '''
rule a "d" for agent when some(o in others: o.stay > stay and count(x in others: x.kind == agent) > 0)
  set result Completed priority 2
rule b "d" for agent when some(o in others: o.stay < stay and count(x in others: x.kind == agent) > 0)
  set result Abandoned priority 1
rule c "d" for agent when count(x in others: x.kind == agent) > 0 set role Puller
''')
    decider = loaded.decider
    assert decider is not None
    chat = Script().routed("a1").accept("a1").invite("a2", "a1", "transfer").accept("a2").leave("a1").end()
    decided = decisions(decider, chat)
    assert decided == decisions(_unshared(loaded), chat)
    assert {name: decision.technical_result for name, decision in decided.items() if name.startswith("a")} == {
        "a1": "Abandoned", "a2": "Completed"}


def test_a_rule_set_read_back_from_the_cache_still_shares():
    """The generated functions that work shared values out, and the places they fill, are saved
    with the rule set (`decide.saved`) and work the same read back."""
    layers = [sorted(FACTS.items()), [("sharing.rules", SHARING)]]
    built = load_layers(layers, {})
    with patch.object(Decider, "__init__", side_effect=AssertionError("compiled again")):
        read_back = load_layers(layers, {})  # from the cache: no decider is made
    assert read_back.decider is not None and read_back.decider is not built.decider
    for agent in ("a1", "a7"):
        with _counted(read_back.decider) as counts:
            decided = decisions(read_back.decider, _served(agent))[agent]
        assert counts == {"between": 1, "pattern": 1}
        assert decided == decisions(_unshared(built), _served(agent))[agent]
