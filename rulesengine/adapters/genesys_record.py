"""Reading one Genesys Cloud conversation-detail record into checked, typed sessions.

Only what the mapping uses is read, and each of those fields is checked: a wrong
type, a missing field or a time that is not one raises `Rejected` naming the field
by its path in the record (`participants[1].sessions[0].segments[2].segmentStart`).
Everything else in the record is left alone.
"""

from __future__ import annotations

import attrs

from rulesengine.adapters.outcome import BAD_SHAPE, BAD_TIME, CONTRADICTION, Rejected, field_path, json_type
from rulesengine.adapters.times import parse_text

CUSTOMER_PURPOSES = frozenset({"customer", "external"})
AGENT_PURPOSES = frozenset({"agent", "user"})
QUEUE_PURPOSES = frozenset({"acd"})
FLOW_PURPOSES = frozenset({"ivr", "workflow", "botflow", "bot", "voicebot", "digitalbot"})
#: segment types in which an agent is connected to the conversation
CONNECTED = frozenset({"interact", "hold", "coaching", "monitoring", "barging"})
#: segment types after the agent stopped handling the conversation
AFTER_WORK = frozenset({"wrapup"})
#: session fields naming the participant a coach, a monitor or a barger joined, with the visibility
WATCHING = (("coachedParticipantId", "coach"), ("monitoredParticipantId", "monitor"),
            ("bargedParticipantId", "conference"))
WATCHING_SEGMENTS = {"coaching": "coach", "monitoring": "monitor", "barging": "conference"}
_NEVER = 1 << 62


@attrs.define(eq=False)
class Segment:
    kind: str
    start: int
    end: int | None
    disconnect: str | None
    queue: str | None
    error_code: str | None
    wrapup_code: str | None
    conference: bool


@attrs.define(eq=False)
class Session:
    """One session of one participant; `role` is what the mapping makes of its purpose.

    Its segments are sorted and never change, so what the mapping reads from them (when the
    session started and ended, how it ended, its queue, when it was accepted) is worked out once.
    """

    role: str
    purpose: str
    participant: str | None
    participant_name: str | None
    user: str | None
    session_id: str | None
    media: str | None
    segments: list[Segment]
    flow_in_type: str | None
    flow: dict[str, str]
    #: the session has the metric `tNotResponding`: an alert that timed out
    not_responding: bool
    #: (visibility, participant id or "") for a coach, a monitor or a barger
    watching: tuple[str, str] | None
    order: int = 0
    start: int = attrs.field(init=False)
    #: the end of the whole session, wrap-up included; None while it goes on
    end: int | None = attrs.field(init=False)
    #: when the session stopped handling: the end of its last segment before wrap-up
    active_end: int | None = attrs.field(init=False)
    last_disconnect: str | None = attrs.field(init=False)
    queue: str | None = attrs.field(init=False)
    #: when the agent was connected: its first connected segment's start
    accepted: int | None = attrs.field(init=False)
    last_alert: Segment | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        segments = self.segments
        self.start = segments[0].start
        self.end = latest([segment.end for segment in segments])
        working = [segment for segment in segments if segment.kind not in AFTER_WORK] or segments
        self.active_end = latest([segment.end for segment in working])
        self.last_disconnect = next((s.disconnect for s in reversed(segments) if s.disconnect is not None), None)
        self.queue = next((segment.queue for segment in segments if segment.queue), None)
        self.accepted = next((segment.start for segment in segments if segment.kind in CONNECTED), None)
        self.last_alert = next((segment for segment in reversed(segments) if segment.kind == "alert"), None)

    @property
    def answered(self) -> int | None:
        """When the offer was settled: accepted, or the alert's end (None while it still rings)."""
        accepted = self.accepted
        if accepted is not None:
            return accepted
        alert = self.last_alert
        return alert.end if alert is not None else self.end

    def key(self) -> tuple:
        """A sort key from the session's content alone, never from where it sits in the record."""
        return (self.start, self.end if self.end is not None else _NEVER, self.role, self.session_id or "",
                self.participant or "", self.user or "",
                [(s.kind, s.start, s.end or 0, s.disconnect or "", s.queue or "") for s in self.segments])


def latest(moments: list[int | None]) -> int | None:
    """The latest of these moments; None when one of them has not come yet (is None)."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if len(known) == len(moments) else None


def role_of(purpose: str) -> str | None:
    """`customer`, `agent`, `queue` or `flow`; None for purposes that map to no party."""
    if purpose in CUSTOMER_PURPOSES:
        return "customer"
    if purpose in AGENT_PURPOSES:
        return "agent"
    if purpose in QUEUE_PURPOSES:
        return "queue"
    if purpose in FLOW_PURPOSES:
        return "flow"
    return None


@attrs.define
class RecordReader:
    """Reads the fields of one record; counts the timestamps it had to repair."""

    repair: bool
    repaired: int = 0

    def time(self, holder: dict, key: str, *where: str | int) -> int | None:
        """The time at `key` in epoch milliseconds, None when it is missing."""
        value = holder.get(key)
        if value is None:
            return None
        moment = parse_text(value, repair=self.repair)
        if moment is None:
            shown = repr(value) if type(value) is str else json_type(value)
            fixable = not self.repair and parse_text(value, repair=True) is not None
            raise Rejected(BAD_TIME, f"{field_path(*where, key)}: not an RFC 3339 time: {shown}",
                           "a time with one-digit fields is repaired unless --no-repair is given" if fixable
                           else "times are written like 2021-04-01T12:27:53.386Z")
        if moment.repaired:
            self.repaired += 1
        return moment.ms

    def required_time(self, holder: dict, key: str, *where: str | int) -> int:
        ms = self.time(holder, key, *where)
        if ms is None:
            raise Rejected(BAD_SHAPE, f"{field_path(*where, key)}: missing")
        return ms

    def text(self, holder: dict, key: str, *where: str | int) -> str | None:
        value = holder.get(key)
        if value is None:
            return None
        if type(value) is not str:
            raise Rejected(BAD_SHAPE, f"{field_path(*where, key)}: must be a string, not {json_type(value)}")
        return value or None

    def listed(self, holder: dict, key: str, *where: str | int) -> list:
        value = holder.get(key, [])
        if type(value) is not list:
            raise Rejected(BAD_SHAPE, f"{field_path(*where, key)}: must be a list, not {json_type(value)}")
        return value

    def sessions(self, participants: list) -> tuple[list[Session], list[str]]:
        """Every session of a participant that maps to a party or is the customer's, and the
        purposes of the participants that map to none."""
        sessions: list[Session] = []
        ignored: list[str] = []
        for p_index, participant in enumerate(participants):
            where = ("participants", p_index)
            _object(participant, where)
            purpose = self.text(participant, "purpose", *where)
            if purpose is None:
                raise Rejected(BAD_SHAPE, f"{field_path(*where, 'purpose')}: missing")
            role = role_of(purpose)
            if role is None:
                ignored.append(purpose)
                continue
            for s_index, session in enumerate(self.listed(participant, "sessions", *where)):
                read = self.session(participant, session, role, purpose, (*where, "sessions", s_index))
                if read is not None:
                    sessions.append(read)
        return sessions, ignored

    def session(self, participant: dict, value: object, role: str, purpose: str,
                where: tuple[str | int, ...]) -> Session | None:
        session = _object(value, where)
        segments = [self.segment(segment, (*where, "segments", index))
                    for index, segment in enumerate(self.listed(session, "segments", *where))]
        if not segments:
            return None
        segments.sort(key=lambda s: (s.start, s.end if s.end is not None else _NEVER, s.kind))
        flow = _object(session.get("flow") or {}, (*where, "flow"))
        metrics = session.get("metrics")
        not_responding = type(metrics) is list and any(
            type(item) is dict and item.get("name") == "tNotResponding" for item in metrics)
        owner = where[:2]
        return Session(
            role=role, purpose=purpose,
            participant=self.text(participant, "participantId", *owner),
            participant_name=self.text(participant, "participantName", *owner),
            user=self.text(participant, "userId", *owner),
            session_id=self.text(session, "sessionId", *where),
            media=self.text(session, "mediaType", *where),
            segments=segments,
            flow_in_type=self.text(session, "flowInType", *where),
            flow={key: value for key, value in flow.items() if type(value) is str},
            not_responding=not_responding,
            watching=self.watching(session, segments, where),
        )

    def watching(self, session: dict, segments: list[Segment], where: tuple) -> tuple[str, str] | None:
        for key, visibility in WATCHING:
            target = self.text(session, key, *where)
            if target is not None:
                return visibility, target
        for segment in segments:
            if segment.kind in WATCHING_SEGMENTS:
                return WATCHING_SEGMENTS[segment.kind], ""
        return None

    def segment(self, value: object, where: tuple[str | int, ...]) -> Segment:
        segment = _object(value, where)
        kind = self.text(segment, "segmentType", *where)
        if kind is None:
            raise Rejected(BAD_SHAPE, f"{field_path(*where, 'segmentType')}: missing")
        start = self.required_time(segment, "segmentStart", *where)
        end = self.time(segment, "segmentEnd", *where)
        if end is not None and end < start:
            raise Rejected(CONTRADICTION, f"{field_path(*where)}: segmentEnd is before segmentStart")
        return Segment(kind, start, end, self.text(segment, "disconnectType", *where),
                       self.text(segment, "queueId", *where), self.text(segment, "errorCode", *where),
                       self.text(segment, "wrapUpCode", *where), segment.get("conference") is True)


def _object(value: object, where: tuple) -> dict:
    """`value`, which must be a JSON object."""
    if type(value) is not dict:
        raise Rejected(BAD_SHAPE, f"{field_path(*where)}: must be an object, not {json_type(value)}")
    return value
