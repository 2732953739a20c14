"""The event contract (version 1.1) as types: one record class per event type, and its words.

Each class says exactly which fields its event type has, which of them are required,
and what each may hold; that is the whole schema. msgspec decodes a valid line straight
into its class (`rulesengine.events.read`), and the diagnostics for a line it refuses are
read off these same classes (`rulesengine.events.diagnose`), so a rule of the contract is
written here once. Grouping events into interactions lives in `rulesengine.events.assemble`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, get_args

import msgspec

from rulesengine.diagnostics import Position
from rulesengine.speedups.row_lines import RowLayout

AgentKind: TypeAlias = Literal["agent"]
MediationKind: TypeAlias = Literal["queue", "strategy", "workbin"]
Intent: TypeAlias = Literal["route", "transfer", "conference", "consult", "pull"]
Visibility: TypeAlias = Literal["conference", "coach", "monitor"]

KINDS: tuple[str, ...] = (*get_args(AgentKind), *get_args(MediationKind))
MEDIATION_KINDS: tuple[str, ...] = get_args(MediationKind)
INTENTS: tuple[str, ...] = get_args(Intent)
VISIBILITIES: tuple[str, ...] = get_args(Visibility)

#: a string with something in it: ids, names, reasons, media
Text: TypeAlias = Annotated[str, msgspec.Meta(min_length=1)]
#: no bound above: msgspec takes none past 64 bits signed, orjson reads up to 64 bits unsigned
#: and a larger one as a float (`rulesengine.events.read` leaves it to the diagnostic pass: E103)
Seq: TypeAlias = Annotated[int, msgspec.Meta(ge=0)]
#: RFC 3339 with a zone, as `rulesengine.events.rfc3339.timestamp_ms` reads it (the reader
#: reads it as it fills in `ms`; the diagnostic pass finds the format named here)
Timestamp: TypeAlias = Annotated[str, msgspec.Meta(extra={"format": "RFC 3339"})]

#: The `data` of an event that has none (shared, read-only).
NO_DATA: Mapping[str, Any] = MappingProxyType({})
#: the place of an event not read from a line
NOWHERE = Position("", 0)
#: fields the reader fills in, from the line's timestamp, place and text, rather than decodes
READER_FIELDS = ("ms", "source", "_raw")
#: the fields that are not part of what makes two events equal
_NOT_CONTENT = frozenset({"source", "_raw"})
#: the JSON line a struct stands for (`Event.raw`)
_written = msgspec.json.Encoder().encode


#: the field that names an event's type, and so its record class
TAG = "event"


class Event(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag_field="event",
            forbid_unknown_fields=True):
    """What every event has; each event type is a subclass, tagged with its `event`.

    A frozen `msgspec.Struct`: one is decoded per input line, about fourteen times
    faster than an attrs class of the same fields is built. Unknown fields are
    forbidden only so that a line holding some is noticed: the reader checks it
    whole and keeps its event (the contract keeps and ignores them). `ms` is `ts` as
    epoch milliseconds, for durations; `source` is where the line was read and `raw`
    its text, so that later diagnostics can point into it: the reader fills in all
    three. Neither `source` nor `raw` is part of what makes two events equal.
    """

    event: ClassVar[str]
    interaction: Text
    seq: Seq
    ts: Timestamp
    by: Text | None = None
    reason: Text | None = None
    data: Mapping[str, Any] = NO_DATA
    ms: int = 0
    source: Position = NOWHERE
    #: the line's text (bytes), or a msgspec struct whose JSON is that text, or the `RowLayout`
    #: that writes it from the event's own fields: a row read from Parquet columns keeps its
    #: values one of those two ways, and its line is written only if asked for
    _raw: Any = b""

    @property
    def raw(self) -> bytes:
        """The text of the line the event was read from, without its line ending."""
        text = self._raw
        if type(text) is bytes:
            return text
        return _written(text.row_of(self) if type(text) is RowLayout else text)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _content(self) == _content(other)

    def __hash__(self) -> int:
        return hash(_content(self))


def _content(event: Event) -> tuple[object, ...]:
    """An event's fields but `source` and `raw`, for equality."""
    return tuple(getattr(event, name) for name in event.__struct_fields__ if name not in _NOT_CONTENT)


class PartyEvent(Event, frozen=True):
    """An event of one participation."""

    party: Text


class InteractionCreated(Event, frozen=True, tag="interaction.created"):
    """The media server submitted the interaction (the customer started the chat)."""

    event: ClassVar[Literal["interaction.created"]] = "interaction.created"
    media: Text


class PartyEntered(PartyEvent, frozen=True, tag="party.entered"):
    """The interaction is now in a queue or workbin, or a strategy now processes it."""

    event: ClassVar[Literal["party.entered"]] = "party.entered"
    visibility: ClassVar[None] = None
    kind: MediationKind
    resource: Text
    intent: Intent | None = None


class PartyInvited(PartyEvent, frozen=True, tag="party.invited"):
    """An agent is offered the interaction (alerting starts)."""

    event: ClassVar[Literal["party.invited"]] = "party.invited"
    kind: AgentKind
    resource: Text
    by: Text
    intent: Intent
    visibility: Visibility | None = None


class LaterStep(PartyEvent, frozen=True):
    """A step of a party after its first: it says no more than which party it is."""

    intent: ClassVar[None] = None
    visibility: ClassVar[None] = None


class PartyAccepted(LaterStep, frozen=True, tag="party.accepted"):
    """The invited agent accepted and joined."""

    event: ClassVar[Literal["party.accepted"]] = "party.accepted"


class PartyRejected(LaterStep, frozen=True, tag="party.rejected"):
    """The invited agent declined."""

    event: ClassVar[Literal["party.rejected"]] = "party.rejected"


class PartyRevoked(LaterStep, frozen=True, tag="party.revoked"):
    """The invitation was withdrawn before it was answered."""

    event: ClassVar[Literal["party.revoked"]] = "party.revoked"


class PartyHeld(LaterStep, frozen=True, tag="party.held"):
    """The agent put the customer on hold."""

    event: ClassVar[Literal["party.held"]] = "party.held"


class PartyRetrieved(LaterStep, frozen=True, tag="party.retrieved"):
    """The agent took the customer back from hold."""

    event: ClassVar[Literal["party.retrieved"]] = "party.retrieved"


class PartyLeft(LaterStep, frozen=True, tag="party.left"):
    """The participation ended."""

    event: ClassVar[Literal["party.left"]] = "party.left"


class CustomerLeft(Event, frozen=True, tag="customer.left"):
    """The customer left the session."""

    event: ClassVar[Literal["customer.left"]] = "customer.left"


class InteractionEnded(Event, frozen=True, tag="interaction.ended"):
    """Processing of the interaction stopped; every party still open ends here."""

    event: ClassVar[Literal["interaction.ended"]] = "interaction.ended"


#: a party's own step, as rules see it
Step: TypeAlias = (PartyEntered | PartyInvited | PartyAccepted | PartyRejected | PartyRevoked | PartyHeld
                   | PartyRetrieved | PartyLeft)
#: any event of the contract, in the order the contract lists the event types
AnyEvent: TypeAlias = InteractionCreated | Step | CustomerLeft | InteractionEnded

RECORDS: tuple[type[AnyEvent], ...] = get_args(AnyEvent)
EVENT_TYPES: tuple[str, ...] = tuple(record.event for record in RECORDS)
#: the event types of a party's steps, and of its first steps, spelled out: code that tells
#: events apart tests `event.event in PARTY_EVENT_TYPES`, which a type checker narrows on,
#: and which is several times quicker than `isinstance` with a Struct class
PARTY_EVENT_TYPES: Final = ("party.entered", "party.invited", "party.accepted", "party.rejected", "party.revoked",
                            "party.held", "party.retrieved", "party.left")
FIRST_STEP_TYPES: Final = ("party.entered", "party.invited")
if (tuple(record.event for record in get_args(Step)) != PARTY_EVENT_TYPES
        or (PartyEntered.event, PartyInvited.event) != FIRST_STEP_TYPES):
    raise TypeError("PARTY_EVENT_TYPES and FIRST_STEP_TYPES must name the steps of the record classes")
