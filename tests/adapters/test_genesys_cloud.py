"""The Genesys Cloud adapter on the record shapes the mapping notes describe, and on bad records."""

from __future__ import annotations

import copy

import pytest

from rulesengine import Engine
from rulesengine.adapters import ConversionStats, genesys_cloud_events
from rulesengine.adapters.timeline import Timeline, TimelineError

from . import genesys_records as gc
from .contract import assert_well_formed

ENGINE = Engine.from_rules()


def converted(record: dict, **options) -> tuple[list[dict], ConversionStats]:
    stats = ConversionStats()
    events = list(genesys_cloud_events([record], stats=stats, **options))
    return events, stats


def descriptors(events: list[dict]) -> dict[str, str]:
    return {row.party.split(".", 1)[1]: row.descriptor for row in ENGINE.evaluate_events(events)}


def party_events(events: list[dict], party: str) -> list[dict]:
    return [event for event in events if event.get("party", "").endswith(f".{party}")]


@pytest.mark.parametrize("shape", sorted(gc.SHAPES))
def test_each_shape_converts_to_its_descriptors(shape):
    make, expected = gc.SHAPES[shape]
    events, stats = converted(make())
    assert stats.rejections == []
    assert_well_formed(events)
    assert descriptors(events) == expected


def test_a_transfer_ending_a_few_ms_before_what_it_created_is_clamped_and_the_source_time_kept():
    events, stats = converted(gc.five_blind_transfers())
    flow_left, = [e for e in party_events(events, "s1") if e["event"] == "party.left"]
    queue_entered = party_events(events, "q1")[0]
    assert queue_entered["by"].endswith(".s1")
    assert flow_left["ts"] == queue_entered["ts"] == gc.at(13.476)
    assert flow_left["data"]["source_segmentEnd"] == gc.at(13.444)
    assert flow_left["seq"] > queue_entered["seq"]
    assert stats.assumed["clamped_handoff"] == 6


def test_every_blind_transfer_marks_the_initiators_leaving_and_places_the_next_queue():
    events, _ = converted(gc.five_blind_transfers())
    for number in range(1, 6):
        left = [e for e in party_events(events, f"a{number}") if e["event"] == "party.left"]
        entered = party_events(events, f"q{number + 1}")[0]
        assert left[0]["reason"] == "transfer"
        assert (entered["by"], entered["intent"]) == (f"c-five-transfers.a{number}", "transfer")
    agents = {e["party"] for e in events if e.get("kind") == "agent"}
    assert len(agents) == 6  # one party per session of the one agent participant
    assert {e["resource"] for e in events if e.get("kind") == "agent"} == {gc.USER_1}


def test_a_queue_stay_ends_at_each_offer_and_a_new_one_starts_after_a_failed_offer():
    events, _ = converted(gc.offer_ended_by_system())
    names = [(e["event"], e.get("party", "").split(".")[-1], e.get("reason")) for e in events]
    assert names[1:8] == [
        ("party.entered", "q1", None), ("party.invited", "a1", None), ("party.left", "q1", "offered"),
        ("party.revoked", "a1", "error"), ("party.entered", "q2", None), ("party.invited", "a2", None),
        ("party.left", "q2", "offered")]
    revoked = party_events(events, "a1")[1]
    assert revoked["data"] == {"source_reason": "error.ininedgecontrol.connection.protocol"}
    assert party_events(events, "q2")[0]["data"]["requeued"] is True


def test_a_ringing_agent_the_customer_left_is_not_revoked_and_the_queue_is_not_abandoned():
    events, _ = converted(gc.customer_left_while_ringing())
    assert [e["event"] for e in party_events(events, "a1")] == ["party.invited"]
    assert [e["event"] for e in events[-2:]] == ["customer.left", "interaction.ended"]
    assert descriptors(events)["q1"] != "Received/CustomerAbandoned [AbandonedWhileQueued]"


def test_a_chat_without_acd_participant_gets_a_flagged_synthetic_queue_from_its_start():
    events, stats = converted(gc.no_acd_participant())
    entered = party_events(events, "q1")[0]
    assert entered["data"] == {"synthetic": True}
    assert entered["ts"] == events[0]["ts"]
    assert party_events(events, "a1")[0]["by"] == entered["party"]
    assert stats.assumed["synthetic_queue"] == 1


def test_hold_segments_are_held_and_retrieved():
    events, _ = converted(gc.hold_and_retrieve())
    assert [e["event"] for e in party_events(events, "a1")] == [
        "party.invited", "party.accepted", "party.held", "party.retrieved", "party.left"]


def test_a_coach_is_invited_by_the_agent_it_coaches_with_coach_visibility():
    events, _ = converted(gc.coached())
    invited = party_events(events, "a2")[0]
    assert (invited["by"], invited["intent"], invited["visibility"]) == ("c-coach.a1", "consult", "coach")


def test_an_open_conversation_has_no_end_and_run_holds_it_back():
    events, stats = converted(gc.still_open())
    assert "interaction.ended" not in {e["event"] for e in events}
    assert [e["event"] for e in party_events(events, "a1")] == ["party.invited", "party.accepted"]
    assert_well_formed(events)
    assert (stats.interactions, stats.open) == (1, 1)


def test_the_internal_caller_stands_for_the_customer_and_is_noted():
    events, stats = converted(gc.internal_caller())
    assert events[0]["data"]["customer_purpose"] == "user"
    assert gc.USER_2 not in {e.get("resource") for e in events}
    assert stats.assumed["customer_from_user"] == 1


def test_names_replace_ids_and_ids_without_a_name_are_counted():
    events, stats = converted(gc.offer_ended_by_system(), names={gc.QUEUE_1: "Support Chat"})
    assert {e["resource"] for e in events if e.get("kind") == "queue"} == {"Support Chat"}
    assert {e["resource"] for e in events if e.get("kind") == "agent"} == {gc.USER_1}
    assert stats.unnamed == {gc.USER_1}


def test_an_end_missing_from_the_record_is_the_last_segment_end_and_noted():
    record = gc.abandoned_in_queue()
    del record["conversationEnd"]
    events, stats = converted(record)
    assert events[-1] == {**events[-1], "event": "interaction.ended", "data": {"end_from": "last segmentEnd"}}
    assert stats.assumed["end_from_segments"] == 1


def test_repaired_timestamps_are_counted_and_noted_on_the_interaction():
    record = gc.abandoned_in_queue()
    record["participants"][1]["sessions"][0]["segments"][0]["segmentStart"] = "2024-5-6T9:00:00.500Z"
    events, stats = converted(record)
    assert events[0]["data"] == {"repaired_timestamps": 1}
    assert party_events(events, "q1")[0]["ts"] == "2024-05-06T09:00:00.500Z"
    assert stats.assumed["repaired_timestamp"] == 1


def _broken(edit) -> dict:
    record = copy.deepcopy(gc.offer_ended_by_system())
    edit(record)
    return record


@pytest.mark.parametrize(("edit", "code", "message"), [
    (lambda r: r.pop("conversationId"), "A102", "conversationId: missing, or not a non-empty string"),
    (lambda r: r.update(participants={}), "A102",
     "conversation c-system: participants: missing, or an object instead of a list"),
    (lambda r: r["participants"][2]["sessions"][0]["segments"][0].pop("segmentType"), "A102",
     "conversation c-system: participants[2].sessions[0].segments[0].segmentType: missing"),
    (lambda r: r["participants"][2]["sessions"][0]["segments"][0].update(segmentEnd="2024-05-06T08:00:00Z"), "A104",
     "conversation c-system: participants[2].sessions[0].segments[0]: segmentEnd is before segmentStart"),
    (lambda r: r["participants"][1]["sessions"][0].update(segments="none"), "A102",
     "conversation c-system: participants[1].sessions[0].segments: must be a list, not a string"),
    (lambda r: r.update(conversationStart="yesterday"), "A103",
     "conversation c-system: conversationStart: not an RFC 3339 time: 'yesterday'"),
])
def test_a_record_that_cannot_be_mapped_is_rejected_naming_the_field(edit, code, message):
    events, stats = converted(_broken(edit))
    assert events == []
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert (problem.code, problem.message) == (code, f"record 1: {message}")
    assert str(problem.position) == "<records>:1:1"


def test_links_no_event_order_fits_reject_only_their_conversation(monkeypatch):
    """The mapping's rules leave no published or generated record whose links the times
    contradict; should one come, the timeline's refusal rejects that conversation (A104) and
    the next one converts."""
    finish = Timeline.finish
    refusal = "a party.left would follow a party.invited: the times contradict who brought whom in"

    def refusing(timeline: Timeline) -> tuple[dict, ...]:
        if timeline.interaction == "c-system":
            raise TimelineError(refusal)
        return finish(timeline)

    monkeypatch.setattr(Timeline, "finish", refusing)
    stats = ConversionStats()
    events = list(genesys_cloud_events([gc.offer_ended_by_system(), gc.coached()], stats=stats))
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert (problem.code, problem.message) == ("A104", f"record 1: conversation c-system: {refusal}")
    assert {event["interaction"] for event in events} == {gc.coached()["conversationId"]}
