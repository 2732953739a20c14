"""The event generator: deterministic, every shape, fixture-true shapes, flat memory."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events.generate import EPOCH, SHAPES, Interleaver, format_ts, generate_lines

from .contract import events_of
from .shapes import signature

FLOWS = Path(__file__).parents[1] / "flows"


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


def test_every_generated_interaction_has_the_shape_of_its_fixture() -> None:
    fixture_shapes = {
        path.stem: signature(events_of(path.read_text(encoding="utf-8").splitlines()))
        for path in FLOWS.glob("*.jsonl")
    }
    assert len(set(fixture_shapes.values())) == len(fixture_shapes), "fixtures are distinct"
    grouped = _by_interaction(events_of(generate_lines(600, seed=8)))
    seen = set()
    for interaction, events in grouped.items():
        flow = _flow(events)
        assert signature(events) == fixture_shapes[flow], interaction
        seen.add(flow)
    assert seen == set(SHAPES)


def test_documented_parties_exist_in_generated_interactions() -> None:
    documented = orjson.loads((FLOWS / "documented.json").read_bytes())
    grouped = _by_interaction(events_of(generate_lines(300, seed=9)))
    for interaction, events in grouped.items():
        flow = _flow(events)
        parties = {e["party"] for e in events if "party" in e}
        for row in documented[flow]["documented"]:
            assert row["party"].replace(flow, interaction, 1) in parties


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
