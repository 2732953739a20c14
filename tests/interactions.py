"""Interactions for tests, written step by step, and random well-formed ones for properties.

`Script` writes contract events one call at a time (one second apart, `seq` counting
up), so a test says what happens in the words of the contract:

    chat = Script("c1").routed("a1")          # queue, strategy, a1 invited by the strategy
    chat.accept("a1").leave("a1").end()
    model = chat.model()

`interactions()` is a Hypothesis strategy for well-formed interactions of any shape
the contract allows: queues and strategies handing the chat on, agents invited,
answering, holding, transferring, conferencing and consulting directly or through a
queue, the customer leaving at any point, open interactions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from rulesengine.events.assemble import Assembler, Interaction, assemble_lines
from rulesengine.model.interaction import InteractionModel
from tests.events.builders import loaded

_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
KINDS = {"q": "queue", "s": "strategy", "a": "agent", "w": "workbin"}


def _ts(seconds: float) -> str:
    return (_START + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Script:
    """Contract events of one interaction, written in order; party names are local (`a1`)."""

    def __init__(self, interaction: str = "i1", media: str = "chat", **data) -> None:
        self.id = interaction
        self.events: list[dict] = []
        self.clock = 0.0
        self._emit("interaction.created", media=media, **({"data": data} if data else {}))

    def _party(self, local: str) -> str:
        return f"{self.id}.{local}"

    def _emit(self, event: str, *, after: float = 1.0, **fields) -> Script:
        self.clock += after if self.events else 0.0
        record = {"interaction": self.id, "seq": len(self.events) + 1, "ts": _ts(self.clock),
                  "event": event}
        record.update({key: value for key, value in fields.items() if value is not None})
        self.events.append(record)
        return self

    def wait(self, seconds: float) -> Script:
        """Let time pass before the next event."""
        self.clock += seconds
        return self

    # ---- parties
    def enter(self, local: str, by: str | None = None, *, intent: str | None = None,
              resource: str | None = None, **data) -> Script:
        """A queue, workbin or strategy (by its local name's letter) takes the interaction."""
        return self._emit("party.entered", party=self._party(local), kind=KINDS[local[0]],
                          resource=resource or f"{KINDS[local[0]].title()}_{local}",
                          by=self._party(by) if by else None, intent=intent, **({"data": data} if data else {}))

    def invite(self, local: str, by: str, intent: str = "route", *, visibility: str | None = None,
               resource: str | None = None, **data) -> Script:
        return self._emit("party.invited", party=self._party(local), kind="agent",
                          resource=resource or f"Agent_{local}", by=self._party(by), intent=intent,
                          visibility=visibility, **({"data": data} if data else {}))

    def _step(self, event: str, local: str, reason: str | None = None, **data) -> Script:
        return self._emit(event, party=self._party(local), reason=reason, **({"data": data} if data else {}))

    def accept(self, local: str) -> Script:
        return self._step("party.accepted", local)

    def reject(self, local: str, reason: str | None = None) -> Script:
        return self._step("party.rejected", local, reason)

    def revoke(self, local: str, reason: str | None = None) -> Script:
        return self._step("party.revoked", local, reason)

    def hold(self, local: str) -> Script:
        return self._step("party.held", local)

    def retrieve(self, local: str) -> Script:
        return self._step("party.retrieved", local)

    def leave(self, local: str, reason: str | None = None, **data) -> Script:
        return self._step("party.left", local, reason, **data)

    def customer_leaves(self, reason: str | None = None) -> Script:
        return self._emit("customer.left", reason=reason)

    def end(self) -> Script:
        return self._emit("interaction.ended")

    # ---- usual openings
    def routed(self, agent: str = "a1", *, queue: str = "q1", strategy: str = "s1",
               visibility: str | None = "conference", placed_by: str | None = None,
               intent: str | None = None) -> Script:
        """A queue (placed by an agent, with an intent, if given), a strategy taking the chat
        from it, the queue left, the agent invited by the strategy, the strategy gone."""
        self.enter(queue, placed_by, intent=intent).enter(strategy, queue).leave(queue)
        return self.invite(agent, strategy, "route", visibility=visibility).leave(strategy)

    # ---- results
    def model(self, *, provisional: bool = False) -> InteractionModel:
        interaction = assembled(self.events)
        return InteractionModel(interaction.id, interaction.events, provisional=provisional)


def assembled(events: list[dict]) -> Interaction:
    """The events as the loader and assembler read them; fails on a rejection."""
    (item,) = assemble_lines(loaded(events), Assembler(include_open=True))
    assert isinstance(item, Interaction), [d.render() for d in item.diagnostics]
    return item


# ---- random well-formed interactions ----------------------------------------------------

@st.composite
def interactions(draw, interaction: str = "h1", max_steps: int = 14) -> list[dict]:
    """A random well-formed interaction as event records, ended or (sometimes) still open."""
    chat = Script(interaction)
    counters = {"q": 0, "s": 0, "a": 0, "w": 0}
    waiting: list[str] = []       # queues and workbins holding the chat, not yet left
    routing: list[str] = []       # strategies processing it
    alerting: list[str] = []      # agents invited, not answered
    connected: list[str] = []     # agents who accepted and are still there
    held: set[str] = set()

    def new(letter: str) -> str:
        counters[letter] += 1
        return f"{letter}{counters[letter]}"

    first = new(draw(st.sampled_from("qqqw")))
    chat.enter(first)
    waiting.append(first)
    customer_left = False
    for _ in range(draw(st.integers(1, max_steps))):
        moves = []
        if waiting:
            moves += ["pull_strategy", "pull_agent", "leave_waiting"]
        if routing:
            moves += ["route", "route", "leave_routing", "place"]
        if alerting:
            moves += ["accept", "accept", "reject", "revoke"]
        if connected:
            moves += ["invite", "place", "leave_connected", "hold"]
        if held:
            moves += ["retrieve"]
        if not customer_left:
            moves += ["customer"]
        if not moves:
            break
        move = draw(st.sampled_from(moves))
        if move == "pull_strategy":
            source, strategy = draw(st.sampled_from(waiting)), new("s")
            chat.enter(strategy, source)
            routing.append(strategy)
        elif move == "pull_agent":
            source, agent = draw(st.sampled_from(waiting)), new("a")
            chat.invite(agent, source, "pull")
            alerting.append(agent)
        elif move == "leave_waiting":
            chat.leave(waiting.pop(draw(st.integers(0, len(waiting) - 1))))
        elif move == "route":
            source, agent = draw(st.sampled_from(routing)), new("a")
            chat.invite(agent, source, "route", visibility=draw(st.sampled_from([None, "conference"])))
            alerting.append(agent)
        elif move == "leave_routing":
            chat.leave(routing.pop(draw(st.integers(0, len(routing) - 1))))
        elif move == "place":
            source = draw(st.sampled_from(routing + connected))
            queue = new(draw(st.sampled_from("qqw")))
            intent = None if source[0] == "s" else draw(st.sampled_from(["transfer", "conference", "consult", None]))
            chat.enter(queue, source, intent=intent)
            waiting.append(queue)
        elif move in ("accept", "reject", "revoke"):
            agent = alerting.pop(draw(st.integers(0, len(alerting) - 1)))
            if move == "accept":
                chat.accept(agent)
                connected.append(agent)
            elif move == "reject":
                chat.reject(agent, draw(st.sampled_from([None, "declined"])))
            else:
                chat.revoke(agent, draw(st.sampled_from([None, "timeout", "cancelled"])))
        elif move == "invite":
            source, agent = draw(st.sampled_from(connected)), new("a")
            intent = draw(st.sampled_from(["transfer", "conference", "consult"]))
            chat.invite(agent, source, intent, visibility=draw(st.sampled_from([None, "conference", "coach"])))
            alerting.append(agent)
        elif move == "leave_connected":
            agent = connected.pop(draw(st.integers(0, len(connected) - 1)))
            held.discard(agent)
            chat.leave(agent, draw(st.sampled_from([None, "transfer", "completed"])))
        elif move == "hold":
            candidates = [agent for agent in connected if agent not in held]
            if candidates:
                agent = draw(st.sampled_from(candidates))
                chat.hold(agent)
                held.add(agent)
        elif move == "retrieve":
            agent = draw(st.sampled_from(sorted(held)))
            chat.retrieve(agent)
            held.discard(agent)
        else:
            chat.customer_leaves(draw(st.sampled_from([None, "customer_left"])))
            customer_left = True
    if draw(st.integers(0, 9)):
        chat.end()
    return chat.events
