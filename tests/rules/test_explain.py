"""Explain: the deciding rule per slot with its conditions, why not the others, the facts."""

from __future__ import annotations

import json

from rulesengine.decide.explain import explain_interaction, parameters, render_json, render_parameters_text, render_text
from rulesengine.decide.ruleset import load_rules
from tests.interactions import Script

DEFAULTS = load_rules()


def _explained(script: Script, party: str, *, decider=None, derivation: bool = False):
    model = script.model()
    for explanation in explain_interaction(decider or DEFAULTS.decider, model, derivation=derivation):
        if explanation.party == f"{model.id}.{party}":
            return explanation
    raise AssertionError(f"no party {party}")


def _transfer() -> Script:
    return (Script().routed("a1").accept("a1").invite("a2", "a1", "transfer").accept("a2").leave("a1")
            .customer_leaves().leave("a2").end())


def test_text_for_a_transfer_initiator(snapshot):
    text = render_text(_explained(_transfer(), "a1"))
    lines = text.splitlines()
    assert lines[0] == "i1 i1.a1 (agent Agent_a1): RoutedTo/Transferred  IRF"
    assert "  role RoutedTo  by agent.routed_to (rules/chat.rules:" in text
    assert "    ✓ origin in (route, inbound)  (origin is route)" in lines
    assert "    ✓ transfer_completed  (transfer_completed is true)" in lines
    assert any(line.startswith("      agent.completed (Completed, priority 0): matched, but a higher")
               for line in lines)
    assert any(line.startswith("      agent.received_transfer (ReceivedTransfer, priority 0): "
                               "✗ origin == transfer  (origin is route)") for line in lines)
    assert "  facts:" in lines and "    transfer_completed = true" in lines
    assert "    at_customer_left = finished" in lines
    assert text == snapshot


def test_derivation_shows_definitions_and_the_values_of_their_parts():
    text = render_text(_explained(_transfer(), "a1", derivation=True))
    assert ("      = left and some(target in reached: target.kind == agent and target.origin == transfer "
            "and target.accepted before left)") in text
    assert "        left: party.left at 2026-03-02T10:00:09.000Z (seq 10)" in text
    assert ("        some(target in reached: target.kind == agent and target.origin == transfer and "
            "target.accepted before left): true") in text
    origin = _explained(_transfer(), "a2", derivation=True)
    shown = render_text(origin)
    assert "    origin = transfer" in shown
    assert "        requested: transfer" in shown and "        intent: transfer" in shown
    at_left = render_text(_explained(_transfer(), "a2", derivation=True))
    assert "        when not customer_left: ✗" in at_left
    assert "        when customer_left during alerting: ✗" in at_left
    assert "        else connected: connected" in at_left


def test_a_quantifier_shows_each_party_it_looked_at():
    """The first strategy lets go of the chat; a second takes it from the queue to an agent."""
    chat = (Script().enter("q1").enter("s1", "q1").leave("s1").enter("s2", "q1").invite("a1", "s2")
            .accept("a1").leave("s2").leave("q1").leave("a1").end())
    fact = {f.name: f for f in _explained(chat, "q1", derivation=True).facts}["delivered_accepted"]
    assert fact.value == "true"
    assert [(part.text, part.value) for part in fact.parts] == [("next = i1.s1", "✗"), ("next = i1.s2", "✓")]


def test_json_for_an_abandoned_queue(snapshot):
    explanation = _explained(Script().enter("q1").customer_leaves().end(), "q1")
    line = render_json(explanation, parameters(DEFAULTS.params))
    data = json.loads(line)
    assert (data["resource_role"], data["technical_result"], data["result_reason"], data["record"]) == (
        "Received", "CustomerAbandoned", "AbandonedWhileQueued", "IRF")
    role, result, record = data["slots"]
    assert role["rule"]["id"] == "queue.received" and role["conditions"] == []
    assert result["rule"]["id"] == "queue.customer_abandoned" and result["priority"] == 20
    assert result["conditions"] == [{"text": "at_customer_left == waiting", "passed": True,
                                     "because": "at_customer_left is waiting"}]
    why_not = {o["rule"]["id"]: o["why_not"] for o in result["others"]}
    assert why_not == {"queue.cleared": "lower priority", "queue.diverted": "failed",
                       "queue.diverted_answered": "failed", "queue.diverted_ringing": "failed"}
    assert record["rule"]["id"] == "record.handling"
    assert {fact["name"]: fact["value"] for fact in data["facts"]}["handed_on"] == "false"
    assert line == snapshot


def test_undecided_slot_and_tie_are_explained(load):
    loaded = load('vocabulary result: Completed, Abandoned\nvocabulary result_reason: Unspecified\n'
                  'rule a "d" for agent set result Completed\n'
                  'rule b "d" for agent match invited _* set result Abandoned\n')
    text = render_text(_explained(Script().routed("a1").end(), "a1", decider=loaded.decider))
    assert "  role Unspecified: no rule decided it" in text
    assert "  record Unspecified: no rule decided it" in text
    assert "  result Unspecified: no rule decided it" in text
    assert "a (Completed, priority 0): matched, tied with another rule of the same priority" in text
    assert "  problem: error: R310 rules 'a' and 'b' both match" in text


def test_parameters_say_where_each_value_comes_from(load):
    loaded = load('param quick: duration = 10s "q"\nparam label: string = x "l"',
                  'set param quick = 45s', settings={"label": "y"})
    assert render_parameters_text(parameters(loaded.params)) == (
        "parameters:\n  label = y  (--set)\n  quick = 45s  (set at layer1.rules:1)")
    assert render_parameters_text(parameters(load('param n: int = 3 "n"').params)) == (
        "parameters:\n  n = 3  (default at layer0.rules:1)")


def test_what_the_rules_read_is_found_once_per_rule_set_and_not_kept_past_it(load):
    import gc

    from rulesengine.decide import explain

    before = _explained(_transfer(), "a1").facts
    loaded = load('vocabulary result: Completed\nrule a "d" for agent set result Completed\n')
    assert _explained(_transfer(), "a1", decider=loaded.decider).facts == ()  # its one rule reads no fact
    assert _explained(_transfer(), "a1").facts == before and "transfer_completed" in {f.name for f in before}
    assert loaded.decider in explain._READ
    held = len(explain._READ)
    del loaded
    gc.collect()
    assert len(explain._READ) == held - 1
