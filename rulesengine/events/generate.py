"""Random but realistic event streams: load tests, demos and the bundled sample.

Every documented chat flow (C1..C11, in the shapes of the fixtures in `tests/flows/`)
and a few compositions of them are written by one `_Chat` builder: each shape is a
short function of builder steps, so a new shape is a few lines, not a new writer.
Party ids follow the fixtures' numbering (`<interaction>.q1`, `.s1`, `.a1`, `.a2`...),
and `interaction.created` carries the shape id as attached data (`data.flow`), so the
documented descriptors of a fixture apply to every generated interaction of its shape.

Interactions start at random (Poisson) arrivals and overlap in time; `Interleaver`
merges them into one stream ordered by timestamp, holding only the interactions still
open, so memory stays flat however many are generated. Same seed, same bytes.
"""

from __future__ import annotations

import datetime
import heapq
import random
import tomllib
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path

import attrs
import orjson

from rulesengine.diagnostics import did_you_mean

AGENTS = tuple(f"Agent{n}" for n in range(1, 21))
INBOUND_QUEUES = ("Chat_In", "Chat_Sales", "Chat_Support")
REQUEST_QUEUES = ("Chat_Conference", "Chat_Escalation")
STRATEGIES = ("ChatRouting", "SalesRouting", "SupportRouting")
#: Interaction Server `delivering-timeout`: an unanswered invitation is revoked after it.
DELIVERING_TIMEOUT_MS = 30_000
#: Mean gap between two interactions' arrivals.
MEAN_ARRIVAL_S = 1.5
#: When the generated stream starts.
EPOCH = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
#: The seed and size of the generated part of the bundled sample.
SAMPLE_SEED = 2026
SAMPLE_COUNT = 300

#: each delay a generated chat waits, (low, high) seconds drawn uniformly; a profile may change them
DELAYS: dict[str, tuple[float, float]] = {
    "queue": (0.5, 40),            # in a queue until a strategy takes the chat
    "routing": (0.2, 3),           # a strategy's pass until it invites an agent
    "answer": (1.5, 15),           # an invitation until the agent accepts
    "talk": (20, 420),             # a stretch of conversation
    "hold": (5, 120),              # until the agent holds the customer
    "on_hold": (5, 90),            # on hold until taken back
    "leaving": (0.1, 3),           # between two parties leaving at the end
    "agents_ending": (0.1, 2),     # agents ending the chat until the customer goes
    "waiting_abandon": (5, 180),   # in the inbound queue until the customer leaves
    "routing_abandon": (2, 30),    # during routing until the customer leaves
    "ringing_abandon": (1, 28),    # while an agent is alerted until the customer leaves
    "retry": (5, 60),              # a failed transfer until the next attempt
    "hold_abandon": (5, 120),      # on hold until the customer leaves
}

_EPOCH_MS = int(EPOCH.timestamp() * 1000)
_DAY_MS = 86_400_000


@lru_cache(maxsize=64)
def _date(day: int) -> str:
    """The date `day` days after 1970-01-01."""
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()


def format_ts(ms: int) -> str:
    """RFC 3339 UTC with milliseconds for an offset from `EPOCH` (fast: no datetime per event)."""
    day, in_day = divmod(_EPOCH_MS + ms, _DAY_MS)
    seconds, milli = divmod(in_day, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_date(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}Z"


class _Chat:
    """One interaction being written: numbers its events, names its parties, keeps its clock.

    `ms` is the interaction's clock (offset from `EPOCH`); each step moves it forward by
    a realistic random delay. `open` maps each open party to its state, so `finish` knows
    who is left to leave.
    """

    __slots__ = (
        "_agents",
        "_counts",
        "_delays",
        "_inbound",
        "_invited_at",
        "events",
        "interaction",
        "ms",
        "open",
        "rng",
    )

    def __init__(self, interaction: str, ms: int, rng: random.Random, flow: str,
                 delays: dict[str, tuple[float, float]] = DELAYS) -> None:
        self.interaction = interaction
        self._delays = delays
        self.ms = ms
        self.rng = rng
        self.events: list[tuple[int, str]] = []
        self.open: dict[str, str] = {}
        self._counts = {"q": 0, "s": 0, "a": 0}
        self._agents = iter(rng.sample(AGENTS, 4))
        self._invited_at: dict[str, int] = {}
        self._inbound = rng.choice(INBOUND_QUEUES)
        self._emit("interaction.created", media="chat", data={"flow": flow})

    def wait(self, delay: str) -> None:
        """Let a `DELAYS` (or the profile's) range of seconds pass."""
        low, high = self._delays[delay]
        self.ms += int(self.rng.uniform(low, high) * 1000)

    def _emit(self, event: str, **fields: object) -> None:
        record = {"interaction": self.interaction, "seq": len(self.events) + 1,
                  "ts": format_ts(self.ms), "event": event}
        record.update((name, value) for name, value in fields.items() if value is not None)
        self.events.append((self.ms, orjson.dumps(record).decode()))

    def _party(self, prefix: str) -> str:
        self._counts[prefix] += 1
        return f"{self.interaction}.{prefix}{self._counts[prefix]}"

    def queue(self, resource: str, by: str | None = None, intent: str | None = None) -> str:
        """The interaction enters a queue (placed there by `by` with `intent`, if any)."""
        party = self._party("q")
        self._emit("party.entered", party=party, kind="queue", resource=resource, by=by, intent=intent)
        self.open[party] = "waiting"
        return party

    def inbound(self) -> str:
        """The chat enters its inbound queue (first, or back after a revoked routing)."""
        return self.queue(self._inbound)

    def take(self, queue: str) -> str:
        """A strategy takes the interaction from `queue`, which releases it."""
        self.wait("queue")
        party = self._party("s")
        self._emit("party.entered", party=party, kind="strategy",
                   resource=self.rng.choice(STRATEGIES), by=queue)
        self.open[party] = "routing"
        self.leave(queue)
        return party

    def invite(self, by: str, intent: str, visibility: str | None = None) -> str:
        """`by` offers the interaction to the next agent of this chat."""
        party = self._party("a")
        self._emit("party.invited", party=party, kind="agent", resource=next(self._agents),
                   by=by, intent=intent, visibility=visibility)
        self.open[party] = "alerting"
        self._invited_at[party] = self.ms
        return party

    def route(self, queue: str, visibility: str | None = "conference") -> str:
        """A strategy pass: takes the chat from `queue`, invites an agent, finishes."""
        strategy = self.take(queue)
        self.wait("routing")
        agent = self.invite(strategy, "route", visibility)
        self.leave(strategy)
        return agent

    def start(self) -> str:
        """The common start of the documented flows: inbound queue, strategy, Agent 1 invited."""
        return self.route(self.inbound())

    def accept(self, agent: str) -> None:
        self.wait("answer")
        self._emit("party.accepted", party=agent)
        self.open[agent] = "connected"

    def revoke(self, agent: str) -> None:
        """The delivering timeout withdraws the unanswered invitation."""
        self.ms = max(self.ms, self._invited_at[agent] + DELIVERING_TIMEOUT_MS)
        self._emit("party.revoked", party=agent, reason="timeout")
        del self.open[agent]

    def leave(self, party: str, reason: str | None = None) -> None:
        self._emit("party.left", party=party, reason=reason)
        del self.open[party]

    def hold(self, agent: str) -> None:
        """The agent puts the customer on hold for a while, and maybe takes them back."""
        self.wait("hold")
        self._emit("party.held", party=agent)

    def retrieve(self, agent: str) -> None:
        self.wait("on_hold")
        self._emit("party.retrieved", party=agent)

    def talk(self) -> None:
        """A stretch of conversation."""
        self.wait("talk")

    def finish(self, *, agents_may_end: bool = True) -> None:
        """The end of the chat: the customer leaves, every open party that can leave does.

        When every open party is a connected agent, a quarter of the time (if
        `agents_may_end`) the agents end the chat first. An invitation still alerting
        cannot leave: `interaction.ended` closes it.
        """
        settled = all(state == "connected" for state in self.open.values())
        agents_first = agents_may_end and settled and self.rng.random() < 0.25
        if not agents_first:
            self._emit("customer.left")
        for party in [p for p, state in self.open.items() if state != "alerting"]:
            self.wait("leaving")
            self.leave(party)
        if agents_first:
            self.wait("agents_ending")
            self._emit("customer.left")
        self._emit("interaction.ended")


def _transfer(chat: _Chat, agent: str) -> str:
    """`agent` transfers the chat; the target accepts and `agent` leaves."""
    target = chat.invite(agent, "transfer")
    chat.accept(target)
    chat.leave(agent)
    return target


def routed_completed(chat: _Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.finish()


def redirected(chat: _Chat, revokes: int) -> None:
    """`revokes` routed invitations time out, each time back to the queue; then one is accepted."""
    agent = chat.start()
    for _ in range(revokes):
        chat.revoke(agent)
        agent = chat.route(chat.inbound())
    chat.accept(agent)
    chat.talk()
    chat.finish()


def transfer_chain(chat: _Chat, transfers: int) -> None:
    agent = chat.start()
    chat.accept(agent)
    for _ in range(transfers):
        chat.talk()
        agent = _transfer(chat, agent)
    chat.talk()
    chat.finish()


def invitation_revoked(chat: _Chat, intent: str, visibility: str | None) -> None:
    """Agent 1 invites Agent 2, who does not answer; Agent 1 completes the chat."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.revoke(chat.invite(agent, intent, visibility))
    chat.talk()
    chat.finish()


def joined(chat: _Chat, visibility: str) -> None:
    """Agent 1 brings Agent 2 in (conference, or consultation in coach visibility)."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    helper = chat.invite(agent, "conference", visibility)
    chat.accept(helper)
    chat.talk()
    if visibility == "coach":
        chat.leave(helper)
        chat.talk()
    chat.finish()


def _through_queue(chat: _Chat, agent: str, intent: str) -> str:
    """`agent` places an `intent` request in a queue; a strategy delivers it; the target accepts."""
    queue = chat.queue(chat.rng.choice(REQUEST_QUEUES), by=agent, intent=intent)
    target = chat.route(queue, visibility=None)
    chat.accept(target)
    return target


def through_queue(chat: _Chat, intent: str) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, intent)
    chat.talk()
    chat.finish()


def abandoned_in_queue(chat: _Chat) -> None:
    chat.inbound()
    chat.wait("waiting_abandon")
    chat.finish()


def abandoned_during_routing(chat: _Chat) -> None:
    chat.take(chat.inbound())
    chat.wait("routing_abandon")
    chat.finish()


def abandoned_while_alerting(chat: _Chat) -> None:
    chat.start()
    chat.wait("ringing_abandon")
    chat.finish()


def conference_through_queue_then_transfer(chat: _Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, "conference")
    chat.talk()
    _transfer(chat, agent)
    chat.talk()
    chat.finish()


def transfer_failed_then_transferred(chat: _Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.revoke(chat.invite(agent, "transfer"))
    chat.wait("retry")
    _transfer(chat, agent)
    chat.talk()
    chat.finish()


def transfer_through_queue(chat: _Chat) -> None:
    """Agent 1 places a transfer request in a queue; the target accepts, then Agent 1 leaves."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, "transfer")
    chat.leave(agent, reason="transfer")
    chat.talk()
    chat.finish()


def blind_transfer(chat: _Chat) -> None:
    """Agent 1 places a transfer request in a queue and leaves before anyone is offered it."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    queue = chat.queue(chat.rng.choice(REQUEST_QUEUES), by=agent, intent="transfer")
    chat.leave(agent, reason="transfer")
    chat.accept(chat.route(queue, visibility=None))
    chat.talk()
    chat.finish()


def customer_left_on_hold(chat: _Chat) -> None:
    """Agent 1 holds the chat and takes it back; the customer leaves during a second hold."""
    agent = chat.start()
    chat.accept(agent)
    chat.hold(agent)
    chat.retrieve(agent)
    chat.talk()
    chat.hold(agent)
    chat.wait("hold_abandon")
    chat.finish(agents_may_end=False)


def customer_left_during_transfer_alerting(chat: _Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.invite(agent, "transfer")
    chat.wait("ringing_abandon")
    chat.finish()


#: Shape id (the fixture it follows) → (relative weight, writer).
SHAPES: dict[str, tuple[int, Callable[[_Chat], None]]] = {
    "c01_routed_completed": (40, routed_completed),
    "c02_invitation_revoked": (6, partial(redirected, revokes=1)),
    "c03_transfer": (8, partial(transfer_chain, transfers=1)),
    "c04_transfer_failed": (3, partial(invitation_revoked, intent="transfer", visibility=None)),
    "c05_conference": (4, partial(joined, visibility="conference")),
    "c06a_conference_failed_unknown_visibility": (
        2, partial(invitation_revoked, intent="conference", visibility=None)),
    "c06b_conference_failed_coach": (
        2, partial(invitation_revoked, intent="conference", visibility="coach")),
    "c07_consultation": (4, partial(joined, visibility="coach")),
    "c08a_conference_through_queue": (3, partial(through_queue, intent="conference")),
    "c08b_consult_through_queue": (3, partial(through_queue, intent="consult")),
    "c09_abandoned_in_queue": (6, abandoned_in_queue),
    "c10_abandoned_during_routing": (2, abandoned_during_routing),
    "c11_abandoned_while_alerting": (4, abandoned_while_alerting),
    "x01_revoked_twice_then_routed": (2, partial(redirected, revokes=2)),
    "x02_transfer_chain": (3, partial(transfer_chain, transfers=2)),
    "x03_conference_through_queue_then_transfer": (2, conference_through_queue_then_transfer),
    "x04_transfer_failed_then_transferred": (2, transfer_failed_then_transferred),
    "x05_customer_left_during_transfer_alerting": (2, customer_left_during_transfer_alerting),
    "x06_transfer_through_queue": (3, transfer_through_queue),
    "x07_blind_transfer": (2, blind_transfer),
    "x08_customer_left_on_hold": (2, customer_left_on_hold),
}


@attrs.frozen
class Profile:
    """What a generated stream is made of: how often each shape comes (relative weights, 0 for
    never), the range of each delay in seconds, and the mean gap between two arrivals."""

    weights: dict[str, int] = attrs.field(factory=lambda: {flow: weight for flow, (weight, _) in SHAPES.items()})
    delays: dict[str, tuple[float, float]] = attrs.field(factory=lambda: dict(DELAYS))
    arrival: float = MEAN_ARRIVAL_S


class ProfileError(ValueError):
    """A profile file that cannot be read, or says something the generator does not know."""


def load_profile(path: str | Path) -> Profile:
    """A profile from a TOML file: `arrival = SECONDS`, a `[shapes]` table of weights and a
    `[seconds]` table of `[low, high]` ranges; what it leaves out keeps its default."""
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as problem:
        raise ProfileError(f"{path}: {problem}") from None
    except OSError as problem:
        raise ProfileError(f"cannot read {path}: {problem.strerror}") from None
    default = Profile()
    _known(path, table, ("arrival", "shapes", "seconds"), "key")
    weights = dict(default.weights)
    for flow, weight in _table(path, table, "shapes").items():
        _known(path, {flow: None}, SHAPES, "shape")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise ProfileError(f"{path}: shapes.{flow} must be a whole number, 0 or more")
        weights[flow] = weight
    if not any(weights.values()):
        raise ProfileError(f"{path}: every shape has weight 0: nothing to generate")
    delays = dict(default.delays)
    for delay, bounds in _table(path, table, "seconds").items():
        _known(path, {delay: None}, DELAYS, "delay")
        if (not isinstance(bounds, list) or len(bounds) != 2 or not all(_seconds(b) for b in bounds)
                or bounds[0] > bounds[1]):
            raise ProfileError(f"{path}: seconds.{delay} must be [LOW, HIGH], 0 <= LOW <= HIGH")
        delays[delay] = (float(bounds[0]), float(bounds[1]))
    arrival = table.get("arrival", default.arrival)
    if not _seconds(arrival) or arrival <= 0:
        raise ProfileError(f"{path}: arrival must be a number of seconds above 0")
    return Profile(weights, delays, float(arrival))


def _seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _table(path: str | Path, table: dict, key: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: {key} must be a table")
    return value


def _known(path: str | Path, table: dict, known: Iterable[str], what: str) -> None:
    known = list(known)
    for name in table:
        if name not in known:
            hint = did_you_mean(name, known)
            raise ProfileError(f"{path}: unknown {what} {name!r}" + (f"; {hint}" if hint else ""))


@attrs.define
class Interleaver:
    """Merges time-ordered interactions, given in order of their start, into one stream.

    A heap holds one entry per interaction that still has events to write; an entry
    leaves it when its last event is written. `peak` is the largest the heap grew: with
    interactions of bounded length it stays flat however many pass through.
    """

    peak: int = 0

    def merge(self, interactions: Iterable[list[tuple[int, str]]]) -> Iterator[str]:
        heap: list[tuple[int, int, int, list[tuple[int, str]]]] = []
        for number, events in enumerate(interactions):
            start = events[0][0]
            while heap and heap[0][0] <= start:
                yield self._advance(heap)
            heapq.heappush(heap, (start, number, 0, events))
            self.peak = max(self.peak, len(heap))
        while heap:
            yield self._advance(heap)

    @staticmethod
    def _advance(heap: list[tuple[int, int, int, list[tuple[int, str]]]]) -> str:
        """Pop the earliest event; put its interaction back keyed by its next event."""
        _, number, index, events = heap[0]
        if index + 1 < len(events):
            heapq.heapreplace(heap, (events[index + 1][0], number, index + 1, events))
        else:
            heapq.heappop(heap)
        return events[index][1]


def _shape_deck(rng: random.Random, weights: dict[str, int]) -> Iterator[str]:
    """Shape ids in random order, each as often as its weight in every run of the deck.

    Unlike independent draws, a deck shows every shape within each `sum(weights)`
    interactions, so even a short stream covers every flow.
    """
    deck = [flow for flow in SHAPES for _ in range(weights[flow])]
    while True:
        rng.shuffle(deck)
        yield from deck


def _interactions(count: int, seed: int, profile: Profile) -> Iterator[list[tuple[int, str]]]:
    """`count` interactions of random shapes, in order of their start."""
    rng = random.Random(seed)
    shapes = _shape_deck(rng, profile.weights)
    ms = 0
    for number in range(1, count + 1):
        ms += int(rng.expovariate(1 / profile.arrival) * 1000)
        flow = next(shapes)
        chat = _Chat(f"g{seed}-{number}", ms, rng, flow, profile.delays)
        SHAPES[flow][1](chat)
        yield chat.events


def generate_lines(count: int, seed: int, *, profile: Profile | None = None,
                   interleaver: Interleaver | None = None) -> Iterator[str]:
    """`count` random interactions as event lines (no newline), interleaved by time.

    Deterministic by `seed` (and `profile`: by default every shape and delay as `SHAPES`
    and `DELAYS` say). Pass an `interleaver` to read how many interactions it held at once.
    """
    return (interleaver or Interleaver()).merge(_interactions(count, seed, profile or Profile()))


def sample_lines(fixtures: Path) -> Iterator[str]:
    """The bundled sample: every flow fixture in `fixtures` (comments kept), then generated events."""
    for path in sorted(fixtures.glob("*.jsonl")):
        yield from path.read_text(encoding="utf-8").splitlines()
    yield f"# Generated: rulesengine generate --count {SAMPLE_COUNT} --seed {SAMPLE_SEED}"
    yield from generate_lines(SAMPLE_COUNT, SAMPLE_SEED)
