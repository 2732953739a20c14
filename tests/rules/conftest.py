"""Hand-built party facts and rule sets for the rule-language tests."""

from __future__ import annotations

import pytest

from rulesengine.facts import PartyFacts, PartyStep
from rulesengine.ruleset import LoadedRules, default_layer, load_layers

_AGENT = dict(intent="route", origin="route", invited_by="strategy", alert_ms=2_000,
              engage_ms=60_000, stay_ms=62_000)
_MEDIATION = dict(intent="none", origin="inbound", invited_by="none", alert_ms=None,
                  engage_ms=None, stay_ms=1_000)


def build_party(kind: str = "agent", steps=None, **facts) -> PartyFacts:
    """A party with plausible defaults: a routed agent who completed, or a mediation stay.

    `steps` are step names, or (name, {attribute: value}) pairs.
    """
    if steps is None:
        steps = ("invited", "accepted", "left") if kind == "agent" else ("entered", "left")
    made = []
    for seq, step in enumerate(steps, start=2):
        name, attributes = (step, {}) if isinstance(step, str) else step
        made.append(PartyStep(name, seq, seq * 1000, **attributes))
    values = dict(
        interaction="i1", party=f"i1.{kind[0]}1", kind=kind, resource=kind.title(), steps=tuple(made),
        through_queue=False, visibility="unknown", customer_left=False, at_customer_left="stayed",
        transfer_completed=False, handed_on=False, delivered_accepted=False,
        delivered_at_customer_left="stayed", start_ts="2026-03-02T10:00:00Z",
        end_ts="2026-03-02T10:01:00Z", first_seq=2,
        **(_AGENT if kind == "agent" else _MEDIATION),
    )
    values.update(facts)
    return PartyFacts(**values)


def load_text(*layers: str | dict[str, str], settings=None, defaults: bool = False) -> LoadedRules:
    """Load rule texts: each argument a layer, a text (shown as `layerN.rules`) or {path: text}."""
    read = [default_layer()] if defaults else []
    for number, layer in enumerate(layers):
        files = layer if isinstance(layer, dict) else {f"layer{number}.rules": layer}
        read.append(sorted(files.items()))
    return load_layers(read, settings or {})


@pytest.fixture
def party():
    return build_party


@pytest.fixture
def load():
    return load_text
