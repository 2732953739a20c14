"""The interaction model: one interaction's parties, their moments and their relations.

The model answers primitive questions only: what a party is, when each of its steps
happened, who brought it in, the path that did, whom it brought in. It decides nothing
about descriptors: what a completed transfer is, or where a party stood when the
customer left, is written in the rule files over these primitives (see
`rulesengine.model.primitives` for the names rules use, and `rules/facts.rules`).

It is built from what the well-formedness walk saw of an interaction's events
(`events.wellformed.walk`), which every assembled interaction has been through: its
events are walked once, for both. It is built once per interaction on the main job's
path, so parties are plain slotted objects rather than records. A moment is the
`Event` that marks it (compared by `seq`, timed by `ms`); a phase is a tuple of
(from, to) moments. The relations that need a walk (`reached`, `path`) are worked out
on first use and kept. `to_networkx` gives the same model as a graph for export and
analysis; the main job never builds one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from rulesengine.events.contract import (
    FIRST_STEP_TYPES,
    NO_DATA,
    AnyEvent,
    Event,
    PartyEntered,
    PartyInvited,
    Step,  # a party's step, as rules see it: the event that made it
)
from rulesengine.events.wellformed import SeenParty, Survey, walk

if TYPE_CHECKING:  # networkx is loaded only by the commands that draw or analyse graphs
    import networkx as nx

#: the event types that start a participation
FIRST_STEPS = FIRST_STEP_TYPES
#: a phase: the moments that began and ended each of its stretches
Phase = tuple[tuple[Event, Event], ...]
_NO_PHASE: Phase = ()


class Party:
    """One participation: its attributes, its own events, its moments and relations.

    Moments are the events themselves (None when the step never happened). `end` is
    the event that closed the party (left, rejected or revoked), or the interaction's
    end for a party still there. The instance `__dict__` holds what the compiled rules
    work out about the party (derived facts), so the model needs to know none of them.
    """

    __slots__ = (
        "__dict__",
        "_data",
        "_path",
        "_reached",
        "_shared_data",
        "accepted",
        "alert_ms",
        "brought_in",
        "by",
        "end",
        "engage_ms",
        "events",
        "holds",
        "id",
        "index",
        "intent",
        "invited",
        "kind",
        "left",
        "names",
        "rejected",
        "resource",
        "revoked",
        "start",
        "stay_ms",
        "visibility",
    )
    #: set by the `InteractionModel` once every event is read
    end: Event
    #: the event type of each of `events`: what a pattern on step names reads
    names: tuple[str, ...]
    alert_ms: int | None
    engage_ms: int | None
    stay_ms: int

    def __init__(self, seen: SeenParty, index: int, by: Party | None, shared_data: Mapping[str, Any]) -> None:
        first = seen.first
        self.id = first.party
        self.index = index
        self.kind: str = first.kind
        self.resource = first.resource
        self.intent: str | None = first.intent
        self.visibility: str = first.visibility or "unknown"
        self.by = by
        self.events: list[Step] = seen.events  # type: ignore[assignment]  # a party's events are its steps
        self.brought_in: list[Party] = []
        self.start: PartyEntered | PartyInvited = first
        self.invited: Event | None = first if first.event == "party.invited" else None
        self.accepted: Event | None = None
        self.rejected: Event | None = None
        self.revoked: Event | None = None
        answer = seen.outcome
        if answer is not None:
            if answer.event == "party.accepted":
                self.accepted = answer
            elif answer.event == "party.rejected":
                self.rejected = answer
            else:
                self.revoked = answer
        ended = seen.ended
        self.left: Event | None = ended if ended is not None and ended.event == "party.left" else None
        #: each hold: its `party.held`, and its `party.retrieved` once there is one
        self.holds: list[tuple[Event, Event | None]] = seen.holds
        self._reached: list[Party] | None = None
        self._path: list[Party] | None = None
        self._data: Mapping[str, Any] | None = None
        self._shared_data = shared_data

    def __repr__(self) -> str:
        return f"Party({self.id!r}, {self.kind} {self.resource!r})"

    # ---- moments and phases -------------------------------------------------------

    @property
    def answered(self) -> Event | None:
        """The end of the invitation: accepted, rejected or revoked (None while alerting)."""
        return self.accepted or self.rejected or self.revoked

    @property
    def present(self) -> Phase:
        """From the party's first event to its end."""
        return ((self.start, self.end),)

    @property
    def alerting(self) -> Phase:
        """An agent's invitation, from `invited` to its answer or, unanswered, the party's end."""
        if self.invited is None:
            return _NO_PHASE
        return ((self.invited, self.answered or self.end),)

    @property
    def connected(self) -> Phase:
        """From accepting to the party's end."""
        return _NO_PHASE if self.accepted is None else ((self.accepted, self.end),)

    @property
    def on_hold(self) -> Phase:
        """Each hold, from `party.held` to `party.retrieved` or, if never retrieved, the party's end."""
        holds = self.holds
        return tuple((held, retrieved or self.end) for held, retrieved in holds) if holds else _NO_PHASE

    @property
    def hold_ms(self) -> int | None:
        """Time on hold, all holds together; None if the party was never held."""
        if not self.holds:
            return None
        return sum(until.ms - since.ms for since, until in self.on_hold)

    # ---- relations ----------------------------------------------------------------

    @property
    def reached(self) -> list[Party]:
        """The parties this one brought in, directly or through queues, workbins and
        strategies it brought in (an agent reached ends the walk), in order of appearance."""
        if self._reached is None:
            found: list[Party] = []
            stack = list(self.brought_in)
            while stack:
                party = stack.pop()
                found.append(party)
                if party.kind != "agent":
                    stack.extend(party.brought_in)
            found.sort(key=_INDEX)
            self._reached = found
        return self._reached

    @property
    def path(self) -> list[Party]:
        """The parties that brought this one in, nearest first, back to the first agent on
        the way (the one whose request started the path) or to the interaction's first party."""
        if self._path is None:
            found: list[Party] = []
            source = self.by
            while source is not None:
                found.append(source)
                if source.kind == "agent":
                    break
                source = source.by
            self._path = found
        return self._path

    # ---- attached data ------------------------------------------------------------

    @property
    def data(self) -> Mapping[str, Any]:
        """The attached data this party saw: the interaction's, then its own events' on top,
        later events winning."""
        if self._data is None:
            own = [event.data for event in self.events if event.data]
            if not own:
                self._data = self._shared_data
            else:
                merged = dict(self._shared_data)
                for data in own:
                    merged.update(data)
                self._data = merged
        return self._data

    @property
    def step_names(self) -> tuple[str, ...]:
        """The party's own steps as rule patterns name them (`invited`, `accepted`...)."""
        return tuple(name.removeprefix("party.") for name in self.names)


_INDEX = attrgetter("index")
_EVENT_TYPE = attrgetter("event")


class InteractionModel:
    """One interaction: its parties in order of appearance, and what concerns it as a whole.

    `ended` is the `interaction.ended` event, or the last event of an interaction
    still open; `customer_left` the `customer.left` event, or None.
    """

    __slots__ = ("by_id", "customer_left", "data", "ended", "events", "id", "media", "parties", "provisional")

    def __init__(self, interaction: str, events: Sequence[AnyEvent], *, provisional: bool = False,
                 survey: Survey | None = None) -> None:
        """`events` are those of a well-formed interaction in `seq` order (as assembled), and
        `survey` what the well-formedness walk saw of them (walked here when not given)."""
        seen = survey if survey is not None else walk(events)
        self.id = interaction
        self.events = events
        self.provisional = provisional
        created = seen.created
        self.media: str | None = None if created is None else created.media  # type: ignore[attr-defined]
        self.customer_left: Event | None = seen.customer_left
        self.ended = ended = seen.ended or events[-1]
        shared = seen.data
        self.data: Mapping[str, Any] = NO_DATA if shared is None else shared
        by_id: dict[str, Party] = {}
        parties: list[Party] = []
        for party_id, walked in seen.parties.items():
            by_name = walked.first.by
            by = None if by_name is None else by_id.get(by_name)
            party = by_id[party_id] = Party(walked, len(parties), by, NO_DATA if shared is None else shared)
            parties.append(party)
            if by is not None:
                by.brought_in.append(party)
            party.names = tuple(map(_EVENT_TYPE, party.events))
            end = walked.ended or ended
            party.end = end
            party.stay_ms = end.ms - party.start.ms
            invited = party.invited
            if invited is None:
                party.alert_ms = party.engage_ms = None
            else:
                accepted = party.accepted
                party.alert_ms = (walked.outcome or end).ms - invited.ms
                party.engage_ms = None if accepted is None else end.ms - accepted.ms
        self.parties = parties
        self.by_id = by_id

    def party(self, party_id: str) -> Party:
        return self.by_id[party_id]

    def dispose(self) -> None:
        """Break the links between parties, so memory is freed as soon as the model is
        dropped rather than at the next garbage collection (the main job makes millions)."""
        for party in self.parties:
            party.by = None
            party.brought_in.clear()
            party._reached = party._path = None

    def to_networkx(self) -> nx.DiGraph:
        """The model as a directed graph: a node per party (attribute `party`), an edge from
        each party to each one it brought in, with the `relation`, `intent`, `visibility`
        and `seq` of the event that brought it in."""
        import networkx as nx

        graph: nx.DiGraph = nx.DiGraph(interaction=self.id)
        for party in self.parties:
            graph.add_node(party.id, party=party)
        for party in self.parties:
            if party.by is not None:
                first = party.start
                graph.add_edge(party.by.id, party.id, relation=relation_of(party.by.kind, party.kind),
                               intent=first.intent, visibility=first.visibility, seq=first.seq)
        return graph


def relation_of(source_kind: str, target_kind: str) -> str:
    """What `source` did to bring `target` in, named from the kinds at both ends."""
    if target_kind in ("queue", "workbin"):
        return "placed"
    if source_kind in ("queue", "workbin"):
        return "pulled"
    if source_kind == "strategy" and target_kind == "agent":
        return "routed"
    return "invited"


def relation_into(party: Party) -> str:
    """How the party came in: the relation from the party that brought it, or `submitted`
    for the interaction's entry."""
    return "submitted" if party.by is None else relation_of(party.by.kind, party.kind)
