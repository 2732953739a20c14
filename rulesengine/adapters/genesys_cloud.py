"""Genesys Cloud analytics conversation-detail records → contract events.

One record (`GET /api/v2/analytics/conversations/{id}/details`, or one entry of a
details query's `conversations`) is one whole conversation: participants, their
sessions, each session's segments with start and end times. It becomes one
interaction, mapped as docs/adapters.md describes: flows (IVR, inbound message,
bot) are strategy parties, each acd session is a queue stay split at every agent
offer, each agent session is one agent party. The record has no pointers between
sessions, so who brought whom in is read from times, queue ids and `flowInType`,
and four rules make the result a well-formed interaction:

1. a session that ends `transfer` ends a few milliseconds before the one it
   created starts: its `party.left` is moved to that start (the handoff clamp);
2. a queue stay ends when an agent is offered the chat, and a new one starts when
   the offer fails while the acd session goes on;
3. an agent that no queue, flow or agent brought in is offered by a synthetic
   queue stay, flagged in `data`;
4. a timestamp with one-digit fields is repaired (or, without repair, rejects the
   record); any other bad time rejects it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

import attrs

from rulesengine.adapters.genesys_record import RecordReader, Session, latest
from rulesengine.adapters.names import Names
from rulesengine.adapters.outcome import (
    BAD_SHAPE,
    CONTRADICTION,
    NOT_JSON,
    ConversionStats,
    Converted,
    Rejected,
    Unmapped,
    json_type,
    problem,
)
from rulesengine.adapters.records import SourceRecord, Unreadable
from rulesengine.adapters.timeline import Party, Timeline, TimelineError
from rulesengine.adapters.times import ts_text

NAME = "genesys-cloud"
#: the key a details query result lists its conversations under
CONTAINER = "conversations"
#: what one source record is, for the summary
UNIT = ("conversation", "conversations")

#: `flowInType` values that say a flow, not an agent, put the conversation in the queue
FLOW_IN_FROM_FLOWS = frozenset({"ivr", "workflow", "bot", "botflow", "inboundcall", "inboundemail",
                                "inboundchat", "inboundshortmessage", "securecall"})
#: customer session endings that mean the customer left (the others: someone else ended it)
CUSTOMER_LEFT = frozenset({"endpoint", "client", "timeout", "transportFailure", "error"})
#: the most the two sides of a handoff may be apart, in milliseconds, for one to have caused the other
HANDOFF_TOLERANCE_MS = 2000

# tie ranks within one millisecond (rule 3 in docs/adapters.md)
_CREATED, _ENTERED, _INVITED, _HANDED_ON, _REVOKED, _REQUEUED, _ACCEPTED, _HOLD, _CUSTOMER_LEFT, _LEFT, _ENDED \
    = range(11)


@attrs.frozen
class Options:
    """What a site may choose: names for ids, and whether bad timestamps are repaired."""

    names: Names = attrs.field(factory=Names)
    repair: bool = True
    tolerance_ms: int = HANDOFF_TOLERANCE_MS


def convert(records: Iterable[SourceRecord | Unreadable], options: Options,
            stats: ConversionStats) -> Iterator[Converted | Unmapped]:
    """One `Converted` per conversation record, or an `Unmapped` saying why not."""
    for record in records:
        stats.records += 1
        if isinstance(record, Unreadable):
            yield Unmapped(None, (problem(record.place, NOT_JSON, record.message),))
            continue
        conversation = _Conversation(record, options, stats)
        try:
            yield conversation.convert()
        except Rejected as rejected:
            message = f"conversation {conversation.id}: {rejected.message}" if conversation.id else rejected.message
            yield Unmapped(conversation.id, (problem(record.place, rejected.code, message, rejected.hint),))


@attrs.define(eq=False)
class _Acd:
    """A queue's side of the conversation: an acd session, or a synthetic one (`session` None)."""

    session: Session | None
    start: int
    end: int | None
    queue: str | None
    offers: list[Session] = attrs.field(factory=list)
    done: bool = False


@attrs.define(eq=False)
class _Links:
    """What the mapping works out about a session: who brought it in, and its party."""

    by: Session | None = None
    intent: str | None = None
    offered_by: _Acd | None = None
    handed_to: Session | None = None
    note: str | None = None
    party: Party | None = None
    done: bool = False


class _Later(enum.Enum):
    """What `_watched` answers for a watcher whose link must wait until every handoff is known."""

    LATER = enum.auto()


_LATER = _Later.LATER


class _Conversation:
    """One record being converted; raises `Rejected` for what it cannot map."""

    def __init__(self, record: SourceRecord, options: Options, stats: ConversionStats) -> None:
        self.place = record.place
        self.value = record.value
        self.options = options
        self.stats = stats
        self.reader = RecordReader(options.repair)
        self.assumed: list[str] = []
        self.id: str | None = None
        self.links: dict[int, _Links] = {}
        self.acds: list[_Acd] = []
        self.left_at: tuple[int, str] | None = None

    def convert(self) -> Converted:
        record, reader = self.value, self.reader
        if type(record) is not dict:
            raise Rejected(BAD_SHAPE, f"a conversation record must be a JSON object, not {json_type(record)}")
        ident = record.get("conversationId")
        if type(ident) is not str or not ident:
            raise Rejected(BAD_SHAPE, "conversationId: missing, or not a non-empty string",
                           "a conversation-detail record names its conversation in conversationId")
        self.id = ident
        start = reader.time(record, "conversationStart")
        end = reader.time(record, "conversationEnd")
        participants = record.get("participants")
        if type(participants) is not list:
            raise Rejected(BAD_SHAPE, f"participants: missing, or {json_type(participants)} instead of a list")
        sessions, ignored = reader.sessions(participants)
        if not sessions:
            raise Rejected(BAD_SHAPE, "participants: no session with segments, nothing to map")
        sessions.sort(key=Session.key)
        for order, session in enumerate(sessions):
            session.order = order
            self.links[order] = _Links()
        try:
            events = self._events(ident, sessions, start, end, ignored)
        except TimelineError as contradiction:
            raise Rejected(CONTRADICTION, str(contradiction)) from None
        for name in self.assumed:
            self.stats.assumed[name] += 1
        if reader.repaired:
            self.stats.assumed["repaired_timestamp"] += reader.repaired
        for purpose in ignored:
            self.stats.ignored[f"{purpose} participant"] += 1
        return Converted(ident, events, self.place, events[-1]["event"] == "interaction.ended")

    def _link(self, session: Session) -> _Links:
        return self.links[session.order]

    # ---- the whole conversation ---------------------------------------------------------

    def _events(self, ident: str, sessions: list[Session], start: int | None, end: int | None,
                ignored: list[str]) -> tuple[dict, ...]:
        created: dict[str, object] = {}
        customers = [session for session in sessions if session.role == "customer"]
        first = sessions[0].start
        if start is None:
            start = first
            created["start_from"] = "first segmentStart"
            self.assumed.append("start_from_segments")
        start = min(start, first)
        if not customers:
            caller = self._internal_caller(sessions, start)
            if caller is not None:
                caller.role = "customer"
                customers = [caller]
                created["customer_purpose"] = caller.purpose
                self.assumed.append("customer_from_user")
        if ignored:
            created["ignored_purposes"] = sorted(set(ignored))
        self.left_at = _customer_left(customers)
        parties = [session for session in sessions if session.role != "customer"]
        self.acds = [_Acd(session, session.start, session.end, session.queue)
                     for session in parties if session.role == "queue"]
        deferred = [session for session in parties if not self._find_source(session, parties)]
        for session in deferred:  # watchers whose agent's leaving waited on the handoffs
            self._find_source(session, parties, handoffs_known=True)
        self.acds += self._synthetic_acds([s for s in parties if s.role == "agent"], start)

        timeline = Timeline(ident)
        for session in parties:
            self._party_events(timeline, session)
        if self.left_at is not None:
            timeline.add("customer.left", self.left_at[0], _CUSTOMER_LEFT, reason=self.left_at[1])
        if self.reader.repaired:
            created["repaired_timestamps"] = self.reader.repaired
        media = next((s.media for s in customers if s.media), None) or next((s.media for s in sessions if s.media),
                                                                            "unknown")
        timeline.add("interaction.created", start, _CREATED, data=created or None, media=media)
        latest = max([start, *(session.end for session in sessions if session.end is not None)])
        if end is None and all(session.end is not None for session in sessions):
            timeline.add("interaction.ended", latest, _ENDED, data={"end_from": "last segmentEnd"})
            self.assumed.append("end_from_segments")
        elif end is not None:
            timeline.add("interaction.ended", max(end, latest), _ENDED)
        return timeline.finish()

    def _internal_caller(self, sessions: list[Session], start: int) -> Session | None:
        """A conversation a user of the same organisation started has no customer participant:
        its first agent-like session that was never offered (no alert) stands for the caller."""
        for session in sessions:
            if session.role == "agent" and session.last_alert is None \
                    and session.start - start <= self.options.tolerance_ms:
                return session
        return None

    # ---- who brought whom in ----------------------------------------------------------

    def _find_source(self, session: Session, parties: list[Session], *, handoffs_known: bool = False) -> bool:
        """Link the session to what brought it in; False, with nothing linked, for a watcher that
        must wait until every handoff is known (see `_watched`)."""
        links = self._link(session)
        if session.role == "agent":
            return self._agent_source(session, parties, handoffs_known)
        flow_in = (session.flow_in_type or "").lower()
        if session.role == "queue" and flow_in == "agent":
            roles: tuple[str, ...] = ("agent",)
        elif session.role == "queue" and flow_in in FLOW_IN_FROM_FLOWS:
            roles = ("flow",)
        else:
            roles = ("agent", "flow")
        source = self._handoff(session, [p for p in parties if p.role in roles], prefer=session.queue)
        if source is None:
            if session.role == "queue" and flow_in and (flow_in == "agent" or flow_in in FLOW_IN_FROM_FLOWS):
                links.note = (f"flowInType {session.flow_in_type}, but no session ended with transfer "
                              f"within {self.options.tolerance_ms} ms of this one's start")
                self.assumed.append("unlinked")
            return True
        links.by = source
        if source.role == "agent":
            links.intent = "conference" if any(segment.conference for segment in session.segments) else "transfer"
        return True

    def _agent_source(self, agent: Session, parties: list[Session], handoffs_known: bool) -> bool:
        links = self._link(agent)
        if agent.watching is not None:
            visibility, watched = agent.watching
            target = self._watched(agent, watched, parties, handoffs_known)
            if target is _LATER:
                return False
            if target is not None:
                links.by = target
                links.intent = "conference" if visibility == "conference" else "consult"
                return True
        acd = self._offering(agent)
        if acd is not None:
            acd.offers.append(agent)
            links.offered_by = acd
            links.intent = "route"
            return True
        source = self._handoff(agent, [p for p in parties if p.role in ("agent", "flow")])
        if source is not None:
            links.by = source
            links.intent = "transfer" if source.role == "agent" else "route"
        return True

    def _offering(self, agent: Session) -> _Acd | None:
        """The acd session that offered this agent: of the agent's queue, going on when it was alerted."""
        queue = agent.queue
        open_then = [(acd, acd.session.order) for acd in self.acds  # acd sessions: none is synthetic yet
                     if acd.session is not None and acd.start <= agent.start
                     and (acd.end is None or agent.start <= acd.end)]
        fitting = [(acd, order) for acd, order in open_then if acd.queue == queue] if queue else open_then
        if not fitting or (not queue and len(fitting) > 1):
            return None
        return max(fitting, key=lambda pair: (pair[0].start, pair[1]))[0]

    def _handoff(self, session: Session, candidates: list[Session], prefer: str | None = None) -> Session | None:
        """The session whose `transfer` ending, within the tolerance of this one's start, created it.

        A source started strictly earlier (or as early, and earlier in the record's order),
        and hands on once: the links can never form a loop.
        """
        tolerance = self.options.tolerance_ms
        gaps = [(other, abs(other.active_end - session.start)) for other in candidates
                if self._link(other).handed_to is None and other.last_disconnect == "transfer"
                and other.active_end is not None and (other.start, other.order) < (session.start, session.order)]
        found = [(other, gap) for other, gap in gaps if gap <= tolerance]
        if not found:
            return None
        best, _ = min(found, key=lambda pair: (prefer is None or pair[0].flow.get("transferTargetAddress") != prefer,
                                               pair[1], pair[0].order))
        self._link(best).handed_to = session
        return best

    def _watched(self, agent: Session, target: str, parties: list[Session],
                 handoffs_known: bool) -> Session | _Later | None:
        """The agent session a coach, monitor or barger joined: the watched participant's (`target`,
        when the record names it), open then (wrap-up included).

        A session already wrapping up when the watcher joined has left the chat (its `party.left`
        is at the end of its last segment before wrap-up), so tying the watcher to it would have it
        invited by a party that had left, which rejected the whole record (A104). Such a session is
        passed over: the watcher is tied to another session of that participant still handling the
        chat, or to none, and is then linked like a watcher that fits no agent (in the end, by a
        synthetic queue stay, as a monitor that fits none of several agents is). A session that
        ended `transfer` leaves when what it handed on to starts, if that is later (`_left_at`):
        until every handoff is known, a watcher that joined within the handoff tolerance of such
        an ending waits (`_LATER`)."""
        open_then = [other for other in parties
                     if other.role == "agent" and other.watching is None
                     and (other.start, other.order) < (agent.start, agent.order)
                     and (other.end is None or agent.start <= other.end)
                     and (not target or other.participant == target)]
        if (target and open_then) or len(open_then) == 1:
            if not handoffs_known and any(self._leaving_unsettled(other, agent.start) for other in open_then):
                return _LATER
            handling = [other for other in open_then if not self._left_before(other, agent.start)]
            return min(handling, key=Session.key) if handling else None
        return None

    def _left_before(self, session: Session, moment: int) -> bool:
        """Whether the connected session's `party.left` comes before `moment`: it stopped handling
        earlier (for a session that ended `transfer`, earlier than its handoff, once known)."""
        left = self._left_at(session)
        return session.accepted is not None and left is not None and moment > left

    def _leaving_unsettled(self, session: Session, moment: int) -> bool:
        """Whether the session ended `transfer` so shortly before `moment` that its handoff, not
        yet known, decides whether it left before then (the handoff clamp, rule 1, moves its
        leaving to the start of what it handed on to, within the tolerance)."""
        end = session.active_end
        return (session.accepted is not None and end is not None and session.last_disconnect == "transfer"
                and end < moment <= end + self.options.tolerance_ms)

    def _left_at(self, session: Session) -> int | None:
        """When the session's `party.left` is: the end of its last active segment, or (rule 1) the
        start of what its `transfer` created, when that is later."""
        at = session.active_end
        target = self._link(session).handed_to
        if at is not None and target is not None and at < target.start:
            return target.start
        return at

    def _synthetic_acds(self, agents: list[Session], start: int) -> list[_Acd]:
        """Queues for the agents nothing brought in: one for them all when the record has no acd
        session (it stands for the queue the chat waited in from the start), else one per agent."""
        lost = [agent for agent in agents
                if self._link(agent).by is None and self._link(agent).offered_by is None]
        if not lost:
            return []
        groups = [lost] if not self.acds else [[agent] for agent in lost]
        made = []
        for group in groups:
            accepted = [agent.accepted for agent in group if agent.accepted is not None]
            end = min(accepted) if accepted else latest([agent.answered for agent in group])
            acd = _Acd(None, start if not self.acds else group[0].start, end,
                       next((agent.queue for agent in group if agent.queue), None), list(group))
            for agent in group:
                self._link(agent).offered_by = acd
                self._link(agent).intent = "route"
            made.append(acd)
            self.assumed.append("synthetic_queue")
        return made

    # ---- each party's events ------------------------------------------------------------

    def _party_events(self, timeline: Timeline, session: Session) -> None:
        """A session's events, after those of whatever brought it in (so that party exists)."""
        links = self._link(session)
        if links.done:
            return
        if session.role == "queue":
            self._acd_events(timeline, next(acd for acd in self.acds if acd.session is session))
            return
        if session.role == "agent" and links.offered_by is not None:
            self._acd_events(timeline, links.offered_by)  # a queue's events include its offers'
            return
        links.done = True
        if links.by is not None:
            self._party_events(timeline, links.by)
        if session.role == "flow":
            self._flow_events(timeline, session)
        else:
            self._agent_events(timeline, session)

    def _acd_events(self, timeline: Timeline, acd: _Acd) -> None:
        if acd.done:
            return
        acd.done = True
        if acd.session is not None:
            links = self._link(acd.session)
            links.done = True
            if links.by is not None:
                self._party_events(timeline, links.by)
        self._queue_events(timeline, acd)

    def _resource(self, ident: str | None, fallback: str | None, default: str) -> str:
        """Ids by default, named from `--names`; a session without the id, its fallback."""
        return self.options.names.name_of(ident, self.stats.unnamed) if ident else fallback or default

    def _source_party(self, session: Session) -> Party | None:
        by = self._link(session).by
        return self._link(by).party if by is not None else None

    def _flow_events(self, timeline: Timeline, flow: Session) -> None:
        data = _ids(flow)
        data.update((key, flow.flow[key]) for key in ("flowId", "flowType", "exitReason") if key in flow.flow)
        flow_id = flow.flow.get("flowId")
        resource = (self.options.names.given(flow_id) or flow.flow.get("flowName") or flow.participant_name
                    or flow_id or "flow")
        links = self._link(flow)
        source = self._source_party(flow)
        links.party = timeline.party("strategy", by=source)
        timeline.add("party.entered", flow.start, _ENTERED, links.party, data=data, resource=resource,
                     intent=links.intent if source is not None else None)  # no source party, no intent
        self._left(timeline, flow)

    def _queue_events(self, timeline: Timeline, acd: _Acd) -> None:
        """Rule 2: one stay until the first offer; another after each offer that failed while the
        acd session went on. A stay that offers several agents at once leaves after the last."""
        session = acd.session
        links = self._link(session) if session is not None else _Links()
        resource = self._resource(acd.queue, session.participant_name if session else None, "queue")
        data: dict[str, object] = _ids(session) if session is not None else {"synthetic": True}
        if acd.queue:
            data["queueId"] = acd.queue
        if links.note:
            data["unlinked"] = links.note
        placed_by = self._source_party(session) if session is not None else None
        stay = links.party = timeline.party("queue", by=placed_by)
        # a source that has no party yet is one this stay offered the chat to: no one placed it here
        timeline.add("party.entered", acd.start, _ENTERED, stay, data=data, resource=resource,
                     intent=links.intent if placed_by is not None else None)
        offers = sorted(acd.offers, key=Session.key)
        index = 0
        while index < len(offers):
            group, settled, index = _offer_group(offers, index)
            for offer in group:
                self._link(offer).party = timeline.party("agent", by=stay)
            timeline.add("party.left", group[-1].start, _HANDED_ON, stay, reason="offered")
            for offer in group:
                self._link(offer).done = True
                self._agent_events(timeline, offer)
            accepted = any(offer.accepted is not None for offer in group)
            if index == len(offers) and (accepted or settled is None or not self._goes_on(acd, settled)):
                return
            requeued_at = settled if settled is not None else group[-1].start
            again = placed_by if placed_by is not None and not _left_by(links.by, requeued_at) else None
            stay = timeline.party("queue", by=again)
            timeline.add("party.entered", requeued_at, _REQUEUED, stay, data={**data, "requeued": True},
                         resource=resource, intent=links.intent if again else None)
        if acd.end is not None:
            reason, extra = self._left_reason(session.last_disconnect if session else None, acd.end)
            timeline.add("party.left", acd.end, _LEFT, stay, data=extra, reason=reason)

    def _goes_on(self, acd: _Acd, settled: int) -> bool:
        """After a failed offer, whether the chat waits on: the acd session lasts beyond it and the
        customer had not left."""
        if self.left_at is not None and self.left_at[0] <= settled:
            return False
        return acd.end is None or acd.end > settled

    def _agent_events(self, timeline: Timeline, agent: Session) -> None:
        links = self._link(agent)
        if links.party is None:
            links.party = timeline.party("agent", by=self._source_party(agent))
        party = links.party
        timeline.add("party.invited", agent.start, _INVITED, party, data=_ids(agent),
                     resource=self._resource(agent.user, agent.participant_name, "agent"),
                     intent=links.intent or "route", visibility=agent.watching[0] if agent.watching else None)
        accepted = agent.accepted
        if accepted is None:
            answered = agent.answered
            if answered is None or (self.left_at is not None and self.left_at[0] <= answered):
                return  # still ringing, or rang until the customer left: interaction.ended closes it
            reason, source = _revoke_reason(agent)
            timeline.add("party.revoked", answered, _REVOKED, party,
                         data={"source_reason": source} if source else None, reason=reason)
            return
        timeline.add("party.accepted", accepted, _ACCEPTED, party)
        held = False
        for segment in agent.segments:
            if segment.start < accepted or segment.kind == "wrapup":
                continue
            if segment.kind == "hold" and not held:
                timeline.add("party.held", segment.start, _HOLD, party)
            elif segment.kind != "hold" and held:
                timeline.add("party.retrieved", segment.start, _HOLD, party)
            held = segment.kind == "hold"
        wrapup = next((s.wrapup_code for s in reversed(agent.segments) if s.wrapup_code), None)
        self._left(timeline, agent, wrapup=wrapup)

    def _left(self, timeline: Timeline, session: Session, wrapup: str | None = None) -> None:
        """The session's `party.left`; rule 1 moves it to the start of what its `transfer` created."""
        at, left = session.active_end, self._left_at(session)
        if at is None or left is None:
            return
        reason, data = self._left_reason(session.last_disconnect, at)
        data = dict(data or {})
        if wrapup:
            data["wrapUpCode"] = wrapup
        if left != at:
            data["source_segmentEnd"] = ts_text(at)
            self.assumed.append("clamped_handoff")
        timeline.add("party.left", left, _LEFT, self._link(session).party, data=data or None, reason=reason)

    def _left_reason(self, disconnect: str | None, at: int) -> tuple[str | None, dict | None]:
        """The contract's reason word for a session's ending, and the source's own word in `data`."""
        if disconnect is None:
            return None, None
        if disconnect == "transfer":
            reason = "transfer"
        elif disconnect == "peer":
            reason = "customer_left" if self.left_at is not None and self.left_at[0] <= at else "completed"
        elif disconnect in ("client", "endpoint"):
            reason = "completed"
        elif disconnect in ("error", "transportFailure"):
            reason = "error"
        else:
            reason = disconnect
        return reason, ({"source_reason": disconnect} if reason != disconnect else None)


def _offer_group(offers: list[Session], index: int) -> tuple[list[Session], int | None, int]:
    """The offers from `index` on that ring at the same time, when the last of them was settled
    (None while one still rings), and the index after them."""
    group = [offers[index]]
    settled = offers[index].answered
    index += 1
    while index < len(offers) and (settled is None or offers[index].start < settled):
        other = offers[index].answered
        settled = None if settled is None or other is None else max(settled, other)
        group.append(offers[index])
        index += 1
    return group, settled, index


def _left_by(session: Session | None, moment: int) -> bool:
    """Whether the session that placed a queue stay had stopped handling by `moment`."""
    if session is None:
        return True
    end = session.active_end
    return end is not None and end <= moment


def _customer_left(customers: list[Session]) -> tuple[int, str] | None:
    """When and why the customer left: the end of the customer's last session, if it says so."""
    ended = [(session.end, session.order, session.last_disconnect) for session in customers
             if session.end is not None]
    if not customers or len(ended) < len(customers):
        return None
    end, _, reason = max(ended)  # the last to end; `order` tells apart sessions that end together
    return (end, reason) if reason in CUSTOMER_LEFT else None


def _revoke_reason(agent: Session) -> tuple[str, str | None]:
    """Why an offer that was never accepted ended: the contract's word, and the source's."""
    if agent.not_responding:
        return "timeout", "notResponding"
    alert = agent.last_alert or agent.segments[-1]
    if alert.error_code:
        return "error", alert.error_code
    if alert.disconnect in (None, "system"):
        return "cancelled", alert.disconnect
    return alert.disconnect, None


def _ids(session: Session) -> dict[str, object]:
    data: dict[str, object] = {}
    if session.session_id:
        data["sessionId"] = session.session_id
    if session.participant:
        data["participantId"] = session.participant
    if session.user:
        data["userId"] = session.user
    return data
