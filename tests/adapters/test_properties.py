"""Properties of both adapters over many generated records: what they write always keeps the
event contract, the order of the records never matters, and broken records are rejected with a
reason, never a traceback."""

from __future__ import annotations

import copy
import random
from collections import defaultdict

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.adapters import ConversionStats, genesys_cloud_events, twilio_taskrouter_events

from . import generated
from .contract import assert_well_formed
from .test_samples import GENESYS, TWILIO

SAMPLE_CONVERSATIONS = [orjson.loads(path.read_bytes()) for path in sorted(GENESYS.glob("*.json"))]
SAMPLE_TASKS = [orjson.loads((TWILIO / name).read_bytes())["events"]
                for name in ("twilio_lifecycle_T1_transfer.input.json",
                             "twilio_lifecycle_T2_abandoned_in_queue.input.json")]


def by_interaction(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        grouped[event["interaction"]].append(event)
    return dict(grouped)


def genesys(records: list) -> tuple[list[dict], ConversionStats]:
    stats = ConversionStats()
    return list(genesys_cloud_events(records, stats=stats)), stats


def twilio(records: list) -> tuple[list[dict], ConversionStats]:
    stats = ConversionStats()
    return list(twilio_taskrouter_events(records, stats=stats)), stats


def shuffled_inside(record: dict, rnd: random.Random) -> dict:
    """The same conversation with its participants, sessions and segments in another order."""
    record = copy.deepcopy(record)
    rnd.shuffle(record["participants"])
    for participant in record["participants"]:
        rnd.shuffle(participant["sessions"])
        for session in participant["sessions"]:
            rnd.shuffle(session["segments"])
    return record


@settings(max_examples=150, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_generated_genesys_conversations_convert_to_well_formed_interactions(rnd):
    records = [generated.genesys_conversation(rnd, f"c{number}") for number in range(3)]
    events, stats = genesys(records)
    assert stats.rejections == []
    assert_well_formed(events)
    assert sorted(by_interaction(events)) == ["c0", "c1", "c2"]


@settings(max_examples=100, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_the_order_of_participants_sessions_segments_and_records_never_matters(rnd):
    records = [*SAMPLE_CONVERSATIONS, *(generated.genesys_conversation(rnd, f"c{n}") for n in range(3))]
    expected = by_interaction(genesys(records)[0])
    reordered = [shuffled_inside(record, rnd) for record in records]
    rnd.shuffle(reordered)
    assert by_interaction(genesys(reordered)[0]) == expected


@settings(max_examples=150, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_generated_twilio_tasks_convert_to_well_formed_interactions(rnd):
    records = [record for number in range(3) for record in generated.twilio_task(rnd, f"WT{number}")]
    events, stats = twilio(records)
    assert stats.rejections == []
    assert_well_formed(events)


@settings(max_examples=100, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_twilio_events_in_any_order_give_the_same_interactions(rnd):
    records = [*(record for task in SAMPLE_TASKS for record in task),
               *(record for number in range(3) for record in generated.twilio_task(rnd, f"WT{number}"))]
    expected = by_interaction(twilio(records)[0])
    rnd.shuffle(records)
    assert by_interaction(twilio(records)[0]) == expected


_ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", "2021-4-2T1:2:3Z", "2099-99-99T00:00:00Z", "2021-04-01T12:00:00Z",
               "transfer", "agent", [], {}, ["x"], {"x": 1}]


def _mutated(value: object, rnd: random.Random) -> object:
    """`value` with one node somewhere in it replaced by an odd value, or deleted from its object."""
    value = copy.deepcopy(value)
    holders = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            holders.extend((node, key) for key in node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            holders.extend((node, index) for index in range(len(node)))
            for child in node:
                walk(child)

    walk(value)
    if not holders:
        return rnd.choice(_ODD_VALUES)
    holder, key = rnd.choice(holders)
    if isinstance(holder, dict) and rnd.random() < 0.3:
        del holder[key]
    else:
        holder[key] = rnd.choice(_ODD_VALUES)
    return value


def _accepted_or_rejected(events: list[dict], stats: ConversionStats, records: int) -> None:
    assert_well_formed(events)
    for rejection in stats.rejections:
        assert rejection.problems and all(problem.code.startswith("A1") for problem in rejection.problems)
    assert stats.records == records


@settings(max_examples=300, deadline=None)
@given(rnd=st.randoms(use_true_random=False), edits=st.integers(min_value=1, max_value=3))
def test_mutated_genesys_records_are_converted_or_rejected_never_a_traceback(rnd, edits):
    record = rnd.choice([*SAMPLE_CONVERSATIONS, generated.genesys_conversation(rnd)])
    for _ in range(edits):
        record = _mutated(record, rnd)
    events, stats = genesys([record])
    _accepted_or_rejected(events, stats, 1)


@settings(max_examples=300, deadline=None)
@given(rnd=st.randoms(use_true_random=False), edits=st.integers(min_value=1, max_value=3))
def test_mutated_twilio_records_are_converted_or_rejected_never_a_traceback(rnd, edits):
    records = copy.deepcopy(rnd.choice([*SAMPLE_TASKS, generated.twilio_task(rnd)]))
    for _ in range(edits):
        index = rnd.randrange(len(records))
        records[index] = _mutated(records[index], rnd)
    events, stats = twilio(records)
    _accepted_or_rejected(events, stats, len(records))


@settings(max_examples=200, deadline=None)
@given(rnd=st.randoms(use_true_random=False), data=st.data())
def test_truncated_records_are_rejected_as_unreadable_lines(rnd, data, tmp_path_factory):
    conversation = rnd.choice([*SAMPLE_CONVERSATIONS, generated.genesys_conversation(rnd)])
    task = rnd.choice(SAMPLE_TASKS)
    folder = tmp_path_factory.mktemp("truncated")
    for name, records, convert in (("conversations.jsonl", [conversation], genesys), ("events.jsonl", task, twilio)):
        lines = [orjson.dumps(record) for record in records]
        broken = rnd.randrange(len(lines))
        lines[broken] = lines[broken][:data.draw(st.integers(0, len(lines[broken]) - 1))]
        path = folder / name
        path.write_bytes(b"\n".join(lines) + b"\n")
        events, stats = convert(str(path))
        _accepted_or_rejected(events, stats, stats.records)
        unreadable = [r for r in stats.rejections if r.problems[0].code == "A101"]
        if lines[broken].strip():
            assert [r.problems[0].position.line for r in unreadable] == [broken + 1]
