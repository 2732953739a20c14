"""Genesys Cloud conversation-detail records for tests, built from a few lines each.

The shapes are those the published samples and the mapping notes describe (real
records with five blind transfers, an IVR before the queue, an offer the system
ended, a chat without an acd participant...), written here in the structure of the
analytics API: participants → sessions → segments with RFC 3339 times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
QUEUE_1 = "7f1d0a2e-0000-4000-8000-000000000001"
QUEUE_2 = "7f1d0a2e-0000-4000-8000-000000000002"
USER_1 = "a11ce000-0000-4000-8000-000000000001"
USER_2 = "b0b00000-0000-4000-8000-000000000002"
SUPERVISOR = "5a9e0000-0000-4000-8000-000000000003"


def at(seconds: float) -> str:
    """The time `seconds` after the conversations' start, as Genesys Cloud writes it."""
    return (_START + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def segment(kind: str, start: float, end: float | None, **fields: object) -> dict:
    record = {"segmentStart": at(start), "segmentType": kind, "conference": False, **fields}
    if end is not None:
        record["segmentEnd"] = at(end)
    return record


def session(ident: str, *segments: dict, media: str = "chat", **fields: object) -> dict:
    return {"mediaType": media, "sessionId": ident, "direction": "inbound", "segments": list(segments), **fields}


def participant(ident: str, purpose: str, *sessions: dict, **fields: object) -> dict:
    return {"participantId": ident, "purpose": purpose, "sessions": list(sessions), **fields}


def conversation(ident: str, *participants: dict, start: float = 0, end: float | None = None) -> dict:
    record = {"conversationId": ident, "conversationStart": at(start), "originatingDirection": "inbound",
              "participants": list(participants)}
    if end is not None:
        record["conversationEnd"] = at(end)
    return record


def customer(until: float | None, disconnect: str | None = "client", media: str = "chat") -> dict:
    fields = {"disconnectType": disconnect} if disconnect else {}
    return participant("p-customer", "customer",
                       session("s-customer", segment("interact", 0, until, **fields), media=media),
                       participantName="Jane Doe")


def acd(ident: str, start: float, end: float | None, queue: str = QUEUE_1, disconnect: str = "transfer",
        **fields: object) -> dict:
    ending = {"disconnectType": disconnect} if end is not None else {}
    return participant(f"p-{ident}", "acd",
                       session(ident, segment("interact", start, end, queueId=queue, **ending), **fields),
                       participantName="Chat Queue")


def offer(ident: str, alert: float, answered: float | None, until: float | None = None, *,
          queue: str | None = QUEUE_1, disconnect: str | None = "client", **fields: object) -> dict:
    """An agent session: alerted at `alert`; accepted at `answered` and connected until `until`,
    or, without `until`, an alert that ended at `answered` with `disconnect`."""
    queued = {"queueId": queue} if queue else {}
    if until is None:
        ending = {"disconnectType": disconnect} if disconnect and answered is not None else {}
        return session(ident, segment("alert", alert, answered, **queued, **ending), **fields)
    ending = {"disconnectType": disconnect} if disconnect else {}
    return session(ident, segment("alert", alert, answered, **queued),
                   segment("interact", answered, until, **queued, **ending),
                   segment("wrapup", until, until + 20, **queued, wrapUpCode="resolved"), **fields)


def agent(ident: str, user: str, *sessions: dict) -> dict:
    return participant(ident, "agent", *sessions, userId=user)


# ---- the shapes -----------------------------------------------------------------------------


def five_blind_transfers() -> dict:
    """Web messaging: an inbound message flow, then a queue; the agent blind-transfers the
    conversation back through a queue five times and is offered it again each time, so one
    agent participant carries six sessions; each acd session starts a few milliseconds after
    the session that transferred it ended."""
    flow = participant("p-flow", "workflow", session(
        "s-flow", segment("interact", 0.0, 13.444, disconnectType="transfer"), media="message",
        flow={"flowId": "f-1", "flowName": "Inbound Message", "flowType": "INBOUNDSHORTMESSAGE",
              "transferTargetAddress": QUEUE_1}))
    queues, sessions = [], []
    start, gaps = 13.476, (0.028, 0.058, 0.031, 0.045, 0.012)
    for number in range(6):
        queue = QUEUE_1 if number % 2 == 0 else QUEUE_2
        answered = start + 3.0
        last = number == 5
        until = answered + (120.0 if last else 10.0)
        queues.append(acd(f"s-acd{number + 1}", start, answered - 0.007, queue=queue, media="message",
                          flowInType="workflow" if number == 0 else "agent"))
        sessions.append(offer(f"s-agent{number + 1}", start + 0.2, answered, until, queue=queue,
                              disconnect="peer" if last else "transfer", media="message"))
        if not last:
            start = until + gaps[number]
    return conversation("c-five-transfers", customer(until - 1.0, media="message"), flow, *queues,
                        agent("p-agent", USER_1, *sessions), end=until + 20)


def ivr_before_queue() -> dict:
    """Voice: an IVR transfers to a queue 32 ms before the acd session starts (the clamp)."""
    return conversation(
        "c-ivr", customer(120.0, "endpoint", media="voice"),
        participant("p-ivr", "ivr", session("s-ivr", segment("interact", 0.0, 19.492, disconnectType="transfer"),
                                            media="voice", flow={"flowName": "Main Menu", "flowType": "INBOUNDCALL"})),
        acd("s-acd", 19.524, 25.004, media="voice", flowInType="ivr"),
        agent("p-agent", USER_1, offer("s-agent", 19.7, 25.0, 120.0, disconnect="peer", media="voice")),
        end=140.0)


def offer_ended_by_system() -> dict:
    """The first offer ends `system` with an edge error code; the same user is offered again."""
    return conversation(
        "c-system", customer(200.0), acd("s-acd", 0.5, 31.0),
        agent("p-agent", USER_1,
              session("s-agent1", segment("alert", 1.0, 11.0, queueId=QUEUE_1, disconnectType="system",
                                          errorCode="error.ininedgecontrol.connection.protocol")),
              offer("s-agent2", 12.0, 31.0, 180.0, disconnect="client")),
        end=200.0)


def no_acd_participant() -> dict:
    """A 2016 chat: the customer and the agent only; no flow object, no acd participant."""
    return conversation(
        "c-no-acd", customer(300.0),
        agent("p-agent", USER_1, offer("s-agent", 4.0, 9.0, 290.0, queue=None, disconnect="peer")),
        end=310.0)


def customer_left_while_ringing() -> dict:
    """The customer leaves while the agent is alerted; the alert ends 4 ms later, the acd 5 ms later."""
    return conversation(
        "c-ringing", customer(30.0), acd("s-acd", 0.5, 30.005, disconnect="peer"),
        agent("p-agent", USER_1, offer("s-agent", 10.0, 30.004, disconnect="peer")),
        end=30.005)


def abandoned_in_queue() -> dict:
    return conversation("c-queue", customer(42.0), acd("s-acd", 0.5, 42.0, disconnect="peer"), end=42.0)


def abandoned_in_flow() -> dict:
    return conversation(
        "c-flow", customer(15.0, "endpoint", media="voice"),
        participant("p-ivr", "ivr", session("s-ivr", segment("interact", 0.0, 15.0, disconnectType="peer"),
                                            media="voice", flow={"flowName": "Main Menu"})),
        end=15.0)


def coached() -> dict:
    """A supervisor coaches the agent (sees the chat, is not seen by the customer)."""
    return conversation(
        "c-coach", customer(200.0), acd("s-acd", 0.5, 5.0),
        agent("p-agent", USER_1, offer("s-agent", 1.0, 5.0, 190.0, disconnect="peer")),
        participant("p-super", "user", session(
            "s-super", segment("interact", 60.0, 120.0, disconnectType="client"),
            coachedParticipantId="p-agent"), userId=SUPERVISOR),
        end=210.0)


def still_open() -> dict:
    """No conversationEnd, and the agent's interact segment has no end: the conversation goes on."""
    return conversation(
        "c-open", customer(None, None), acd("s-acd", 0.5, 5.0),
        agent("p-agent", USER_1, session("s-agent", segment("alert", 1.0, 5.0, queueId=QUEUE_1),
                                         segment("interact", 5.0, None, queueId=QUEUE_1))))


def internal_caller() -> dict:
    """A user of the organisation calls its own IVR: no customer participant."""
    return conversation(
        "c-internal",
        participant("p-caller", "user", session("s-caller", segment("interact", 0.0, 90.0, disconnectType="endpoint"),
                                                media="voice", direction="outbound"), userId=USER_2),
        participant("p-ivr", "ivr", session("s-ivr", segment("interact", 0.1, 8.0, disconnectType="transfer"),
                                            media="voice", flow={"flowName": "Main Menu"})),
        acd("s-acd", 8.03, 14.0, media="voice", flowInType="ivr"),
        agent("p-agent", USER_1, offer("s-agent", 9.0, 14.0, 90.0, disconnect="peer", media="voice")),
        end=100.0)


def direct_blind_transfer() -> dict:
    """The agent blind-transfers to another user directly (no queue): the target is alerted 20 ms
    after the first agent's session ended `transfer`."""
    return conversation(
        "c-direct", customer(400.0), acd("s-acd", 0.5, 5.0),
        agent("p-agent1", USER_1, offer("s-agent1", 1.0, 5.0, 50.0, disconnect="transfer")),
        agent("p-agent2", USER_2, offer("s-agent2", 50.02, 55.0, 390.0, queue=QUEUE_1, disconnect="peer")),
        end=410.0)


def hold_and_retrieve() -> dict:
    return conversation(
        "c-hold", customer(300.0), acd("s-acd", 0.5, 5.0),
        agent("p-agent", USER_1, session(
            "s-agent", segment("alert", 1.0, 5.0, queueId=QUEUE_1), segment("interact", 5.0, 60.0, queueId=QUEUE_1),
            segment("hold", 60.0, 90.0, queueId=QUEUE_1), segment("interact", 90.0, 310.0, queueId=QUEUE_1,
                                                                  disconnectType="peer"))),
        end=310.0)


#: each shape with the descriptor of every party, by the end of its party id
SHAPES: dict[str, tuple] = {
    "five_blind_transfers": (five_blind_transfers, {
        "s1": "Puller/Routed",
        **{f"q{n}": "Received/Diverted [AnsweredByAgent]" for n in range(1, 7)},
        "a1": "RoutedTo/Completed",
        **{f"a{n}": "ReceivedTransfer/Completed" for n in range(2, 7)},
    }),
    "ivr_before_queue": (ivr_before_queue, {
        "s1": "Puller/Routed", "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed"}),
    "offer_ended_by_system": (offer_ended_by_system, {
        "q1": "Received/Diverted", "a1": "RoutedTo/Redirected [Revoked]",
        "q2": "Received/Diverted [AnsweredByAgent]", "a2": "RoutedTo/Completed"}),
    "no_acd_participant": (no_acd_participant, {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed"}),
    "customer_left_while_ringing": (customer_left_while_ringing, {
        "q1": "Received/Diverted [AbandonedWhileRinging]",
        "a1": "RoutedTo/CustomerAbandoned [AbandonedWhileRinging]"}),
    "abandoned_in_queue": (abandoned_in_queue, {"q1": "Received/CustomerAbandoned [AbandonedWhileQueued]"}),
    "abandoned_in_flow": (abandoned_in_flow, {"s1": "Puller/CustomerAbandoned"}),
    "coached": (coached, {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed",
        "a2": "ReceivedConsult/Completed"}),
    "internal_caller": (internal_caller, {
        "s1": "Puller/Routed", "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed"}),
    "direct_blind_transfer": (direct_blind_transfer, {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed",
        "a2": "ReceivedTransfer/Completed"}),
    "hold_and_retrieve": (hold_and_retrieve, {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed"}),
    "still_open": (still_open, {
        "q1": "Received/Diverted [AnsweredByAgent]", "a1": "RoutedTo/Completed"}),
}
