"""Party facts straight from an interaction's events: the main job's path to the rules.

`InteractionGraph` (in `rulesengine.graph`) answers the same questions over a networkx
graph, for queries, export and analysis; building one per interaction costs more than
everything else the main job does, so the run computes `PartyFacts` here from plain
nodes linked by `by`, and never imports networkx. Both give identical facts on every
input (the performance tests check it); the two answers they share live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rulesengine.events import MEDIATION_KINDS, PARTY_EVENT_TYPES, Event
from rulesengine.facts import PartyFacts, PartyStep

#: the events that start a participation
FIRST_STEPS = ("party.entered", "party.invited")


def state_at(kind: str, start_seq: int, end_seq: int, accepted_seq: int | None, seq: int) -> str:
    """Where a party stood at event `seq` (one of `rulesengine.facts.STATES`)."""
    if seq < start_seq:
        return "not_started"
    if seq > end_seq:
        return "finished"
    if kind == "strategy":
        return "routing"
    if kind != "agent":
        return "waiting"
    return "connected" if accepted_seq is not None and accepted_seq < seq else "alerting"


def summarize_delivered(states: set[str], customer_left_seq: int | None) -> str:
    """One state for a set of delivered agents: alerting beats connected beats the rest."""
    if customer_left_seq is None:
        return "stayed"
    for state in ("alerting", "connected", "finished"):
        if state in states:
            return state
    return "not_started"


class _Node:
    """A party while `party_facts` works: plain slots, mutable, built once per interaction.

    Not a record that leaves this module, so it skips attrs: this runs for every
    party of every interaction on the main job's hot path. Nodes name their inviter
    by id rather than pointing at it, so they form no reference cycle.
    """

    __slots__ = ("id", "kind", "resource", "by", "first", "last", "steps", "children", "accepted",
                 "answered", "start_seq", "end_seq", "end_ms")

    def __init__(self, event: Event) -> None:
        self.id = event.party
        self.kind = event.kind
        self.resource = event.resource
        self.by = event.by
        self.first = event
        self.last = event  # the party's latest event so far
        self.steps: list[PartyStep] = []
        self.children: list[_Node] = []
        self.accepted: PartyStep | None = None
        self.answered: PartyStep | None = None  # accepted, revoked or rejected: the alert is over

    def state_at(self, seq: int) -> str:
        accepted = self.accepted
        return state_at(self.kind, self.start_seq, self.end_seq, accepted.seq if accepted else None, seq)


_CLOSING_STEPS = frozenset({"left", "revoked", "rejected"})
_ANSWERS = frozenset({"party.accepted", "party.revoked", "party.rejected"})
#: step names as patterns write them, `party.` dropped
_STEP_NAMES = {name: name.removeprefix("party.") for name in PARTY_EVENT_TYPES}
_HOLDING_KINDS = frozenset({"queue", "workbin"})
_MEDIATION = frozenset(MEDIATION_KINDS)


def party_facts(interaction: str, events: Iterable[Event], *, provisional: bool = False) -> list[PartyFacts]:
    """The same facts as `InteractionGraph(...).facts()`, without building a graph.

    The main job needs only the facts, and a networkx graph per interaction costs more
    than everything else it does; this walks the events once into plain nodes linked
    by `by`. Both must agree on every input (the performance tests check it). The
    events are those of a well-formed interaction in seq order, as `Interaction`
    holds them, so each party starts with its first event (`party.entered` or
    `party.invited`).
    """
    ordered = events if isinstance(events, Sequence) else list(events)
    ended = left = None
    nodes: dict[str, _Node] = {}
    for e in ordered:
        name = e.event
        if name not in _STEP_NAMES:  # a `party` on another event names no step
            if name == "interaction.ended":
                ended = ended or e
            elif name == "customer.left":
                left = left or e
            continue
        node = nodes.get(e.party)
        if node is None:
            node = nodes[e.party] = _Node(e)
        node.last = e
        step = PartyStep(_STEP_NAMES[name], e.seq, e.ms, e.reason, e.intent, e.visibility, e.by)
        node.steps.append(step)
        if name in _ANSWERS:
            node.answered = node.answered or step
            if name == "party.accepted":
                node.accepted = node.accepted or step
    ended = ended or ordered[-1]
    left_seq = left.seq if left else None
    for node in nodes.values():  # parties come in order of their first seq
        node.start_seq = node.first.seq
        closing = node.last if node.steps[-1].step in _CLOSING_STEPS else ended
        node.end_seq, node.end_ms = closing.seq, closing.ms
        node.last = closing
        if node.by is not None:
            nodes[node.by].children.append(node)
    return [_node_facts(interaction, node, nodes, left_seq, provisional) for node in nodes.values()]


def _node_facts(interaction: str, node: _Node, nodes: dict[str, _Node], left_seq: int | None,
                provisional: bool) -> PartyFacts:
    first = node.steps[0]
    inviter = nodes[node.by] if node.by is not None else None
    origin = first.intent or "inbound"
    through_queue = False
    target, source = node, inviter
    while source is not None:
        through_queue = through_queue or source.kind in _HOLDING_KINDS
        if source.kind == "agent":
            origin = target.first.intent or "inbound"
            break
        target, source = source, (nodes[source.by] if source.by is not None else None)
    kind = node.kind
    children = node.children
    end_seq = node.end_seq
    accepted = node.accepted
    alert_ms = engage_ms = None
    if kind == "agent":
        answered = node.answered
        alert_ms = (answered.ms if answered else node.end_ms) - first.ms
        engage_ms = node.end_ms - accepted.ms if accepted else None
    # plain loops rather than any(...) over generators: this runs for every party
    transfer_completed = delivered_accepted = False
    for child in children:
        taken = child.accepted
        if taken is not None and taken.seq < end_seq and child.first.intent == "transfer":
            transfer_completed = True
            break
    delivered = _delivered(node) if children and kind in _MEDIATION else ()
    for agent in delivered:
        if agent.accepted is not None:
            delivered_accepted = True
            break
    if left_seq is None:
        at_left = delivered_at_left = "stayed"
    else:
        at_left = state_at(kind, node.start_seq, end_seq, accepted.seq if accepted else None, left_seq)
        delivered_at_left = (summarize_delivered({agent.state_at(left_seq) for agent in delivered}, left_seq)
                             if delivered else "not_started")
    # positional, in PartyFacts' field order: keywords cost a third of the call on this hot path
    return PartyFacts(
        interaction, node.id, kind, node.resource, tuple(node.steps), first.intent or "none", origin,
        through_queue, inviter.kind if inviter else "none", first.visibility or "unknown",
        left_seq is not None, at_left, transfer_completed, bool(children), delivered_accepted,
        delivered_at_left, alert_ms, engage_ms, node.end_ms - node.first.ms, node.first.ts, node.last.ts,
        node.start_seq, provisional,
    )


def _delivered(node: _Node) -> list[_Node]:
    """Agents reached from a mediation node through mediation nodes only, in order."""
    reached: list[_Node] = []
    for child in node.children:
        if child.kind == "agent":
            reached.append(child)
        else:
            reached.extend(_delivered(child))
    return reached

