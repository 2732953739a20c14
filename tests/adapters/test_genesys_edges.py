"""The Genesys Cloud adapter on records the usual shapes leave out: participants of other purposes,
a conversation with no customer, watchers it cannot place, every kind of ending, links that would
loop or contradict the times; and, as Genesys Cloud exports meet them, the edges of what both
adapters share: names files, reading files, times and the order of an interaction's events."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from rulesengine.adapters import ConversionStats, UnreadableSource, genesys_cloud_events
from rulesengine.adapters.names import NamesError, load_names
from rulesengine.adapters.records import SourceRecord, read_records

from . import genesys_records as gc
from .contract import assert_well_formed
from .test_genesys_cloud import converted, descriptors, party_events
from .test_twilio_taskrouter import steps


def test_a_record_that_is_not_an_object_is_rejected_at_its_line_and_the_next_still_converts(tmp_path: Path) -> None:
    """An export line holding `null` is no conversation: it is rejected where it stands, not skipped."""
    path = tmp_path / "conversations.jsonl"
    path.write_bytes(b"null\n" + orjson.dumps(gc.abandoned_in_queue()) + b"\n")
    stats = ConversionStats()
    events = list(genesys_cloud_events(str(path), stats=stats))
    assert {e["interaction"] for e in events} == {"c-queue"}
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert rejection.interaction is None
    assert (problem.code, problem.message) == ("A102", "a conversation record must be a JSON object, not null")
    assert str(problem.position) == f"{path}:1:1"


def voicemail_after_queue() -> dict:
    """Voice: the queue overflows to voicemail, where the caller leaves a message and hangs up."""
    return gc.conversation(
        "c-voicemail", gc.customer(60.0, "endpoint", media="voice"),
        gc.acd("s-acd", 0.5, 30.0, media="voice"),
        gc.participant("p-voicemail", "voicemail", gc.session(
            "s-voicemail", gc.segment("voicemail", 30.02, 60.0, disconnectType="peer"), media="voice")),
        end=60.0)


def test_participants_of_other_purposes_become_no_party_and_are_listed_and_counted() -> None:
    events, stats = converted(voicemail_after_queue())
    assert_well_formed(events)
    assert events[0]["data"] == {"ignored_purposes": ["voicemail"]}
    assert stats.ignored == {"voicemail participant": 1}
    assert {e["party"].split(".")[-1] for e in events if "party" in e} == {"q1"}
    assert "s-voicemail" not in {e.get("data", {}).get("sessionId") for e in events}


def test_a_conversation_without_customer_whose_user_was_offered_has_no_caller() -> None:
    """Only a user session that was never alerted and starts with the conversation can stand for the
    caller; a user the queue offered the chat to stays an agent, and no customer leaves."""
    record = gc.conversation(
        "c-no-customer", gc.acd("s-acd", 0.0, 5.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 90.0, disconnect="client")), end=100.0)
    events, stats = converted(record)
    assert_well_formed(events)
    assert "data" not in events[0]
    assert "customer.left" not in {e["event"] for e in events}
    invited = party_events(events, "a1")[0]
    assert (invited["event"], invited["by"], invited["resource"]) == ("party.invited", "c-no-customer.q1", gc.USER_1)
    assert "customer_from_user" not in stats.assumed


def watched(*watchers: dict) -> dict:
    """A chat routed to an agent, while the sessions given watch it."""
    return gc.conversation(
        "c-watched", gc.customer(300.0), gc.acd("s-acd", 0.5, 5.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 290.0, disconnect="peer")),
        *watchers, end=310.0)


def supervisor(kind: str) -> dict:
    """A supervisor's session of one `kind` of segment, naming no participant it watches."""
    return gc.participant("p-super", "user", gc.session(
        "s-super", gc.segment(kind, 100.0, 150.0, disconnectType="client")), userId=gc.SUPERVISOR)


@pytest.mark.parametrize(("kind", "intent", "visibility"), [
    ("coaching", "consult", "coach"), ("monitoring", "consult", "monitor"), ("barging", "conference", "conference")])
def test_a_watching_segment_ties_a_session_naming_no_participant_to_the_one_agent_then_connected(
        kind: str, intent: str, visibility: str) -> None:
    events, stats = converted(watched(supervisor(kind)))
    assert_well_formed(events)
    invited = party_events(events, "a2")[0]
    assert (invited["by"], invited["intent"], invited["visibility"]) == ("c-watched.a1", intent, visibility)
    assert invited["resource"] == gc.SUPERVISOR
    assert "synthetic_queue" not in stats.assumed


def test_a_monitor_that_cannot_be_tied_to_one_of_two_connected_agents_is_offered_by_a_synthetic_queue() -> None:
    """With a second agent conferenced in and no `monitoredParticipantId`, the monitor is pinned on
    neither agent: like any agent nothing brought in, a flagged synthetic stay offers it."""
    second = gc.agent("p-agent2", gc.USER_2, gc.session(
        "s-agent2", gc.segment("alert", 60.0, 62.0), gc.segment("interact", 62.0, 200.0, conference=True,
                                                                  disconnectType="client")))
    events, stats = converted(watched(second, supervisor("monitoring")))
    assert_well_formed(events)
    [monitor] = [e for e in events if e.get("resource") == gc.SUPERVISOR]
    assert (monitor["intent"], monitor["visibility"]) == ("route", "monitor")
    [stay] = [e for e in events if e.get("party") == monitor["by"] and e["event"] == "party.entered"]
    assert (stay["kind"], stay["data"]) == ("queue", {"synthetic": True})
    assert stats.assumed["synthetic_queue"] == 2


def test_a_queue_a_flow_placed_whose_flow_is_not_in_the_record_is_written_unlinked_and_noted() -> None:
    """`flowInType` says an IVR put the call in the queue, but the record holds no IVR participant."""
    record = gc.ivr_before_queue()
    del record["participants"][1]
    events, stats = converted(record)
    assert_well_formed(events)
    entered = party_events(events, "q1")[0]
    assert "by" not in entered
    assert entered["data"]["unlinked"] == ("flowInType ivr, but no session ended with transfer within 2000 ms of "
                                           "this one's start")
    assert stats.assumed["unlinked"] == 1


def test_agents_alerted_together_by_one_queue_are_both_invited_before_the_stay_hands_on() -> None:
    """The second agent is alerted while the first still rings: the stay leaves when it offers the
    second, and the first agent's unanswered alert does not send the chat back to the queue."""
    record = gc.conversation(
        "c-together", gc.customer(200.0), gc.acd("s-acd", 0.5, 12.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 6.0, disconnect="client")),
        gc.agent("p-agent2", gc.USER_2, gc.offer("s-agent2", 2.0, 12.0, 190.0, disconnect="peer")), end=200.0)
    events, _ = converted(record)
    assert_well_formed(events)
    assert steps(events)[1:7] == [
        ("party.entered", "q1", None), ("party.invited", "a1", None), ("party.invited", "a2", None),
        ("party.left", "q1", "offered"), ("party.revoked", "a1", "client"), ("party.accepted", "a2", None)]
    assert party_events(events, "q1")[-1]["ts"] == gc.at(2.0)
    assert descriptors(events)["q1"] == "Received/Diverted [AnsweredByAgent]"


def test_a_chat_back_in_its_queue_after_a_failed_offer_while_the_conversation_goes_on_is_left_waiting() -> None:
    record = gc.conversation(
        "c-waiting", gc.customer(None, None), gc.acd("s-acd", 0.5, None),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 11.0, disconnect="client")))
    events, stats = converted(record)
    assert_well_formed(events)
    assert steps(events)[1:] == [("party.entered", "q1", None), ("party.invited", "a1", None),
                                 ("party.left", "q1", "offered"), ("party.revoked", "a1", "client"),
                                 ("party.entered", "q2", None)]
    assert (stats.interactions, stats.open) == (1, 1)


def test_an_agent_offered_as_its_queue_starts_and_transferring_at_once_is_routed_by_that_queue() -> None:
    """The agent is alerted the millisecond the acd session starts and ends `transfer` within 2 s of
    it: it is both the offer of that stay and, by the handoff rule, its source. The stay is the
    conversation's first, brought in by no one and so for no transfer, and it routes the agent."""
    record = gc.conversation(
        "c-at-once", gc.customer(200.0), gc.acd("s-acd", 1.0, 30.0, disconnect="peer"),
        gc.agent("p-agent", gc.USER_1, gc.session(
            "s-agent", gc.segment("alert", 1.0, 1.5, queueId=gc.QUEUE_1),
            gc.segment("interact", 1.5, 2.0, queueId=gc.QUEUE_1, disconnectType="transfer"))),
        end=210.0)
    events, stats = converted(record)
    assert stats.rejections == []
    assert_well_formed(events)
    entered = party_events(events, "q1")[0]
    assert "by" not in entered
    assert "intent" not in entered
    invited = party_events(events, "a1")[0]
    assert (invited["by"], invited["intent"]) == ("c-at-once.q1", "route")
    assert steps(party_events(events, "a1"))[-1] == ("party.left", "a1", "transfer")


def test_an_offer_the_agent_did_not_answer_in_time_is_revoked_for_timeout_and_the_chat_waits_again() -> None:
    metrics = [{"name": "tAlert", "value": 30000, "emitDate": gc.at(31.0)},
               {"name": "tNotResponding", "value": 30000, "emitDate": gc.at(31.0)}]
    record = gc.conversation(
        "c-not-responding", gc.customer(200.0), gc.acd("s-acd", 0.5, 60.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 31.0, disconnect="client", metrics=metrics)),
        gc.agent("p-agent2", gc.USER_2, gc.offer("s-agent2", 31.5, 60.0, 190.0, disconnect="peer")),
        end=200.0)
    events, _ = converted(record)
    assert_well_formed(events)
    revoked = party_events(events, "a1")[-1]
    assert (revoked["event"], revoked["reason"], revoked["data"]) == (
        "party.revoked", "timeout", {"source_reason": "notResponding"})
    assert party_events(events, "q2")[0]["data"]["requeued"] is True
    assert descriptors(events)["a2"] == "RoutedTo/Completed"


@pytest.mark.parametrize(("disconnect", "reason", "source"), [
    ("transportFailure", "error", "transportFailure"),
    ("error", "error", None),
    ("system", "system", None),
    (None, None, None),
])
def test_how_an_agent_session_ended_gives_the_reason_of_its_leaving(
        disconnect: str | None, reason: str | None, source: str | None) -> None:
    """The reason table of the mapping notes: `error` for the error endings, with the source's word in
    `data` when it is another; any other word as it is; no reason for a session given no ending."""
    record = gc.conversation(
        "c-ending", gc.customer(200.0), gc.acd("s-acd", 0.5, 5.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 150.0, disconnect=disconnect)), end=200.0)
    events, _ = converted(record)
    assert_well_formed(events)
    left = party_events(events, "a1")[-1]
    assert (left["event"], left.get("reason")) == ("party.left", reason)
    expected = {"wrapUpCode": "resolved"} if source is None else {"source_reason": source, "wrapUpCode": "resolved"}
    assert left["data"] == expected


def test_a_customer_whose_connection_failed_left() -> None:
    """`transportFailure` is one of the customer endings that mean the customer left."""
    events, _ = converted(gc.conversation(
        "c-dropped", gc.customer(42.0, "transportFailure"), gc.acd("s-acd", 0.5, 42.0, disconnect="peer"),
        end=42.0))
    assert steps(events)[-3:] == [("customer.left", "", "transportFailure"), ("party.left", "q1", "customer_left"),
                                  ("interaction.ended", "", None)]
    assert descriptors(events) == {"q1": "Received/CustomerAbandoned [AbandonedWhileQueued]"}


@pytest.mark.parametrize(("missing", "kept"), [
    ("sessionId", {"participantId": "p-agent", "userId": gc.USER_1}),
    ("participantId", {"sessionId": "s-agent", "userId": gc.USER_1}),
])
def test_a_session_without_one_of_its_ids_keeps_the_ids_it_has(missing: str, kept: dict) -> None:
    record = gc.no_acd_participant()
    agent = record["participants"][1]
    del (agent["sessions"][0] if missing == "sessionId" else agent)[missing]
    events, _ = converted(record)
    assert_well_formed(events)
    assert party_events(events, "a1")[0]["data"] == kept


def test_a_time_before_1970_is_no_time_and_rejects_the_record() -> None:
    """`0001-01-01T00:00:00Z`, the zero date some tools write for a missing time, names no moment a
    conversation can have: the record is rejected naming the field, with the usual form as hint."""
    record = gc.abandoned_in_queue()
    record["participants"][1]["sessions"][0]["segments"][0]["segmentEnd"] = "0001-01-01T00:00:00Z"
    events, stats = converted(record)
    assert events == []
    [problem] = stats.rejections[0].problems
    assert (problem.code, problem.hint) == ("A103", "times are written like 2021-04-01T12:27:53.386Z")
    assert problem.message == ("record 1: conversation c-queue: participants[1].sessions[0].segments[0].segmentEnd: "
                               "not an RFC 3339 time: '0001-01-01T00:00:00Z'")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r["participants"][1].pop("purpose"), "participants[1].purpose: missing"),
    (lambda r: r["participants"][1].update(purpose=True), "participants[1].purpose: must be a string, not a boolean"),
    (lambda r: r["participants"][2].update(userId=42), "participants[2].userId: must be a string, not a number"),
    (lambda r: r["participants"][2]["sessions"].append("s-agent3"),
     "participants[2].sessions[2]: must be an object, not a string"),
    (lambda r: r["participants"][2]["sessions"][1]["segments"][0].pop("segmentStart"),
     "participants[2].sessions[1].segments[0].segmentStart: missing"),
])
def test_a_field_missing_or_of_another_type_rejects_the_record_naming_its_path(edit: Callable[[dict], object],
                                                                               message: str) -> None:
    record = gc.offer_ended_by_system()
    edit(record)
    events, stats = converted(record)
    assert events == []
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert (rejection.interaction, problem.code) == ("c-system", "A102")
    assert problem.message == f"record 1: conversation c-system: {message}"


# ---- names files ----------------------------------------------------------------------------------

def test_a_names_file_may_be_a_bare_array_of_entities(tmp_path: Path) -> None:
    """The `entities` of `GET /api/v2/routing/queues`, saved without the page around them."""
    path = tmp_path / "queues.json"
    path.write_text(orjson.dumps([{"id": gc.QUEUE_1, "name": "Support Chat", "memberCount": 3},
                                  {"id": gc.QUEUE_2, "name": "Sales Chat", "memberCount": 1}]).decode())
    assert load_names([str(path)]).by_id == {gc.QUEUE_1: "Support Chat", gc.QUEUE_2: "Sales Chat"}


@pytest.mark.parametrize("text", [
    '"Support Chat"',
    '[{"id": "q1"}]',
    '["q1", "q2"]',
    '{"entities": [{"id": "q1", "name": "Support"}, {"id": "q2"}]}',
])
def test_a_names_file_that_is_no_pairs_and_no_list_of_entities_is_refused_naming_it(tmp_path: Path,
                                                                                      text: str) -> None:
    path = tmp_path / "names.json"
    path.write_text(text)
    with pytest.raises(NamesError, match=r"names\.json: expected an object of \"id\": \"name\" pairs"):
        load_names([str(path)])


# ---- reading files --------------------------------------------------------------------------------

def test_a_file_that_may_not_be_read_is_refused_before_any_record_is_read(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    readable, locked = tmp_path / "a.json", tmp_path / "b.json"
    readable.write_bytes(orjson.dumps(gc.abandoned_in_queue()))
    locked.write_bytes(orjson.dumps(gc.abandoned_in_flow()))
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: path != str(locked) and access(path, mode))
    records = read_records([str(readable), str(locked)], "conversations")
    with pytest.raises(UnreadableSource, match=f"^cannot read {re.escape(str(locked))}: permission denied$"):
        next(records)


def test_a_file_that_disappears_after_the_check_is_refused_naming_it(tmp_path: Path) -> None:
    """Files are opened one after the other: an export rotated away meanwhile is an unreadable source."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(orjson.dumps(gc.abandoned_in_queue()) + b"\n")
    second.write_bytes(orjson.dumps(gc.abandoned_in_flow()) + b"\n")
    records = read_records([str(first), str(second)], "conversations")
    record = next(records)
    assert isinstance(record, SourceRecord) and record.value == gc.abandoned_in_queue()
    second.unlink()
    with pytest.raises(UnreadableSource, match=f"^cannot read {re.escape(str(second))}: No such file or directory$"):
        next(records)
