"""Structure of the documented-flow fixtures and of `documented.json`.

The fixtures are the acceptance truth of the default rules, so a typo here would
silently weaken every test that reads them. These checks are about shape only;
the full event contract is checked in `tests/generate/test_contract.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent
DOCUMENTED = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))
FIXTURES = sorted(path.stem for path in FLOWS.glob("*.jsonl"))
DESCRIPTOR_KEYS = {"party", "resource_role", "role_reason", "technical_result", "result_reason"}
DOCUMENTED_FLOWS = (
    "c01_routed_completed",
    "c02_invitation_revoked",
    "c03_transfer",
    "c04_transfer_failed",
    "c05_conference",
    "c06a_conference_failed_unknown_visibility",
    "c06b_conference_failed_coach",
    "c07_consultation",
    "c08a_conference_through_queue",
    "c08b_consult_through_queue",
    "c09_abandoned_in_queue",
    "c10_abandoned_during_routing",
    "c11_abandoned_while_alerting",
)


def read_fixture(name: str) -> tuple[list[str], list[dict]]:
    """The fixture's leading comment lines and its events, in file order."""
    comments: list[str] = []
    events: list[dict] = []
    for line in (FLOWS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            assert not events, f"{name}: comment line after the first event"
            comments.append(line)
        elif line.strip():
            events.append(json.loads(line))
    return comments, events


def test_every_documented_flow_has_a_fixture() -> None:
    assert set(DOCUMENTED_FLOWS) <= set(FIXTURES)
    assert len(DOCUMENTED_FLOWS) == 13


def test_fixtures_and_documented_entries_match() -> None:
    assert sorted(DOCUMENTED) == FIXTURES
    compositions = [name for name in FIXTURES if name not in DOCUMENTED_FLOWS]
    assert compositions and all(name.startswith("x") for name in compositions)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_structure(name: str) -> None:
    comments, events = read_fixture(name)
    assert comments, "a fixture starts with comment lines naming the flow"
    assert any("RoutedTo" in c or "Received" in c or "Puller" in c for c in comments)
    assert {event["interaction"] for event in events} == {name}
    seqs = [event["seq"] for event in events]
    assert seqs == sorted(set(seqs)), "seq strictly increasing in file order"
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert events[0]["event"] == "interaction.created"
    assert events[-1]["event"] == "interaction.ended"
    assert all(event["party"].startswith(f"{name}.") for event in events if "party" in event)


@pytest.mark.parametrize("name", FIXTURES)
def test_documented_parties_exist(name: str) -> None:
    entry = DOCUMENTED[name]
    assert entry["flow"].strip()
    assert entry["documented"]
    _, events = read_fixture(name)
    parties = {event["party"] for event in events if "party" in event}
    for row in entry["documented"]:
        assert set(row) == DESCRIPTOR_KEYS
        assert row["party"] in parties
    documented_parties = [row["party"] for row in entry["documented"]]
    assert len(documented_parties) == len(set(documented_parties))


@pytest.mark.parametrize("name", DOCUMENTED_FLOWS)
def test_documented_flow_titles_name_their_flow(name: str) -> None:
    number = int(name[1:3])
    assert DOCUMENTED[name]["flow"].startswith(f"C{number} ")
