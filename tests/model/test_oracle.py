"""The facts the default rule files derive are those a plain second derivation gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from rulesengine.pipeline import model_of
from rulesengine.ruleset import load_rules
from tests.interactions import assembled, interactions

from . import oracle

DEFAULTS = load_rules().evaluator
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
