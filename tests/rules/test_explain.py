"""Explain: the deciding rule per slot with its conditions, and why not the others."""

from __future__ import annotations

import json

from rulesengine.explain import explain, render_json, render_text
from rulesengine.ruleset import load_rules

from .conftest import build_party as party

DEFAULTS = load_rules()


def test_text_for_a_transfer_initiator(snapshot):
    explanation = explain(DEFAULTS.evaluator, party(transfer_completed=True))
    text = render_text(explanation)
    lines = text.splitlines()
    assert lines[0] == "i1 i1.a1 (agent Agent): RoutedTo/Transferred"
    assert "  role RoutedTo  by agent.routed_to (rules/chat.rules:" in text
    assert "    ✓ origin in (route, inbound)  (origin is route)" in lines
    assert "    ✓ transfer_completed  (transfer_completed is true)" in lines
    assert any(line.startswith("      agent.completed (Completed, priority 0): matched, but a higher")
               for line in lines)
    assert any(line.startswith("      agent.received_transfer (ReceivedTransfer, priority 0): "
                               "✗ origin == transfer  (origin is route)") for line in lines)
    assert text == snapshot


def test_json_for_an_abandoned_queue(snapshot):
    facts = party("queue", steps=("entered",), customer_left=True, at_customer_left="waiting")
    line = render_json(explain(DEFAULTS.evaluator, facts))
    data = json.loads(line)
    assert (data["resource_role"], data["technical_result"], data["result_reason"]) == (
        "Received", "CustomerAbandoned", "AbandonedWhileQueued")
    role, result = data["slots"]
    assert role["rule"]["id"] == "queue.received" and role["conditions"] == []
    assert result["rule"]["id"] == "queue.customer_abandoned" and result["priority"] == 20
    assert result["conditions"] == [{"text": "at_customer_left == waiting", "passed": True,
                                     "because": "at_customer_left is waiting"}]
    why_not = {o["rule"]["id"]: o["why_not"] for o in result["others"]}
    assert why_not == {"queue.cleared": "lower priority", "queue.diverted": "failed",
                       "queue.diverted_answered": "failed", "queue.diverted_ringing": "failed"}
    assert line == snapshot


def test_undecided_slot_and_tie_are_explained(load):
    loaded = load('vocabulary result: Completed, Abandoned\nvocabulary result_reason: Unspecified\n'
                  'rule a "d" for agent set result Completed\n'
                  'rule b "d" for agent match invited _* set result Abandoned\n')
    text = render_text(explain(loaded.evaluator, party(alert_ms=None)))
    assert "  role Unspecified: no rule decided it" in text
    assert "  result Unspecified: no rule decided it" in text
    assert "a (Completed, priority 0): matched, tied with another rule of the same priority" in text
    assert "  problem: error: R310 rules 'a' and 'b' both match" in text
