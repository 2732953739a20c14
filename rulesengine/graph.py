"""The interaction graph: parties, who brought whom in, and the domain questions rules ask.

`InteractionGraph` owns a networkx `DiGraph` whose nodes are parties (participations)
and whose edges are the `by` relations of the events, typed by what happened:

- ``invited``: an agent invited another agent (transfer, conference, consult);
- ``placed``: a party put the interaction into a queue or workbin;
- ``pulled``: a strategy (or an agent, intent pull) took it from a queue or workbin;
- ``routed``: a strategy delivered it to an agent.

Rules never see networkx: they read `PartyFacts`, which `facts()` computes once per
party from the questions answered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs
import networkx as nx

from rulesengine.assemble import Interaction
from rulesengine.events import MEDIATION_KINDS, PARTY_EVENT_TYPES, Event
from rulesengine.facts import PartyFacts, PartyStep
from rulesengine.party_facts import FIRST_STEPS, state_at, summarize_delivered



@attrs.frozen
class Hop:
    """One link of the path that brought a party in: `source` brought `target`."""

    source: str
    target: str
    relation: str
    intent: str | None


@attrs.frozen
class Party:
    """A node's data: one participation and the moments that shape its descriptor."""

    id: str
    kind: str
    resource: str
    steps: tuple[PartyStep, ...] = attrs.field(converter=tuple)
    start_seq: int
    start_ms: int
    start_ts: str
    end_seq: int
    end_ms: int
    end_ts: str

    def step(self, name: str) -> PartyStep | None:
        return next((s for s in self.steps if s.step == name), None)

    @property
    def first(self) -> PartyStep:
        return self.steps[0]

    def is_open_at(self, seq: int) -> bool:
        """Whether the party was there at event `seq`, counting its own events."""
        return self.start_seq <= seq <= self.end_seq


def relation_of(source_kind: str, target_kind: str, intent: str | None) -> str:
    """Names the edge from the kinds at both ends: what `source` did to bring `target`."""
    if target_kind in ("queue", "workbin"):
        return "placed"
    if source_kind in ("queue", "workbin"):
        return "pulled"
    if source_kind == "strategy" and target_kind == "agent":
        return "routed"
    return "invited"


def _party_steps(events: Iterable[Event]) -> dict[str, list[PartyStep]]:
    steps: dict[str, list[PartyStep]] = {}
    for event in events:
        if event.event not in PARTY_EVENT_TYPES:  # a `party` on another event names no step
            continue
        steps.setdefault(event.party, []).append(PartyStep(
            step=event.event.removeprefix("party."),
            seq=event.seq,
            ms=event.ms,
            reason=event.reason,
            intent=event.intent,
            visibility=event.visibility,
            by=event.by,
        ))
    return steps


class InteractionGraph:
    """One interaction's parties and relations, with the queries rules need."""

    def __init__(self, interaction: str, events: Iterable[Event], *, provisional: bool = False):
        ordered = sorted(events, key=lambda e: e.seq)
        self.interaction = interaction
        self.provisional = provisional
        self.events: tuple[Event, ...] = tuple(ordered)
        self._ts_by_seq = {e.seq: e.ts for e in ordered}
        self.media = next((e.media for e in ordered if e.event == "interaction.created"), None)
        last = ordered[-1]
        ended = next((e for e in ordered if e.event == "interaction.ended"), last)
        left = next((e for e in ordered if e.event == "customer.left"), None)
        self.customer_left_seq: int | None = left.seq if left else None
        self.customer_left_ts: str | None = left.ts if left else None
        self.end_seq, self.end_ms, self.end_ts = ended.seq, ended.ms, ended.ts
        self.graph = nx.DiGraph()
        firsts = {e.party: e for e in ordered if e.event in FIRST_STEPS}
        for party_id, steps in _party_steps(ordered).items():
            self._add_party(firsts[party_id], steps)
        for party_id, first in firsts.items():
            if first.by is not None:
                source_kind = self.party(first.by).kind
                self.graph.add_edge(
                    first.by, party_id,
                    relation=relation_of(source_kind, first.kind, first.intent),
                    intent=first.intent, visibility=first.visibility, seq=first.seq,
                )

    @classmethod
    def of(cls, interaction: Interaction) -> InteractionGraph:
        """The graph of one assembled interaction."""
        return cls(interaction.id, interaction.events, provisional=interaction.provisional)

    def _add_party(self, first: Event, steps: list[PartyStep]) -> None:
        closing = steps[-1]
        is_closed = closing.step in ("left", "revoked", "rejected")
        end_seq, end_ms = (closing.seq, closing.ms) if is_closed else (self.end_seq, self.end_ms)
        end_ts = self._ts_by_seq[end_seq]
        self.graph.add_node(first.party, data=Party(
            id=first.party, kind=first.kind, resource=first.resource, steps=steps,
            start_seq=first.seq, start_ms=first.ms, start_ts=first.ts,
            end_seq=end_seq, end_ms=end_ms, end_ts=end_ts,
        ))

    # -- parties -----------------------------------------------------------------

    def party(self, party_id: str) -> Party:
        return self.graph.nodes[party_id]["data"]

    def parties(self) -> list[Party]:
        """Every party, in order of first appearance (their first `seq`)."""
        return sorted((data for _, data in self.graph.nodes(data="data")),
                      key=lambda p: p.start_seq)

    def inviter(self, party_id: str) -> str | None:
        """The party that brought this one in directly, if any."""
        return next(iter(self.graph.predecessors(party_id)), None)

    def relation_into(self, party_id: str) -> str:
        """How the party was brought in: an edge's relation, or `submitted` for the chat's entry."""
        inviter = self.inviter(party_id)
        return self.graph.edges[inviter, party_id]["relation"] if inviter else "submitted"

    def brought_in(self, party_id: str) -> list[str]:
        """The parties this one brought in, in order."""
        return sorted(self.graph.successors(party_id), key=lambda p: self.party(p).start_seq)

    # -- paths ---------------------------------------------------------------------

    def path_in(self, party_id: str) -> tuple[Hop, ...]:
        """The hops that brought the party in, nearest first, back to the request that
        started the path: the first hop whose source is an agent, or the chat's own entry."""
        hops: list[Hop] = []
        target = party_id
        while (source := self.inviter(target)) is not None:
            edge = self.graph.edges[source, target]
            hops.append(Hop(source, target, edge["relation"], edge["intent"]))
            if self.party(source).kind == "agent":
                break
            target = source
        return tuple(hops)

    def origin(self, party_id: str) -> str:
        """The intent of the request that started the path that brought the party in.

        A transfer, conference or consult through a queue keeps the intent the agent
        gave when placing it there, although a strategy makes the last delivery.
        """
        hops = self.path_in(party_id)
        if hops and self.party(hops[-1].source).kind == "agent":
            return hops[-1].intent or "inbound"
        return self.party(party_id).first.intent or "inbound"

    def through_queue(self, party_id: str) -> bool:
        return any(self.party(hop.source).kind in ("queue", "workbin")
                   for hop in self.path_in(party_id))

    def delivered_agents(self, party_id: str) -> list[str]:
        """Agents reached from this party through mediation parties only."""
        reached: list[str] = []
        for child in self.brought_in(party_id):
            if self.party(child).kind == "agent":
                reached.append(child)
            else:
                reached.extend(self.delivered_agents(child))
        return reached

    # -- moments -------------------------------------------------------------------

    def open_at(self, seq: int) -> list[str]:
        """The parties present at event `seq`, in order of appearance."""
        return [p.id for p in self.parties() if p.start_seq < seq < p.end_seq]

    def state_at(self, party_id: str, seq: int) -> str:
        """Where the party stood at event `seq` (one of `rulesengine.facts.STATES`)."""
        party = self.party(party_id)
        accepted = party.step("accepted")
        return state_at(party.kind, party.start_seq, party.end_seq,
                        accepted.seq if accepted else None, seq)

    def state_at_customer_left(self, party_id: str) -> str:
        if self.customer_left_seq is None:
            return "stayed"
        return self.state_at(party_id, self.customer_left_seq)

    def transfer_completed(self, party_id: str) -> bool:
        """Whether a party this one invited with intent transfer accepted before it left."""
        party = self.party(party_id)
        for target in self.graph.successors(party_id):
            if self.graph.edges[party_id, target]["intent"] != "transfer":
                continue
            accepted = self.party(target).step("accepted")
            if accepted is not None and accepted.seq < party.end_seq:
                return True
        return False

    # -- facts ---------------------------------------------------------------------

    def facts(self) -> Iterator[PartyFacts]:
        """One `PartyFacts` per party, in order of first appearance."""
        for party in self.parties():
            yield self._facts_of(party)

    def _facts_of(self, party: Party) -> PartyFacts:
        first = party.first
        inviter = self.inviter(party.id)
        delivered = self.delivered_agents(party.id) if party.kind in MEDIATION_KINDS else []
        delivered_states = {self.state_at_customer_left(agent) for agent in delivered}
        accepted = party.step("accepted")
        answered = accepted or party.step("revoked") or party.step("rejected")
        alert_ms = engage_ms = None
        if party.kind == "agent":
            alert_ms = (answered.ms if answered else party.end_ms) - first.ms
            engage_ms = party.end_ms - accepted.ms if accepted else None
        return PartyFacts(
            interaction=self.interaction,
            party=party.id,
            kind=party.kind,
            resource=party.resource,
            steps=party.steps,
            intent=first.intent or "none",
            origin=self.origin(party.id),
            through_queue=self.through_queue(party.id),
            invited_by=self.party(inviter).kind if inviter else "none",
            visibility=first.visibility or "unknown",
            customer_left=self.customer_left_seq is not None,
            at_customer_left=self.state_at_customer_left(party.id),
            transfer_completed=self.transfer_completed(party.id),
            handed_on=self.graph.out_degree(party.id) > 0,
            delivered_accepted=any(self.party(a).step("accepted") for a in delivered),
            delivered_at_customer_left=summarize_delivered(delivered_states, self.customer_left_seq),
            alert_ms=alert_ms,
            engage_ms=engage_ms,
            stay_ms=party.end_ms - party.start_ms,
            start_ts=party.start_ts,
            end_ts=party.end_ts,
            first_seq=party.start_seq,
            provisional=self.provisional,
        )
