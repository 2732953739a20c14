"""The contract's well-formedness rules for one whole interaction.

Each line may be valid on its own and the interaction still impossible: a party
that acts before it arrives, an answer to no invitation, a hold that is never
taken back, `by` naming a party that is not there. `walk` finds every such problem of one
interaction in one walk of its events in `seq` order, and keeps what it saw on the
way (`Survey`: each party's events, answer, end and holds): the interaction model is
built from that, rather than from a second walk of the same events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from rulesengine.diagnostics import Diagnostic, did_you_mean
from rulesengine.events.contract import (
    FIRST_STEP_TYPES,
    PARTY_EVENT_TYPES,
    AnyEvent,
    Event,
    PartyEntered,
    PartyEvent,
    PartyInvited,
)
from rulesengine.events.read import field_problem

#: problems of one code listed for one interaction; the rest are counted in a note
LISTED_PER_CODE = 10

_ENDED = "interaction.ended"
_CREATED = "interaction.created"
_ACCEPTED = "party.accepted"
_LEFT = "party.left"
_HELD = "party.held"
_RETRIEVED = "party.retrieved"
_CUSTOMER_LEFT = "customer.left"
_OUTCOMES = frozenset({_ACCEPTED, "party.rejected", "party.revoked"})
#: a set: the walk asks it of every event, and most are not the first of the tuple
_PARTY_EVENTS = frozenset(PARTY_EVENT_TYPES)


class SeenParty(msgspec.Struct, gc=False):
    """A party as the well-formedness walk has seen it (so far, during the walk)."""

    kind: str
    first: PartyEntered | PartyInvited
    #: its events, `first` included, in seq order
    events: list[AnyEvent]
    #: party.accepted, party.rejected or party.revoked
    outcome: Event | None = None
    ended: Event | None = None  # left, rejected or revoked: no longer open
    #: each hold: its party.held, and its party.retrieved once there is one
    holds: list[tuple[Event, Event | None]] = msgspec.field(default_factory=list)

    @property
    def held(self) -> Event | None:
        """The party.held of a hold still going on."""
        if self.holds and self.holds[-1][1] is None:
            return self.holds[-1][0]
        return None


class Survey(msgspec.Struct, frozen=True, gc=False):
    """What one walk of an interaction's events saw: its problems, and what the interaction
    model is built from (`parties` in the order they appeared). Only a survey without
    problems describes a well-formed interaction."""

    problems: list[Diagnostic]
    parties: dict[str, SeenParty]
    created: Event | None
    #: the first interaction.ended, and the first customer.left
    ended: Event | None
    customer_left: Event | None
    #: the `data` of the events that are no party's, merged in seq order (later wins); None if none has any
    data: Mapping[str, Any] | None


def _problem(event: Event, code: str, field: str, message: str, hint: str) -> Diagnostic:
    """A diagnostic about `field` of the line an event was read from, the caret under its key."""
    return field_problem(event.raw, event.source, code, field, message, hint)


def problems_of(events: Sequence[AnyEvent]) -> list[Diagnostic]:
    """Every broken well-formedness rule of one interaction (events sorted by `seq`)."""
    return walk(events).problems


def walk(events: Sequence[AnyEvent]) -> Survey:
    """Every broken well-formedness rule of one interaction (events sorted by `seq`), and what
    the walk saw of it.

    Every interaction passes through here, nearly all of them well formed: one walk
    in seq order tests each rule with plain comparisons and builds a diagnostic only
    when one breaks. The order problems are found in does not matter: they are
    reported sorted by place.
    """
    problems: list[Diagnostic] = []
    parties: dict[str, SeenParty] = {}
    hints: _Hints | None = None
    created: Event | None = None
    ended: Event | None = None
    customer_left: Event | None = None
    data: Mapping[str, Any] | None = None
    previous: Event | None = None
    previous_seq = previous_ms = -1
    before_created: list[AnyEvent] = []
    # each attribute read once per event: eleven record classes go through here, and an
    # attribute read that meets many classes takes the interpreter's slow path every time; a
    # type checker narrows only on `event.event` itself, so the walk sees the events untyped
    walked: Sequence[Any] = events
    for event in walked:
        name, seq, ms = event.event, event.seq, event.ms
        if created is None:
            if name == _CREATED:
                created = event
                if before_created:  # nearly always empty: no generator made for it
                    problems.extend(_before_created(early, event) for early in before_created if early.seq < seq)
            else:
                before_created.append(event)
        elif name == _CREATED:
            problems.append(_problem(
                event, "E111", "event", f"second interaction.created (the first is at {_where(created, event)})",
                "an interaction is created once"))
        if ended is None:
            if name == _ENDED:
                ended = event
        elif seq > ended.seq:
            problems.append(_problem(
                event, "E113", "seq", f"{name} (seq {seq}) comes after interaction.ended (seq {ended.seq})",
                "interaction.ended has the highest seq"))
        if previous is not None:
            if seq == previous_seq:
                problems.append(_problem(
                    event, "E114", "seq", f"seq {seq} is already used at {_where(previous, event)}",
                    "seq is unique inside an interaction"))
            elif ms < previous_ms:
                problems.append(_problem(
                    event, "E115", "ts", f"ts {event.ts} (seq {seq}) is earlier than {previous.ts} "
                    f"(seq {previous_seq})", "ts never goes backwards as seq grows"))
        previous, previous_seq, previous_ms = event, seq, ms
        # the parties' lives, in the same walk: `by`, first event, outcomes, leaving
        by = event.by
        if by is not None:
            inviter = parties.get(by)
            if inviter is None or inviter.ended is not None:
                hints = hints or _Hints(events)
                problems.append(_by_problem(event, by, None if inviter is None else inviter.ended, hints))
        if name not in _PARTY_EVENTS:  # a `party` on another event names no party
            if name == _CUSTOMER_LEFT and customer_left is None:
                customer_left = event
            own = event.data
            if own:
                data = own if data is None else {**data, **own}
            continue
        party_id = event.party
        party = parties.get(party_id)
        if name in FIRST_STEP_TYPES:
            if party is not None:
                problems.append(_problem(
                    event, "E117", "party", f"party id '{party_id}' is reused (first at "
                    f"{_where(party.first, event)})", "a new participation needs a new party id"))
            parties[party_id] = SeenParty(event.kind, event, [event])
            continue
        if party is None:
            hints = hints or _Hints(events)
            hint = (hints.closest("E116", party_id)
                    or "a party's first event is party.entered or party.invited")
            problems.append(_problem(event, "E116", "party", f"{name} for unknown party '{party_id}'", hint))
            continue
        party.events.append(event)
        if name in _OUTCOMES:
            problem = _outcome_problem(event, party)
            if problem is not None:
                problems.append(problem)
            else:
                party.outcome = event
                if name != _ACCEPTED:
                    party.ended = event
        elif name in (_HELD, _RETRIEVED):
            problem = _hold_problem(event, party)
            if problem is not None:
                problems.append(problem)
            elif name == _HELD:
                party.holds.append((event, None))
            else:
                party.holds[-1] = (party.holds[-1][0], event)
        else:
            left = party.ended
            if left is not None and left.event == _LEFT:
                problems.append(_gone(event, left))
            elif party.kind == "agent" and (party.outcome is None or party.outcome.event != _ACCEPTED):
                problems.append(_left_unaccepted(event, party))
            party.ended = left or event
    if created is None:
        problems.append(_problem(
            events[0], "E110", "event", f"interaction '{events[0].interaction}' has no interaction.created",
            "the first event of every interaction is interaction.created"))
    return Survey(problems, parties, created, ended, customer_left, data)


def _before_created(event: Event, created: Event) -> Diagnostic:
    return _problem(
        event, "E112", "seq", f"{event.event} (seq {event.seq}) comes before interaction.created "
        f"(seq {created.seq})", "interaction.created has the lowest seq")


class _Hints:
    """Party names for the messages and did-you-mean hints of one interaction.

    Each party's first event is worked out once, not once per problem, and a name is
    compared with every party's only for problems that will be listed
    (`LISTED_PER_CODE`): an interaction with thousands of unknown names stays linear.
    """

    __slots__ = ("_events", "_given", "_named")

    def __init__(self, events: Sequence[AnyEvent]) -> None:
        self._events = events
        self._named: dict[str, PartyEntered | PartyInvited] | None = None
        self._given: dict[str, int] = {}

    @property
    def named(self) -> dict[str, PartyEntered | PartyInvited]:
        """Each party id's first `party.entered` or `party.invited`."""
        if self._named is None:
            self._named = {event.party: event for event in reversed(self._events)
                           if isinstance(event, PartyEntered | PartyInvited)}
        return self._named

    def closest(self, code: str, name: str) -> str | None:
        """A did-you-mean for `name` among the party ids, for the first problems of `code`."""
        given = self._given[code] = self._given.get(code, 0) + 1
        return did_you_mean(name, self.named) if given <= LISTED_PER_CODE else None


def _outcome_problem(event: PartyEvent, party: SeenParty) -> Diagnostic | None:
    """An answer of a party that is no invited agent, or that already had its answer or ended."""
    if party.kind != "agent":
        return _problem(event, "E118", "event", f"{event.event} for {party.kind} party '{event.party}'",
                        "only invited agents accept, reject or have their invitation revoked")
    if party.outcome is not None:
        return _problem(
            event, "E119", "event", f"party '{event.party}' already had {party.outcome.event} at "
            f"{_where(party.outcome, event)}", "an invitation ends in one of accepted, rejected, revoked")
    return None if party.ended is None else _gone(event, party.ended)


def _hold_problem(event: PartyEvent, party: SeenParty) -> Diagnostic | None:
    """A hold that starts while the agent is not connected, or ends while there is none."""
    if party.ended is not None:
        return _gone(event, party.ended)
    if event.event == _HELD:
        if party.kind != "agent" or party.outcome is None or party.outcome.event != _ACCEPTED:
            what = "it never accepted" if party.kind == "agent" else f"it is a {party.kind}"
            return _problem(event, "E124", "event", f"party.held for party '{event.party}', but {what}",
                            "only an agent who accepted puts the customer on hold")
        if party.held is not None:
            return _problem(event, "E124", "event", f"party.held for party '{event.party}', which is "
                            f"already on hold (since {_where(party.held, event)})",
                            "a hold ends with party.retrieved before the next party.held")
        return None
    if party.held is None:
        return _problem(event, "E125", "event", f"party.retrieved for party '{event.party}', which is "
                        "not on hold", "party.retrieved ends a hold that party.held started")
    return None


def _left_unaccepted(event: PartyEvent, party: SeenParty) -> Diagnostic:
    how = f"its invitation ended with {party.outcome.event}" if party.outcome else "it never accepted"
    return _problem(event, "E120", "event", f"agent party '{event.party}' left but {how}",
                    "an agent leaves only after party.accepted; an unanswered invitation "
                    "ends with party.rejected or party.revoked")


def _gone(event: PartyEvent, ended: Event) -> Diagnostic:
    return _problem(
        event, "E121", "event", f"{event.event} for party '{event.party}', which already ended "
        f"({ended.event} at {_where(ended, event)})",
        "nothing happens to a party after it left, was rejected or was revoked")


def _by_problem(event: Event, by: str, ended: Event | None, hints: _Hints) -> Diagnostic:
    """`by` names a party that is unknown, not open yet or already ended (`ended`)."""
    if ended is not None:
        return _problem(
            event, "E123", "by", f"'by' names party '{by}', which already ended "
            f"({ended.event} at {_where(ended, event)})",
            "the party that causes an event must still be there")
    named = hints.named
    if by not in named:
        hint = hints.closest("E122", by) or "'by' names a party of the same interaction"
        return _problem(event, "E122", "by", f"'by' names unknown party '{by}'", hint)
    return _problem(
        event, "E123", "by", f"'by' names party '{by}', which is not open yet "
        f"(it starts at {_where(named[by], event)}, seq {named[by].seq})",
        "the party that causes an event must already be there")


def _where(target: Event, seen_from: Event) -> str:
    """`line N` within the same file, `path:N` across files."""
    if target.source.path == seen_from.source.path:
        return f"line {target.source.line}"
    return f"{target.source.path}:{target.source.line}"
