"""The chats the generator writes: a builder of one interaction's events, and the shapes.

Every documented chat flow (C1..C11, in the shapes of the fixtures in `tests/flows/`),
a few compositions of them, and the shapes only a profile brings in (declines, pulls,
supervisors monitoring: fixtures in `tests/generate/flows/`) are written by one `Chat`
builder: each shape is a short function of builder steps, so a new shape is a few lines,
not a new writer.
Party ids follow the fixtures' numbering (`<interaction>.q1`, `.s1`, `.a1`, `.a2`...),
and `interaction.created` carries the shape id as attached data (`data.flow`), so the
documented descriptors of a fixture apply to every generated interaction of its shape.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from functools import lru_cache, partial

import orjson

AGENTS = tuple(f"Agent{n}" for n in range(1, 21))
INBOUND_QUEUES = ("Chat_In", "Chat_Sales", "Chat_Support")
REQUEST_QUEUES = ("Chat_Conference", "Chat_Escalation")
STRATEGIES = ("ChatRouting", "SalesRouting", "SupportRouting")
#: Where a strategy parks a chat for an agent to pull later.
WORKBINS = ("Chat_Later", "Chat_Callback")
#: Who monitors and barges in (a site's rules may tell them by name, e.g. `resource matches "Sup_*"`).
SUPERVISORS = ("Sup_Ada", "Sup_Bo", "Sup_Cy")
#: Interaction Server `delivering-timeout`: an unanswered invitation is revoked after it.
DELIVERING_TIMEOUT_MS = 30_000
#: When the generated stream starts.
EPOCH = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
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
    "decline": (1, 12),            # an invitation until the agent declines it
    "pull": (5, 300),              # in a queue or workbin until an agent pulls the chat
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


class Chat:
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
                 delays: dict[str, tuple[float, float]] = DELAYS, data: dict[str, str] | None = None) -> None:
        self.interaction = interaction
        self._delays = delays
        self.ms = ms
        self.rng = rng
        self.events: list[tuple[int, str]] = []
        self.open: dict[str, str] = {}
        self._counts = {"q": 0, "s": 0, "w": 0, "a": 0}
        self._agents = iter(rng.sample(AGENTS, 4))
        self._invited_at: dict[str, int] = {}
        self._inbound = rng.choice(INBOUND_QUEUES)
        self._emit("interaction.created", media="chat", data={"flow": flow, **(data or {})})

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

    def queue(self, resource: str, by: str | None = None, intent: str | None = None, kind: str = "queue") -> str:
        """The interaction enters a queue or workbin (placed there by `by` with `intent`, if any)."""
        party = self._party(kind[0])
        self._emit("party.entered", party=party, kind=kind, resource=resource, by=by, intent=intent)
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

    def invite(self, by: str, intent: str, visibility: str | None = None, resource: str | None = None) -> str:
        """`by` offers the interaction to `resource`, by default the next agent of this chat."""
        party = self._party("a")
        self._emit("party.invited", party=party, kind="agent", resource=resource or next(self._agents),
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

    def accept(self, agent: str, *, at_once: bool = False) -> None:
        """The agent accepts: after a while, or `at_once` when joining was the agent's own act."""
        if not at_once:
            self.wait("answer")
        self._emit("party.accepted", party=agent)
        self.open[agent] = "connected"

    def decline(self, agent: str) -> None:
        """The agent rejects the invitation."""
        self.wait("decline")
        self._emit("party.rejected", party=agent, reason="declined")
        del self.open[agent]

    def pull(self, place: str) -> str:
        """An agent takes the chat from the queue or workbin `place` himself, which releases it."""
        self.wait("pull")
        agent = self.invite(place, "pull")
        self.leave(place)
        self.accept(agent, at_once=True)
        return agent

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


def _transfer(chat: Chat, agent: str) -> str:
    """`agent` transfers the chat; the target accepts and `agent` leaves."""
    target = chat.invite(agent, "transfer")
    chat.accept(target)
    chat.leave(agent)
    return target


def routed_completed(chat: Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.finish()


#: How an invitation goes unanswered: the delivering timeout withdraws it, or the agent declines.
Miss = Callable[[Chat, str], None]


def redirected(chat: Chat, misses: int, miss: Miss = Chat.revoke) -> None:
    """`misses` routed invitations go unanswered, each time back to the queue; then one is accepted."""
    agent = chat.start()
    for _ in range(misses):
        miss(chat, agent)
        agent = chat.route(chat.inbound())
    chat.accept(agent)
    chat.talk()
    chat.finish()


def transfer_chain(chat: Chat, transfers: int) -> None:
    agent = chat.start()
    chat.accept(agent)
    for _ in range(transfers):
        chat.talk()
        agent = _transfer(chat, agent)
    chat.talk()
    chat.finish()


def invitation_unanswered(chat: Chat, intent: str, visibility: str | None, miss: Miss = Chat.revoke) -> None:
    """Agent 1 invites Agent 2, who does not answer (or declines); Agent 1 completes the chat."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    miss(chat, chat.invite(agent, intent, visibility))
    chat.talk()
    chat.finish()


def joined(chat: Chat, visibility: str) -> None:
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


def _through_queue(chat: Chat, agent: str, intent: str) -> str:
    """`agent` places an `intent` request in a queue; a strategy delivers it; the target accepts."""
    queue = chat.queue(chat.rng.choice(REQUEST_QUEUES), by=agent, intent=intent)
    target = chat.route(queue, visibility=None)
    chat.accept(target)
    return target


def through_queue(chat: Chat, intent: str) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, intent)
    chat.talk()
    chat.finish()


def abandoned_in_queue(chat: Chat) -> None:
    chat.inbound()
    chat.wait("waiting_abandon")
    chat.finish()


def abandoned_during_routing(chat: Chat) -> None:
    chat.take(chat.inbound())
    chat.wait("routing_abandon")
    chat.finish()


def abandoned_while_alerting(chat: Chat) -> None:
    chat.start()
    chat.wait("ringing_abandon")
    chat.finish()


def conference_through_queue_then_transfer(chat: Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, "conference")
    chat.talk()
    _transfer(chat, agent)
    chat.talk()
    chat.finish()


def transfer_failed_then_transferred(chat: Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.revoke(chat.invite(agent, "transfer"))
    chat.wait("retry")
    _transfer(chat, agent)
    chat.talk()
    chat.finish()


def transfer_through_queue(chat: Chat) -> None:
    """Agent 1 places a transfer request in a queue; the target accepts, then Agent 1 leaves."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    _through_queue(chat, agent, "transfer")
    chat.leave(agent, reason="transfer")
    chat.talk()
    chat.finish()


def blind_transfer(chat: Chat) -> None:
    """Agent 1 places a transfer request in a queue and leaves before anyone is offered it."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    queue = chat.queue(chat.rng.choice(REQUEST_QUEUES), by=agent, intent="transfer")
    chat.leave(agent, reason="transfer")
    chat.accept(chat.route(queue, visibility=None))
    chat.talk()
    chat.finish()


def customer_left_on_hold(chat: Chat) -> None:
    """Agent 1 holds the chat and takes it back; the customer leaves during a second hold."""
    agent = chat.start()
    chat.accept(agent)
    chat.hold(agent)
    chat.retrieve(agent)
    chat.talk()
    chat.hold(agent)
    chat.wait("hold_abandon")
    chat.finish(agents_may_end=False)


def customer_left_during_transfer_alerting(chat: Chat) -> None:
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    chat.invite(agent, "transfer")
    chat.wait("ringing_abandon")
    chat.finish()


def pulled_from_queue(chat: Chat) -> None:
    """An agent takes the waiting chat from the inbound queue himself, before any strategy does."""
    chat.pull(chat.inbound())
    chat.talk()
    chat.finish()


def pulled_from_workbin(chat: Chat) -> None:
    """The strategy parks the chat in a workbin instead of inviting anyone; an agent pulls it later."""
    strategy = chat.take(chat.inbound())
    chat.wait("routing")
    workbin = chat.queue(chat.rng.choice(WORKBINS), by=strategy, kind="workbin")
    chat.leave(strategy)
    chat.pull(workbin)
    chat.talk()
    chat.finish()


def supervisor_monitors(chat: Chat, barges: bool) -> None:
    """A supervisor joins Agent 1's chat in monitor visibility (unseen by the customer) and
    leaves; or barges in first: a second party of the same supervisor, in the conference."""
    agent = chat.start()
    chat.accept(agent)
    chat.talk()
    supervisor = chat.rng.choice(SUPERVISORS)
    monitor = chat.invite(agent, "consult", "monitor", supervisor)
    chat.accept(monitor, at_once=True)
    chat.talk()
    if barges:
        chat.accept(chat.invite(agent, "conference", "conference", supervisor), at_once=True)
    chat.leave(monitor)
    chat.talk()
    chat.finish()


#: Shape id (the fixture it follows) → (relative weight, writer): the default mix, and the bundled sample's.
SHAPES: dict[str, tuple[int, Callable[[Chat], None]]] = {
    "c01_routed_completed": (40, routed_completed),
    "c02_invitation_revoked": (6, partial(redirected, misses=1)),
    "c03_transfer": (8, partial(transfer_chain, transfers=1)),
    "c04_transfer_failed": (3, partial(invitation_unanswered, intent="transfer", visibility=None)),
    "c05_conference": (4, partial(joined, visibility="conference")),
    "c06a_conference_failed_unknown_visibility": (
        2, partial(invitation_unanswered, intent="conference", visibility=None)),
    "c06b_conference_failed_coach": (
        2, partial(invitation_unanswered, intent="conference", visibility="coach")),
    "c07_consultation": (4, partial(joined, visibility="coach")),
    "c08a_conference_through_queue": (3, partial(through_queue, intent="conference")),
    "c08b_consult_through_queue": (3, partial(through_queue, intent="consult")),
    "c09_abandoned_in_queue": (6, abandoned_in_queue),
    "c10_abandoned_during_routing": (2, abandoned_during_routing),
    "c11_abandoned_while_alerting": (4, abandoned_while_alerting),
    "x01_revoked_twice_then_routed": (2, partial(redirected, misses=2)),
    "x02_transfer_chain": (3, partial(transfer_chain, transfers=2)),
    "x03_conference_through_queue_then_transfer": (2, conference_through_queue_then_transfer),
    "x04_transfer_failed_then_transferred": (2, transfer_failed_then_transferred),
    "x05_customer_left_during_transfer_alerting": (2, customer_left_during_transfer_alerting),
    "x06_transfer_through_queue": (3, transfer_through_queue),
    "x07_blind_transfer": (2, blind_transfer),
    "x08_customer_left_on_hold": (2, customer_left_on_hold),
}

#: Shapes only a profile brings in (weight 0 by default, so the default stream and the bundled
#: sample stay as they are); each has a fixture in `tests/generate/flows/`.
OPTIONAL_SHAPES: dict[str, tuple[int, Callable[[Chat], None]]] = {
    "x09_declined_then_routed": (0, partial(redirected, misses=1, miss=Chat.decline)),
    "x10_transfer_declined": (0, partial(invitation_unanswered, intent="transfer", visibility=None,
                                         miss=Chat.decline)),
    "x11_pulled_from_queue": (0, pulled_from_queue),
    "x12_pulled_from_workbin": (0, pulled_from_workbin),
    "x13_supervisor_monitors": (0, partial(supervisor_monitors, barges=False)),
    "x14_supervisor_barges_in": (0, partial(supervisor_monitors, barges=True)),
}

ALL_SHAPES = SHAPES | OPTIONAL_SHAPES

#: The families of shapes a profile's `[shares]` sets the share of, by what sets them apart.
FAMILIES: dict[str, tuple[str, ...]] = {
    "declines": ("x09_declined_then_routed", "x10_transfer_declined"),
    "revokes": ("c02_invitation_revoked", "c04_transfer_failed", "c06a_conference_failed_unknown_visibility",
                "c06b_conference_failed_coach", "x01_revoked_twice_then_routed",
                "x04_transfer_failed_then_transferred"),
    "monitors": ("x13_supervisor_monitors", "x14_supervisor_barges_in"),
    "pulls": ("x11_pulled_from_queue", "x12_pulled_from_workbin"),
    "abandons": ("c09_abandoned_in_queue", "c10_abandoned_during_routing", "c11_abandoned_while_alerting",
                 "x05_customer_left_during_transfer_alerting", "x08_customer_left_on_hold"),
}
