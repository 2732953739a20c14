"""Genesys Cloud: a coach (or monitor, or barger) who joins while the agent it watches wraps up.

The agent's `party.left` is at the end of its last segment before wrap-up, so an agent in wrap-up
has left the chat. Tied to that agent, the coach would be invited by a party that had left: no
event order fits, and the whole conversation was rejected (A104) with all its rows. The coach is
now tied to a session of the agent still in the chat, or else, like a monitor that fits none of
several agents, offered by a synthetic queue stay. A coach of an agent still in the chat is tied
to it as before. An agent that blind-transfers leaves when the stay it placed starts (the handoff
clamp, up to 2 s later): a coach joining within those 2 s is tied by that start, once known."""

from __future__ import annotations

import orjson
import pytest

from rulesengine.cli import main

from . import genesys_records as gc
from .contract import assert_well_formed
from .test_genesys_cloud import converted, descriptors, party_events

AGENT = {"sessionId": "s-agent", "participantId": "p-agent", "userId": gc.USER_1}
COACH = {"sessionId": "s-super", "participantId": "p-super", "userId": gc.SUPERVISOR}


def coach(start: float, end: float, target: str | None = "p-agent", kind: str = "coaching") -> dict:
    """A supervisor's session watching `target` (or, with None, naming no one) from `start` to `end`."""
    named = {"coachedParticipantId": target} if target else {}
    return gc.participant("p-super", "user", gc.session(
        "s-super", gc.segment(kind, start, end, disconnectType="client"), **named), userId=gc.SUPERVISOR)


def coached_in_wrapup(kind: str = "coaching") -> dict:
    """The agent chats from 5 s, the customer ends the chat at 190 s (`peer`), the agent wraps up
    from 190 s to 210 s; a supervisor coaching that agent joins at 195 s and leaves at 200 s."""
    return gc.conversation(
        "c-wrapup-coach", gc.customer(200.0), gc.acd("s-acd", 0.5, 5.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 190.0, disconnect="peer")),
        coach(195.0, 200.0, kind=kind), end=210.0)


def expected_events(ident: str = "c-wrapup-coach") -> list[dict]:
    def event(seq: int, at: float, name: str, **fields: object) -> dict:
        return {"interaction": ident, "seq": seq, "ts": gc.at(at), "event": name, **fields}
    return [
        event(1, 0.0, "interaction.created", media="chat"),
        event(2, 0.5, "party.entered", party=f"{ident}.q1", kind="queue", resource=gc.QUEUE_1,
              data={"sessionId": "s-acd", "participantId": "p-s-acd", "queueId": gc.QUEUE_1}),
        event(3, 1.0, "party.invited", party=f"{ident}.a1", kind="agent", resource=gc.USER_1, by=f"{ident}.q1",
              intent="route", data=AGENT),
        event(4, 1.0, "party.left", party=f"{ident}.q1", reason="offered"),
        event(5, 5.0, "party.accepted", party=f"{ident}.a1"),
        event(6, 190.0, "party.left", party=f"{ident}.a1", reason="completed",
              data={"source_reason": "peer", "wrapUpCode": "resolved"}),
        # the coach, offered by a synthetic stay at its start, as a monitor that fits no agent is
        event(7, 195.0, "party.entered", party=f"{ident}.q2", kind="queue", resource="queue", data={"synthetic": True}),
        event(8, 195.0, "party.invited", party=f"{ident}.a2", kind="agent", resource=gc.SUPERVISOR, by=f"{ident}.q2",
              intent="route", visibility="coach", data=COACH),
        event(9, 195.0, "party.left", party=f"{ident}.q2", reason="offered"),
        event(10, 195.0, "party.accepted", party=f"{ident}.a2"),
        event(11, 200.0, "customer.left", reason="client"),
        event(12, 200.0, "party.left", party=f"{ident}.a2", reason="completed", data={"source_reason": "client"}),
        event(13, 210.0, "interaction.ended"),
    ]


@pytest.mark.parametrize("kind", ["coaching", "interact"])
def test_a_coach_joining_while_the_agent_wraps_up_is_offered_by_a_synthetic_queue_not_rejected(kind: str) -> None:
    events, stats = converted(coached_in_wrapup(kind))
    assert stats.rejections == []
    assert events == expected_events()
    assert_well_formed(events)
    assert dict(stats.assumed) == {"synthetic_queue": 1}
    assert descriptors(events) == {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed",
        "q2": "Received/Diverted [AnsweredByAgent]", "a2": "RoutedTo/Completed"}


def test_run_from_genesys_cloud_writes_the_rows_of_a_conversation_coached_in_wrap_up(capsys, tmp_path) -> None:
    path = tmp_path / "conversation.json"
    path.write_bytes(orjson.dumps(coached_in_wrapup()))
    rejects = tmp_path / "rejects.jsonl"
    code = main(["run", "--from", "genesys-cloud", str(path), "--rejects", str(rejects), "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert rejects.read_text() == ""
    rows = [orjson.loads(line) for line in out.splitlines()]
    assert [(row["party"], row["resource"], row["resource_role"], row["technical_result"]) for row in rows] == [
        ("c-wrapup-coach.q1", gc.QUEUE_1, "Received", "Diverted"),
        ("c-wrapup-coach.a1", gc.USER_1, "RoutedTo", "Completed"),
        ("c-wrapup-coach.q2", "queue", "Received", "Diverted"),
        ("c-wrapup-coach.a2", gc.SUPERVISOR, "RoutedTo", "Completed")]
    assert "0 rejected" in err and "assumed: 1 synthetic queue" in err


def two_agents(watcher: dict) -> dict:
    """Agent 1 chats from 5 s to 100 s and wraps up until 120 s; agent 2, conferenced in at 60 s from
    the same queue, chats until 190 s, when the customer leaves."""
    return gc.conversation(
        "c-two", gc.customer(190.0), gc.acd("s-acd", 0.5, 5.0), gc.acd("s-acd2", 55.0, 62.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 100.0, disconnect="client")),
        gc.agent("p-agent2", gc.USER_2, gc.offer("s-agent2", 60.0, 62.0, 190.0, disconnect="peer")),
        watcher, end=215.0)


def test_a_coach_of_one_of_two_agents_joining_during_that_agents_wrap_up_is_not_tied_to_the_other() -> None:
    """Agent 1 wraps up while agent 2 still chats: the coach of agent 1 is not agent 2's coach, so it
    is tied to neither and offered by a synthetic stay; agent 2's events are those without a coach."""
    events, stats = converted(two_agents(coach(110.0, 115.0)))
    assert stats.rejections == []
    assert_well_formed(events)
    [invited] = [e for e in events if e.get("resource") == gc.SUPERVISOR]
    assert (invited["party"], invited["by"], invited["intent"], invited["visibility"]) == (
        "c-two.a3", "c-two.q3", "route", "coach")
    assert party_events(events, "q3")[0]["data"] == {"synthetic": True}
    assert stats.assumed["synthetic_queue"] == 1
    alone, _ = converted(two_agents(gc.participant("p-other", "voicemail", gc.session(
        "s-other", gc.segment("interact", 110.0, 115.0)))))
    assert _without_seq(events, "q1", "a1", "q2", "a2") == _without_seq(alone, "q1", "a1", "q2", "a2")
    assert descriptors(events) == {**descriptors(alone), "q3": "Received/Diverted [AnsweredByAgent]",
                                   "a3": "RoutedTo/Completed"}


def _without_seq(events: list[dict], *parties: str) -> list[dict]:
    """The events of these parties, in order, without their `seq` (which the coach's events shift)."""
    return [{k: v for k, v in e.items() if k != "seq"} for e in events
            if e.get("party", "").rsplit(".", 1)[-1] in parties]


def test_a_coach_of_the_agent_still_chatting_while_the_other_wraps_up_is_tied_to_it() -> None:
    events, stats = converted(two_agents(coach(110.0, 115.0, target="p-agent2")))
    assert stats.rejections == []
    assert_well_formed(events)
    invited = party_events(events, "a3")[0]
    assert (invited["resource"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.SUPERVISOR, "c-two.a2", "consult", "coach")
    assert "synthetic_queue" not in stats.assumed


def transferred_and_offered_again(ident: str, queue_start: float, alert: float, queue_end: float,
                                  watcher: dict) -> dict:
    """The agent blind-transfers at 100 s and wraps up until 120 s; the next queue, from
    `queue_start`, offers it the chat again at `alert`, and it chats from `queue_end` to 290 s."""
    return gc.conversation(
        ident, gc.customer(300.0), gc.acd("s-acd", 0.5, 5.0),
        gc.acd("s-acd2", queue_start, queue_end, queue=gc.QUEUE_2, flowInType="agent"),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 100.0, disconnect="transfer"),
                 gc.offer("s-agent2", alert, queue_end, 290.0, queue=gc.QUEUE_2, disconnect="peer")),
        watcher, end=310.0)


def invitation_of(record: dict, party: str) -> tuple[list[dict], dict, object]:
    """The record converted, well formed and not rejected: its events, the `party.invited` of
    `party`, and the conversion's counts."""
    events, stats = converted(record)
    assert stats.rejections == []
    assert_well_formed(events)
    return events, party_events(events, party)[0], stats


def test_a_coach_is_tied_to_the_session_of_its_agent_still_chatting_not_to_one_wrapping_up() -> None:
    """Offered the chat again, the agent chats from 106 s: a coach of it joining at 110 s coaches
    that second session, not the one wrapping up."""
    events, invited, stats = invitation_of(transferred_and_offered_again("c-again", 100.02, 101.0, 106.0,
                                                                         coach(110.0, 115.0)), "a3")
    assert (invited["resource"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.SUPERVISOR, "c-again.a2", "consult", "coach")
    assert party_events(events, "a2")[0]["data"]["sessionId"] == "s-agent2"
    assert "synthetic_queue" not in stats.assumed


@pytest.mark.parametrize(("start", "end"), [(60.0, 120.0), (60.0, 200.0), (190.0, 200.0)])
def test_a_coach_joining_before_the_agent_wraps_up_is_tied_to_it_as_before(start: float, end: float) -> None:
    """Joining while the agent chats, or the very moment it leaves, the coach is the agent's: whether
    it stays into the agent's wrap-up or not."""
    record = gc.conversation(
        "c-coach", gc.customer(200.0), gc.acd("s-acd", 0.5, 5.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 5.0, 190.0, disconnect="peer")),
        coach(start, end, kind="interact"), end=210.0)
    events, invited, stats = invitation_of(record, "a2")
    assert (invited["ts"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.at(start), "c-coach.a1", "consult", "coach")
    assert party_events(events, "a1")[-1]["ts"] == gc.at(190.0)
    assert "synthetic_queue" not in stats.assumed


def test_a_coach_joining_in_the_handoff_clamp_after_a_blind_transfer_is_still_tied_to_the_agent() -> None:
    """The queue the agent placed the chat in starts at 101 s, to which the agent's leaving is
    moved (rule 1). A coach joining at 100.5 s joins an agent still in the chat: it stays the
    agent's, and the queue stays placed by the agent."""
    events, invited, stats = invitation_of(transferred_and_offered_again("c-clamp", 101.0, 101.2, 110.0,
                                                                         coach(100.5, 100.8)), "a2")
    assert (invited["resource"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.SUPERVISOR, "c-clamp.a1", "consult", "coach")
    assert (party_events(events, "q2")[0]["by"], party_events(events, "q2")[0]["intent"]) == ("c-clamp.a1", "transfer")
    assert dict(stats.assumed) == {"clamped_handoff": 1}


@pytest.mark.parametrize("queue_start", [100.02, 100.2, 100.49])
def test_a_coach_joining_in_the_handoff_clamp_after_the_queue_started_is_not_tied_to_the_agent_that_left(
        queue_start: float) -> None:
    """The agent blind-transfers at 100 s into a queue that starts before the coach joins, at
    100.5 s: rule 1 moves the agent's leaving to the queue's start, before the coach joined, so
    the agent had left and the coach is not tied to it (that rejected the whole record: A104).
    No session of the agent handles the chat at 100.5 s (it is offered again at 101 s); the coach
    is offered by the one queue stay open then, the agent's transfer stays as it was."""
    ident = "c-clamped"
    events, invited, stats = invitation_of(transferred_and_offered_again(ident, queue_start, 101.0, 106.0,
                                                                         coach(100.5, 100.8)), "a2")
    assert (invited["resource"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.SUPERVISOR, f"{ident}.q2", "route", "coach")
    assert party_events(events, "a1")[-1]["ts"] == gc.at(queue_start)
    assert (party_events(events, "q2")[0]["by"], party_events(events, "q2")[0]["intent"]) == (f"{ident}.a1", "transfer")
    assert dict(stats.assumed) == {"clamped_handoff": 1}


@pytest.mark.parametrize(("queue_start", "coached_by"), [(100.5, "a1"), (100.51, "a1"), (100.49, "q2")])
def test_a_coach_in_the_handoff_clamp_is_tied_by_when_the_agent_left_not_by_the_clamp_s_width(
        queue_start: float, coached_by: str) -> None:
    """Within the clamp, only when the agent's leaving is moved to decides: the agent leaving the
    very moment the coach joins is still there to be coached."""
    ident = "c-edge"
    _, invited, _ = invitation_of(transferred_and_offered_again(ident, queue_start, 101.0, 106.0,
                                                                coach(100.5, 100.8)), "a2")
    assert invited["by"] == f"{ident}.{coached_by}"


def test_a_coach_of_an_agent_still_alerting_is_tied_to_it_as_before() -> None:
    """An agent alerted from 1 s and never answering has not left when a coach of it joins at 100 s:
    the coach is the agent's, whatever came of the alert."""
    record = gc.conversation(
        "c-ringing", gc.customer(200.0), gc.acd("s-acd", 0.5, 150.0),
        gc.agent("p-agent", gc.USER_1, gc.offer("s-agent", 1.0, 150.0, disconnect="client")),
        coach(100.0, 120.0, kind="interact"), end=210.0)
    _, invited, stats = invitation_of(record, "a2")
    assert (invited["ts"], invited["by"], invited["intent"], invited["visibility"]) == (
        gc.at(100.0), "c-ringing.a1", "consult", "coach")
    assert "synthetic_queue" not in stats.assumed
