"""The event generator: deterministic, every shape, fixture-true shapes, flat memory."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events.generate import ALL_SHAPES, EPOCH, SHAPES, Interleaver, format_ts, generate_lines
from rulesengine.events.generate_shapes import FAMILIES, OPTIONAL_SHAPES

from .contract import events_of
from .profiles import EVERY_SHAPE, FIXTURES, FLOWS, PROFILE_FLOWS, expected_rows
from .shapes import signature


def _by_interaction(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        grouped[event["interaction"]].append(event)
    return grouped


def _flow(events: list[dict]) -> str:
    return next(e["data"]["flow"] for e in events if e["event"] == "interaction.created")


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = list(generate_lines(150, seed=3))
    assert first == list(generate_lines(150, seed=3))
    assert first != list(generate_lines(150, seed=4))


def test_interaction_ids_are_numbered_by_seed() -> None:
    events = events_of(generate_lines(120, seed=5))
    ids = {event["interaction"] for event in events}
    assert ids == {f"g5-{n}" for n in range(1, 121)}


def test_stream_is_ordered_by_time_and_interleaved() -> None:
    events = events_of(generate_lines(200, seed=6))
    stamps = [event["ts"] for event in events]
    assert stamps == sorted(stamps)
    switches = sum(a["interaction"] != b["interaction"] for a, b in itertools.pairwise(events))
    assert switches > len(events) // 2, "interactions overlap, as in a live stream"


def test_every_shape_within_the_first_2000_lines() -> None:
    lines = list(itertools.islice(generate_lines(1000, seed=2026), 2000))
    assert len(lines) == 2000
    created = [e for e in events_of(lines) if e["event"] == "interaction.created"]
    assert {event["data"]["flow"] for event in created} == set(SHAPES)
    assert set(SHAPES) == {path.stem for path in FLOWS.glob("*.jsonl")}


def test_the_shapes_only_a_profile_brings_in_have_fixtures_and_no_default_weight() -> None:
    assert set(OPTIONAL_SHAPES) == {path.stem for path in PROFILE_FLOWS.glob("*.jsonl")}
    assert set(ALL_SHAPES) == set(SHAPES) | set(OPTIONAL_SHAPES) == set(expected_rows())
    assert all(weight == 0 for weight, _ in OPTIONAL_SHAPES.values())
    assert all(weight > 0 for weight, _ in SHAPES.values())
    created = [e for e in events_of(generate_lines(500, seed=4)) if e["event"] == "interaction.created"]
    assert {event["data"]["flow"] for event in created} == set(SHAPES)


def test_every_family_names_shapes_that_exist_once() -> None:
    members = [flow for family in FAMILIES.values() for flow in family]
    assert len(members) == len(set(members)) and set(members) <= set(ALL_SHAPES)


@pytest.mark.parametrize("profile", [None, EVERY_SHAPE], ids=["default", "every-shape"])
def test_every_generated_interaction_has_the_shape_of_its_fixture(profile) -> None:
    fixture_shapes = {
        path.stem: signature(events_of(path.read_text(encoding="utf-8").splitlines()))
        for path in FIXTURES
    }
    assert len(set(fixture_shapes.values())) == len(fixture_shapes), "fixtures are distinct"
    grouped = _by_interaction(events_of(generate_lines(600, seed=8, profile=profile)))
    seen = set()
    for interaction, events in grouped.items():
        flow = _flow(events)
        assert signature(events) == fixture_shapes[flow], interaction
        seen.add(flow)
    assert seen == set(SHAPES if profile is None else ALL_SHAPES)


def test_documented_parties_exist_in_generated_interactions() -> None:
    expected = expected_rows()
    grouped = _by_interaction(events_of(generate_lines(300, seed=9, profile=EVERY_SHAPE)))
    for interaction, events in grouped.items():
        flow = _flow(events)
        parties = {e["party"] for e in events if "party" in e}
        for row in expected[flow]:
            assert row["party"].replace(flow, interaction, 1) in parties


def test_monitors_and_barges_are_supervisors_and_pulls_come_from_queues_and_workbins() -> None:
    grouped = _by_interaction(events_of(generate_lines(270, seed=10, profile=EVERY_SHAPE)))
    for events in grouped.values():
        flow = _flow(events)
        invited = [e for e in events if e["event"] == "party.invited"]
        supervisors = [e["resource"] for e in invited if e["resource"].startswith("Sup_")]
        assert len(supervisors) == {"x13_supervisor_monitors": 1, "x14_supervisor_barges_in": 2}.get(flow, 0)
        assert len(set(supervisors)) <= 1, "the barge is the monitoring supervisor's second party"
        pullers = [e for e in invited if e["intent"] == "pull"]
        assert len(pullers) == flow.startswith(("x11", "x12"))
        placed = {e["party"]: e["kind"] for e in events if e["event"] == "party.entered"}
        assert all(placed[e["by"]] == ("workbin" if flow.startswith("x12") else "queue") for e in pullers)


def test_heap_stays_flat_while_streaming() -> None:
    """Ten times the interactions, the same peak: it follows how many are open at once."""
    small, large = Interleaver(), Interleaver()
    assert sum(1 for _ in generate_lines(2_000, seed=1, interleaver=small)) > 20_000
    assert sum(1 for _ in generate_lines(20_000, seed=1, interleaver=large)) > 200_000
    assert 0 < large.peak < 1_000
    assert large.peak < 2 * small.peak


def test_interleaver_holds_one_entry_per_open_interaction() -> None:
    interleaver = Interleaver()
    interactions = [[(0, "a1"), (50, "a2")], [(10, "b1"), (20, "b2")], [(60, "c1")]]
    assert list(interleaver.merge(interactions)) == ["a1", "b1", "b2", "a2", "c1"]
    assert interleaver.peak == 2


def test_zero_interactions_is_an_empty_stream() -> None:
    assert list(generate_lines(0, seed=1)) == []


@given(st.integers(min_value=0, max_value=400 * 86_400_000))
@settings(max_examples=300, deadline=None)
def test_format_ts_agrees_with_datetime(ms: int) -> None:
    expected = EPOCH + datetime.timedelta(milliseconds=ms)
    assert format_ts(ms) == expected.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@pytest.mark.parametrize("seed", [0, 1, 2026])
def test_generated_interactions_are_chats_with_named_resources(seed: int) -> None:
    events = events_of(generate_lines(50, seed=seed))
    assert {e["media"] for e in events if e["event"] == "interaction.created"} == {"chat"}
    assert all(e["resource"] for e in events if "kind" in e)


def test_a_revoked_chat_goes_back_to_its_own_inbound_queue() -> None:
    grouped = _by_interaction(events_of(generate_lines(300, seed=12)))
    requeued = 0
    for events in grouped.values():
        inbound = {e["resource"] for e in events if e["event"] == "party.entered"
                   and e["kind"] == "queue" and "by" not in e}
        assert len(inbound) == 1
        requeued += sum(1 for e in events if e.get("party", "").endswith(".q2") and "by" not in e)
    assert requeued > 0
