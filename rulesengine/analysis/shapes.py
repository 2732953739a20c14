"""Every interaction shape the contract allows, up to a bound: the steps, without times.

A shape is a sequence of abstract steps walked from the contract's step grammar
(docs/events.md): the chat enters a first queue; a queue is taken by a strategy or
pulled by an agent, and releases the chat; a strategy invites an agent (`route`) and
finishes; an invited agent accepts, declines or has the invitation withdrawn; a
connected agent holds the customer (once) and takes them back, invites another agent
(`transfer`, `conference`, `consult`), places the chat in a queue with one of those
intents, or leaves; when nobody is left the chat may enter an inbound queue again.
After any step the chat may finish: the customer leaves or not, then each party still
open leaves (an invitation is withdrawn) or stays until `interaction.ended`. The
bound is the number of parties beyond the first queue and strategy; at most
`Grammar.together` agents are in the chat at once.

A second limit, `Grammar.agents`, adds every shape of at most that many agents in which a
queue or strategy counts only while it holds the chat: one that handed it on counts no
more, the party it handed it to does. An agent reached through a queue and a strategy then
costs what an agent invited directly costs, and the shapes stay few, since no step adds
more than one to the count: a strategy taking the chat from a queue, or an agent invited by
a strategy or pulled from a queue, adds nothing. A shape is searched when it is within either
limit.

Handing on is written as the contract's two events in a row (the strategy enters, the
queue leaves; the agent is invited, the strategy leaves): the customer leaving between
them is no shape of its own. That, one hold per agent and no new party after the
customer left are what the enumeration leaves out besides the bound.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import attrs

#: how a party still open may end, by its state: it leaves (its invitation withdrawn), or stays
#: until `interaction.ended` (None)
_FATES: dict[str, tuple[str | None, ...]] = {
    "waiting": ("party.left", None), "alerting": ("party.revoked", None),
    "connected": ("party.left", None), "held": ("party.left", None)}

#: the events of a party after its first
STEP_EVENTS = ("party.accepted", "party.rejected", "party.revoked", "party.held", "party.retrieved", "party.left")

#: the intents of an agent's own request, directly or through a queue
REQUESTS = ("transfer", "conference", "consult")


@attrs.frozen(cache_hash=True)
class Step:
    """One event of a shape: what happened, to which party, and how it came in."""

    event: str
    party: str | None = None
    kind: str | None = None
    by: str | None = None
    intent: str | None = None
    visibility: str | None = None


#: a whole shape: its steps in order, `interaction.created` first and `interaction.ended` last
Shape = tuple[Step, ...]


@attrs.frozen
class Grammar:
    """What the enumeration varies: the bound, and the values worth telling apart.

    `visibilities` lists the invitation visibilities to try (None: not said), `mediation`
    the kinds a queue may be (queue, and workbin only when some rule tells them apart).
    """

    bound: int
    #: the second limit: at most this many agents, a queue or strategy counting as one while it
    #: holds the chat and as nothing once it has handed it on (0: only the bound)
    agents: int = 0
    visibilities: tuple[str | None, ...] = (None, "conference", "coach", "monitor")
    mediation: tuple[str, ...] = ("queue",)
    #: how many agents may be in the interaction at once (invited and not gone)
    together: int = 2
    #: whether agents hold the customer (not when no rule can tell)
    holds: bool = True
    #: the later steps whose order against another party's later step the rules can see.
    #: Two such steps of different parties in a row, where either is not in this set, are
    #: written in one order only (the party that came first, first): the other order is the
    #: same interaction to the rules. Every step, the default, keeps every order.
    ordered: frozenset[str] = frozenset(STEP_EVENTS)


_CREATED = Step("interaction.created")
_ENDED = Step("interaction.ended")
_CUSTOMER_LEFT = Step("customer.left")


class _Walk:
    """The depth-first walk: the steps so far, each party's state, undone on the way back."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.limit = grammar.bound + 2
        self.steps: list[Step] = [_CREATED]
        #: party id → (kind, state): waiting (a queue or strategy), alerting, connected, held, gone
        self.state: dict[str, tuple[str, str]] = {}
        self.held: set[str] = set()
        self.counts = {"q": 0, "w": 0, "s": 0, "a": 0}
        #: party id → the order it came in
        self.rank: dict[str, int] = {}

    def shapes(self) -> Iterator[Shape]:
        for kind in self.grammar.mediation:
            yield from self._enter(kind, None, None, ())

    # ---- the walk -------------------------------------------------------------------

    def _from_here(self) -> Iterator[Shape]:
        yield from self._finish()
        # a new party that adds one to the count of agents, and one that takes over from a queue
        # or strategy (which then counts no more), each within the bound or the agents
        counted = sum(kind == "agent" or state != "gone" for kind, state in self.state.values())
        room = len(self.state) < self.limit or counted < self.grammar.agents
        handing_on = len(self.state) < self.limit or counted <= self.grammar.agents
        busy = sum(kind == "agent" and state != "gone" for kind, state in self.state.values()) >= self.grammar.together
        for party, (kind, state) in list(self.state.items()):
            if state == "waiting":
                yield from self._mediation(party, kind, handing_on)
            elif state == "alerting":
                yield from self._step("party.accepted", party, "connected")
                yield from self._step("party.rejected", party, "gone")
                yield from self._step("party.revoked", party, "gone")
            elif state == "connected":
                yield from self._connected(party, room, busy)
            elif state == "held":
                yield from self._step("party.retrieved", party, "connected")
                yield from self._step("party.left", party, "gone")
        if room and all(state == "gone" for _, state in self.state.values()):
            for kind in self.grammar.mediation:
                yield from self._enter(kind, None, None, ())

    def _finish(self) -> Iterator[Shape]:
        """The end of the chat from here: the customer leaves or not, then each party still open
        leaves (an invitation is withdrawn) or stays until `interaction.ended`."""
        open_parties = [(party, state) for party, (_, state) in self.state.items() if state != "gone"]
        for leaving in ((_CUSTOMER_LEFT,), ()):
            for fates in itertools.product(*(_FATES[state] for _, state in open_parties)):
                ends = tuple(Step(fate, party) for (party, _), fate in zip(open_parties, fates, strict=True) if fate)
                yield (*self.steps, *leaving, *ends, _ENDED)

    def _mediation(self, party: str, kind: str, room: bool) -> Iterator[Shape]:
        if not room:
            return
        left = Step("party.left", party)
        if kind == "strategy":
            for visibility in self.grammar.visibilities:
                yield from self._invite(party, "route", visibility, (left,), {party: "gone"})
        else:
            yield from self._enter("strategy", party, None, (left,), {party: "gone"})
            for visibility in self.grammar.visibilities:
                yield from self._invite(party, "pull", visibility, (left,), {party: "gone"})

    def _connected(self, party: str, room: bool, busy: bool) -> Iterator[Shape]:
        if party not in self.held and self.grammar.holds:
            self.held.add(party)
            yield from self._step("party.held", party, "held")
            self.held.discard(party)
        yield from self._step("party.left", party, "gone")
        if room:
            for intent in REQUESTS:
                if not busy:
                    for visibility in self.grammar.visibilities:
                        yield from self._invite(party, intent, visibility, ())
                for kind in self.grammar.mediation:
                    yield from self._enter(kind, party, intent, ())

    def _step(self, event: str, party: str, state: str) -> Iterator[Shape]:
        """A later step of one party, unless it only swaps with the step before (`Grammar.ordered`)."""
        if not self._swaps(self.steps[-1], Step(event, party)):
            yield from self._do((Step(event, party),), {party: state})

    def _swaps(self, last: Step, step: Step) -> bool:
        """Whether `last` then `step` is the same interaction to the rules as `step` then `last`,
        and the other order is the one the walk keeps: `step`'s party came first (so two steps
        of one party never swap: the second may only follow the first)."""
        if last.party is None or step.party is None or self.rank[step.party] >= self.rank[last.party]:
            return False
        if last.kind is not None:  # a party's first step: `step` is about another, older party
            return last.by is not None and last.by != step.party and (
                last.event not in self.grammar.ordered or step.event not in self.grammar.ordered)
        return last.event not in self.grammar.ordered or step.event not in self.grammar.ordered

    def _enter(self, kind: str, by: str | None, intent: str | None, then: Sequence[Step],
               changes: dict[str, str] | None = None) -> Iterator[Shape]:
        party = self._name(kind)
        step = Step("party.entered", party, kind, by, intent)
        yield from self._do((step, *then), {**(changes or {}), party: "waiting"}, new=(party, kind))
        self.counts[party[0]] -= 1

    def _invite(self, by: str, intent: str, visibility: str | None, then: Sequence[Step],
                changes: dict[str, str] | None = None) -> Iterator[Shape]:
        party = self._name("agent")
        step = Step("party.invited", party, "agent", by, intent, visibility)
        yield from self._do((step, *then), {**(changes or {}), party: "alerting"}, new=(party, "agent"))
        self.counts["a"] -= 1

    def _name(self, kind: str) -> str:
        prefix = kind[0]
        self.counts[prefix] += 1
        return f"{prefix}{self.counts[prefix]}"

    def _do(self, steps: Sequence[Step], changes: dict[str, str] | None = None, *,
            new: tuple[str, str] | None = None) -> Iterator[Shape]:
        """The shapes that go on with `steps`, each party in `changes` in its new state."""
        if new is not None:
            self.state[new[0]] = (new[1], "new")
            self.rank[new[0]] = len(self.rank)
        before = {party: self.state[party] for party in changes or {}}
        for party, state in (changes or {}).items():
            self.state[party] = (self.state[party][0], state)
        self.steps.extend(steps)
        yield from self._from_here()
        del self.steps[len(self.steps) - len(steps):]
        self.state.update(before)
        if new is not None:
            del self.state[new[0]], self.rank[new[0]]


def shapes(grammar: Grammar) -> Iterator[Shape]:
    """Every shape within the grammar's bound, then every other one within its agents, each once
    and in a fixed order (so witnesses are the same every run, and those the bound alone finds
    stay as they were). The walk meets some shapes twice: a party that leaves, and then the chat
    ends, is also a party still open at the end that leaves."""
    seen: set[Shape] = set()
    walks = [_Walk(attrs.evolve(grammar, agents=0))] + ([_Walk(grammar)] if grammar.agents else [])
    for walk in walks:
        for shape in walk.shapes():
            if shape not in seen:
                seen.add(shape)
                yield shape
