"""Rule sets loaded from text, and decisions for scripted interactions, for the rule-language tests."""

from __future__ import annotations

import pytest

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision
from rulesengine.decide.ruleset import LoadedRules, default_layer, load_layers
from tests.interactions import Script


def load_text(*layers: str | dict[str, str], settings=None, defaults: bool = False) -> LoadedRules:
    """Load rule texts: each argument a layer, a text (shown as `layerN.rules`) or {path: text}."""
    read = [default_layer()] if defaults else []
    for number, layer in enumerate(layers):
        files = layer if isinstance(layer, dict) else {f"layer{number}.rules": layer}
        read.append(sorted(files.items()))
    return load_layers(read, settings or {})


def decisions(decider: Decider, script: Script) -> dict[str, Decision]:
    """The decision of each party of a scripted interaction, by local name (`a1`, `q1`)."""
    model = script.model()
    decisions = zip(model.parties, decider.decide(model), strict=True)
    return {party.id.rsplit(".", 1)[1]: decision for party, decision in decisions}


def descriptor(decision: Decision) -> str:
    """`Role [RoleReason]/Result [Reason]`, the reasons only when they are not Unspecified."""
    role = decision.resource_role
    if decision.role_reason != "Unspecified":
        role += f" [{decision.role_reason}]"
    result = decision.technical_result
    if decision.result_reason != "Unspecified":
        result += f" [{decision.result_reason}]"
    return f"{role}/{result}"


@pytest.fixture
def load():
    return load_text
