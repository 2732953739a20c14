"""The facts the default rule files derive are those a plain second derivation gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from rulesengine.decide.ruleset import load_rules
from rulesengine.runtime.pipeline import model_of
from tests.interactions import Script, assembled, interactions

from . import oracle

DEFAULTS = load_rules().decider
FLOWS = Path(__file__).parents[1] / "flows"
COMPARED = ("origin", "at_customer_left", "transfer_completed", "handed_on", "delivered_accepted",
            "delivered_ringing", "through_queue")


def derived(events: list[dict]) -> dict[str, dict[str, object]]:
    model = model_of(assembled(events))
    DEFAULTS.all_facts(model)
    return {party.id: {name: getattr(party, f"f_{name}") for name in COMPARED} for party in model.parties}


def _records(flow: str) -> list[dict]:
    lines = (FLOWS / f"{flow}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("flow", sorted(path.stem for path in FLOWS.glob("*.jsonl")))
def test_every_flow(flow):
    events = _records(flow)
    assert derived(events) == oracle.facts(events)


@settings(max_examples=400, deadline=None)
@given(interactions())
def test_every_interaction(events):
    assert derived(events) == oracle.facts(events)


@pytest.mark.parametrize(("script", "expected"), [
    (Script().routed("a1"), "alerting"),
    (Script().routed("a1").accept("a1"), "connected"),
    (Script().routed("a1").accept("a1").hold("a1"), "held"),
])
def test_where_a_party_stood_when_the_input_stops_as_the_customer_leaves(script, expected):
    """An open interaction whose last event is the customer leaving: a party still there
    stood where it was, as it will once the interaction ends."""
    events = script.customer_leaves().events
    assert derived(events)["i1.a1"]["at_customer_left"] == expected
    assert derived([*events, _ended_after(events)])["i1.a1"]["at_customer_left"] == expected
    assert oracle.facts(events)["i1.a1"]["at_customer_left"] == expected


def _ended_after(events: list[dict]) -> dict:
    last = events[-1]
    return {**{key: last[key] for key in ("interaction", "ts")}, "seq": last["seq"] + 1, "event": "interaction.ended"}
