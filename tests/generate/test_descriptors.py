"""Generated interactions get the documented descriptors of the fixture they follow.

`data.flow` names the fixture whose shape an interaction has, and party ids follow the
fixtures' numbering, so `documented.json` (and, for the shapes only a profile brings in,
`tests/generate/flows/expected.json`) applies to every generated interaction: this runs
the default rules over many random timings, names and endings of every shape.
"""

from __future__ import annotations

from collections import defaultdict

from rulesengine.decide.ruleset import load_rules
from rulesengine.events.contract import Event
from rulesengine.events.generate import ALL_SHAPES, generate_lines
from rulesengine.events.read import parse_line
from rulesengine.model.interaction import InteractionModel

from .profiles import EVERY_SHAPE, expected_rows

EXPECTED = expected_rows()
EVALUATOR = load_rules().decider


def _interactions(count: int, seed: int) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = defaultdict(list)
    for number, line in enumerate(generate_lines(count, seed, profile=EVERY_SHAPE), start=1):
        loaded = parse_line(line.encode(), "<generated>", number)
        assert loaded.event is not None, loaded.diagnostics
        grouped[loaded.event.interaction].append(loaded.event)
    return grouped


def _descriptors(interaction: str, events: list[Event]) -> dict[str, tuple[str, str, str, str]]:
    model = InteractionModel(interaction, sorted(events, key=lambda event: event.seq))
    return {party.id: (decision.resource_role, decision.role_reason, decision.technical_result,
                       decision.result_reason)
            for party, decision in zip(model.parties, EVALUATOR.decide(model), strict=True)}


def test_generated_interactions_get_their_documented_descriptors() -> None:
    flows_seen = set()
    wrong = []
    for interaction, events in _interactions(1_500, seed=21).items():
        flow = events[0].data["flow"]
        flows_seen.add(flow)
        decided = _descriptors(interaction, events)
        for row in EXPECTED[flow]:
            party = row["party"].replace(flow, interaction, 1)
            expected = (row["resource_role"], row["role_reason"],
                        row["technical_result"], row["result_reason"])
            if decided.get(party) != expected:
                wrong.append((flow, party, decided.get(party), expected))
    assert flows_seen == set(ALL_SHAPES) == set(EXPECTED)
    assert wrong == []
