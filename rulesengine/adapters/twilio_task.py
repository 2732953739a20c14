"""One Twilio TaskRouter task's events → one interaction's contract events.

The task's events are taken in time order (ties by the order they must have happened
in) and mapped as docs/adapters.md describes: the TaskQueue is a queue stay, each
routing round of the Workflow a strategy party, each reservation an agent party named
by its sid; rejected, timed-out, cancelled and rescinded reservations put the task
back in its queue (a new stay); transfers to a queue or to a worker keep who asked
for them; a cancelled task whose reason is one a site counts as the customer leaving
gives `customer.left`. A record that does not fit what came before (an outcome of a
reservation never created) changes nothing and is reported in `unplaced`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from rulesengine.adapters.outcome import NO_INTERACTION, ConversionStats, Converted, problem
from rulesengine.adapters.timeline import Party, Timeline
from rulesengine.adapters.times import ts_text
from rulesengine.adapters.twilio_events import TaskEvent, Transfer, attributes_of
from rulesengine.diagnostics import Diagnostic

if TYPE_CHECKING:
    from rulesengine.adapters.twilio_taskrouter import Options

#: the events after which nothing more happens to a task
TERMINAL = frozenset({"task.completed", "task.canceled", "task.deleted", "task.system-deleted"})
#: the order of events within one millisecond (or one second, with whole-second clocks); a timeout
#: ends the stay the task is leaving, so it comes before the entry into the next queue
_RANKS = {
    "task.created": 0, "workflow.entered": 1, "workflow.target-matched": 2, "workflow.skipped": 2,
    "task-queue.timeout": 2, "workflow.timeout": 2, "task-queue.entered": 3, "task-queue.moved": 3,
    "task.transfer-initiated": 4, "reservation.rejected": 5, "reservation.timeout": 5,
    "reservation.canceled": 5, "reservation.rescinded": 5, "reservation.created": 6,
    "reservation.accepted": 7, "task.transfer-completed": 8, "task.transfer-failed": 8,
    "task.transfer-attempt-failed": 8, "task.transfer-canceled": 8, "reservation.wrapup": 9,
    "reservation.completed": 10, "task.canceled": 12, "task.completed": 13, "task.deleted": 13,
    "task.system-deleted": 13,
}
_OTHER_RANK = 11
_OUTCOMES = {"reservation.rejected": ("party.rejected", "declined", "rejected"),
             "reservation.timeout": ("party.revoked", "timeout", None),
             "reservation.canceled": ("party.revoked", "cancelled", "canceled"),
             "reservation.rescinded": ("party.revoked", "cancelled", "rescinded")}


@attrs.define(eq=False)
class _Agent:
    party: Party
    reservation: str  # the offer that made the party
    worker: str | None
    state: str = "invited"  # invited, accepted, closed
    routed: bool = True  # offered by a routing round (not a worker transfer)
    transferring: bool = False  # asked for a transfer that has not failed
    left_at: int | None = None


@attrs.define(eq=False)
class _Stay:
    """A queue stay, and what a new stay after a failed offer repeats of it."""

    party: Party
    resource: str
    queue: str | None
    by: _Agent | None = None
    intent: str | None = None


@attrs.define(eq=False)
class _Round:
    """A routing round of the workflow: the strategy party and the offers it made."""

    strategy: Party
    stay: _Stay
    last_invite: int
    pending: set[str] = attrs.field(factory=set)
    accepted: bool = False


class TaskMapping:
    """One task's events, walked in time order into its interaction's events."""

    def __init__(self, task: str, events: list[TaskEvent], options: Options, stats: ConversionStats) -> None:
        self.task = task
        self.options = options
        self.stats = stats
        self.events = self._deduplicated(events)
        self.timeline = Timeline(task)
        self.rank = 0
        self.stay: _Stay | None = None
        self.round: _Round | None = None
        self.agents: dict[str, _Agent] = {}
        self.transfers: dict[str, Transfer] = {}  # transfer sid → the transfer initiated
        self.customer_left = False
        self.last_ms = self.events[0].ms
        self.workflow_data: dict[str, object] = {}
        self.assumed: list[str] = []
        #: records that changed nothing, because what they tell does not fit what came before
        self.unplaced: list[Diagnostic] = []
        self._look_ahead()

    def _deduplicated(self, events: list[TaskEvent]) -> list[TaskEvent]:
        created = {event.reservation: event.ms for event in events if event.type == "reservation.created"}
        unique: dict[tuple, TaskEvent] = {}
        for event in events:
            if event.key() in unique:
                self.stats.assumed["duplicate_record"] += 1
            else:
                unique[event.key()] = event

        def order(event: TaskEvent) -> tuple:
            rank = _RANKS.get(event.type, _OTHER_RANK)
            if event.type in _OUTCOMES and created.get(event.reservation) == event.ms:
                rank = _RANKS["reservation.accepted"]  # created and settled in one tick: created first
            return (event.ms, rank, event.key())

        return sorted(unique.values(), key=order)

    def _look_ahead(self) -> None:
        """What later events tell about earlier ones: names, the end, what each transfer offered."""
        self.worker_names = {e.worker: e.worker_name for e in self.events if e.worker and e.worker_name}
        terminal = next((e for e in self.events if e.type in TERMINAL), None)
        self.terminal = terminal
        self.ends_at = terminal.ms if terminal is not None else None
        #: the task.canceled that tells the customer left, when it does
        self.abandoned = terminal if terminal is not None and terminal.type == "task.canceled" \
            and (terminal.reason or "") in self.options.abandon_reasons else None
        self.transfer_queue_names: dict[str, str] = {}
        self.made_for: dict[str, Transfer] = {}  # reservation → the transfer it was made for
        self.worker_targets: dict[str, int] = {}  # initiating reservation → when its WORKER target was offered
        pending: dict[str, Transfer] = {}  # worker → a WORKER transfer to it not yet offered
        for event in self.events:
            transfer = event.transfer
            if event.type == "task.transfer-initiated" and transfer is not None and transfer.kind == "WORKER" \
                    and transfer.to:
                pending[transfer.to] = transfer
            if event.type != "reservation.created" or event.reservation is None:
                continue
            if transfer is None and event.worker in pending:
                transfer = pending.pop(event.worker)
            if transfer is None:
                continue
            self.made_for[event.reservation] = transfer
            if transfer.sid and event.queue_name:
                self.transfer_queue_names.setdefault(transfer.sid, event.queue_name)
            if transfer.kind == "WORKER" and transfer.initiator:
                self.worker_targets.setdefault(transfer.initiator, event.ms)

    def _worker_transfer_of(self, event: TaskEvent) -> Transfer | None:
        transfer = self.made_for.get(event.reservation or "")
        return transfer if transfer is not None and transfer.kind == "WORKER" else None

    # ---- writing events -------------------------------------------------------------

    def _add(self, name: str, ms: int, party: Party | None = None, *, data: Mapping | None = None,
             **fields: object) -> None:
        self.rank += 1
        self.timeline.add(name, ms, self.rank, party, data=data, **fields)

    def convert(self) -> Converted:
        first = self.events[0]
        created = next((e for e in self.events if e.type == "task.created"), None)
        data: dict[str, object] = {}
        if created is None or created.ms > first.ms:  # none, or stamped after what followed it
            data["start_from"] = f"first event ({first.type})"
            self.assumed.append("created_from_first_event")
        source = created or first
        media = (created.channel if created is not None else None) \
            or next((e.channel for e in self.events if e.channel), None) or "default"
        attributes = attributes_of(next((e.attributes for e in self.events if e.attributes), None))
        if attributes:
            data["attributes"] = attributes
        if source.workflow:
            data["workflow_sid"] = source.workflow
        self._add("interaction.created", first.ms, data=data or None, media=media)
        for event in self.events:
            if event.type != "reservation.created" or self._worker_transfer_of(event) is not None:
                self._close_round()
            self.last_ms = max(self.last_ms, event.ms)
            handler = _HANDLERS.get(event.type)
            if handler is not None:
                handler(self, event)
        self._close_round()
        for agent in self.agents.values():
            if agent.left_at is not None and agent.state != "closed":  # its transfer's target never came
                self._leave(agent, agent.left_at, "transfer", {})
        terminal = self.terminal
        if terminal is not None:
            canceled = terminal.type == "task.canceled"
            source_reason = terminal.reason if canceled else (
                None if terminal.type == "task.completed" else terminal.type.removeprefix("task."))
            self._add("interaction.ended", self.last_ms, reason="cancelled" if canceled else "completed",
                      data={"source_reason": source_reason} if source_reason else None)
        self.stats.assumed.update(self.assumed)
        return Converted(self.task, self.timeline.finish(), first.place, terminal is not None)

    # ---- queues and routing -------------------------------------------------------------

    def _named(self, sid: str | None, name: str | None, default: str) -> str:
        """A resource: the name the events give, else the id's name from `--names`, else the id."""
        if name:
            return name
        return self.options.names.name_of(sid, self.stats.unnamed) if sid else default

    def _queue_name(self, sid: str | None, name: str | None) -> str:
        return self._named(sid, name, "queue")

    def _enter(self, ms: int, resource: str, queue: str | None, *, by: _Agent | None = None,
               intent: str | None = None, data: dict | None = None) -> _Stay:
        stay = _Stay(self.timeline.party("queue", by=by.party if by else None), resource, queue, by, intent)
        self._add("party.entered", ms, stay.party, resource=resource, intent=intent, data=data or None)
        self.stay = stay
        return stay

    def _leave_stay(self, ms: int, reason: str | None, data: dict | None = None) -> None:
        if self.stay is not None:
            self._add("party.left", ms, self.stay.party, reason=reason, data=data)
            self.stay = None

    def _close_round(self) -> None:
        """The strategy of a routing round leaves once it has made its last offer."""
        if self.round is not None and not self.round.strategy.closed:
            self._add("party.left", self.round.last_invite, self.round.strategy)

    def queue_entered(self, event: TaskEvent) -> None:
        resource = self._queue_name(event.queue, event.queue_name)
        if self.stay is not None:
            if self.stay.queue == event.queue or self.stay.resource == resource:
                return  # already there: a transfer's stay, or the same event twice
            self._leave_stay(event.ms, "moved")
        data = {"task_queue_sid": event.queue, **self.workflow_data} if event.queue else dict(self.workflow_data)
        self.workflow_data = {}
        self._enter(event.ms, resource, event.queue, data=data)

    def queue_moved(self, event: TaskEvent) -> None:
        self._leave_stay(event.ms, "moved")
        self.queue_entered(event)

    def queue_timeout(self, event: TaskEvent) -> None:
        self._leave_stay(event.ms, "timeout")

    def workflow_matched(self, event: TaskEvent) -> None:
        if event.workflow_name:
            self.workflow_data["workflow"] = event.workflow_name

    def _unplaced(self, event: TaskEvent, why: str) -> None:
        self.unplaced.append(problem(event.place, NO_INTERACTION, f"{event.type} of task {self.task}: {why}"))

    def _agent(self, event: TaskEvent) -> _Agent | None:
        """The reservation's agent party; None, and the record reported, when it has none."""
        agent = self.agents.get(event.reservation or "")
        if agent is None:
            self._unplaced(event, f"no reservation.created of {event.reservation or 'its reservation'} came before")
        return agent

    def reservation_created(self, event: TaskEvent) -> None:
        reservation = event.reservation
        if reservation is None or reservation in self.agents:
            self._unplaced(event, "names no reservation" if reservation is None else
                           f"reservation {reservation} was already created")
            return
        resource = self._worker_name(event.worker)
        transfer = self._worker_transfer_of(event)
        if transfer is not None:
            self._worker_transfer(event, reservation, transfer, resource)
            return
        stay = self.stay
        if self.round is None or self.round.strategy.closed:
            if stay is None:
                stay = self._enter(event.ms, self._queue_name(event.queue, event.queue_name), event.queue,
                                   data={"synthetic": True})
                self.assumed.append("synthetic_queue")
            strategy = self.timeline.party("strategy", by=stay.party)
            self._add("party.entered", event.ms, strategy, resource=self._workflow_name(event),
                      data={"workflow_sid": event.workflow} if event.workflow else None)
            self._leave_stay(event.ms, "offered")
            self.round = _Round(strategy, stay, event.ms)
        party = self.timeline.party("agent", by=self.round.strategy, name=reservation)
        self._add("party.invited", event.ms, party, resource=resource, intent="route",
                  data=_data(event, worker_sid=event.worker))
        self.agents[reservation] = _Agent(party, reservation, event.worker)
        self.round.pending.add(reservation)
        self.round.last_invite = event.ms

    def _workflow_name(self, event: TaskEvent) -> str:
        named = event.workflow_name or next((e.workflow_name for e in self.events if e.workflow_name), None)
        return self._named(event.workflow, named, "workflow")

    def _worker_name(self, worker: str | None) -> str:
        return self._named(worker, self.worker_names.get(worker) if worker is not None else None, "worker")

    def _worker_transfer(self, event: TaskEvent, reservation: str, transfer: Transfer, resource: str) -> None:
        """A transfer to a worker: offered by the initiator, or by the synthetic queue the
        initiator left the task in when it left well before the offer."""
        initiator = self.agents.get(transfer.initiator or "")
        if initiator is not None and initiator.state != "closed":
            by, intent = initiator.party, "transfer"
        elif self.stay is not None:
            by, intent = self.stay.party, "route"
        else:
            stay = self._enter(event.ms, self._queue_name(transfer.to, None), None, data={"synthetic": True})
            self.assumed.append("synthetic_queue")
            by, intent = stay.party, "route"
        party = self.timeline.party("agent", by=by, name=reservation)
        self._add("party.invited", event.ms, party, resource=resource, intent=intent,
                  data=_data(event, worker_sid=event.worker, transfer_sid=transfer.sid))
        self.agents[reservation] = _Agent(party, reservation, event.worker, routed=False)
        if initiator is not None and initiator.state == "accepted" and initiator.left_at is not None:
            self._leave(initiator, event.ms, "transfer", {"source_ts": ts_text(initiator.left_at)})
            self.assumed.append("clamped_handoff")
        if self.stay is not None and by is self.stay.party:
            self._leave_stay(event.ms, "offered")

    # ---- reservations -------------------------------------------------------------------

    def _pending(self, event: TaskEvent) -> _Agent | None:
        """The agent an answer to an offer is about; None, and the record reported, when it has
        none or its offer was already answered."""
        agent = self._agent(event)
        if agent is not None and agent.state != "invited":
            self._unplaced(event, f"reservation {event.reservation} was no longer pending")
            return None
        return agent

    def reservation_accepted(self, event: TaskEvent) -> None:
        agent = self._pending(event)
        if agent is None:
            return
        agent.state = "accepted"
        self._add("party.accepted", event.ms, agent.party, data=_data(event))
        if self.round is not None and event.reservation in self.round.pending:
            self.round.accepted = True

    def reservation_outcome(self, event: TaskEvent) -> None:
        agent = self._pending(event)
        if agent is None:
            return
        if self.abandoned is not None and event.type == "reservation.canceled" \
                and event.ms >= self.abandoned.ms - self.options.tolerance_ms:
            self._customer_left(event.ms, self.abandoned.reason)
        name, reason, source = _OUTCOMES[event.type]
        self._add(name, event.ms, agent.party, reason=reason,
                  data=_data(event, source_reason=source, canceled_reason_code=event.reason_code))
        agent.state = "closed"
        self._after_failed_offer(event.ms, agent)

    def _after_failed_offer(self, ms: int, agent: _Agent) -> None:
        """When the last offer of a round fails, the task waits in its queue again (a new stay),
        unless it ends there and then."""
        rnd = self.round
        if not agent.routed or rnd is None or agent.reservation not in rnd.pending:
            return
        rnd.pending.discard(agent.reservation)
        if rnd.pending or rnd.accepted or self.stay is not None:
            return
        if self.ends_at is not None and self.ends_at - ms <= self.options.tolerance_ms:
            return
        previous = rnd.stay
        by = previous.by if previous.by is not None and previous.by.state == "accepted" else None
        self._enter(ms, previous.resource, previous.queue, by=by, intent=previous.intent if by else None,
                    data={"requeued": True})

    def reservation_ended(self, event: TaskEvent) -> None:
        """`reservation.wrapup` or `.completed`: the worker stops handling the task."""
        agent = self._agent(event)
        if agent is None or agent.state == "closed":
            return
        source = event.type.removeprefix("reservation.")
        if agent.state == "invited":
            self._add("party.revoked", event.ms, agent.party, reason="cancelled",
                      data=_data(event, source_reason=source))
            agent.state = "closed"
            return
        if agent.left_at is not None:
            return  # already leaving, when its transfer's target is offered
        target_at = self.worker_targets.get(event.reservation or "")
        if agent.transferring and target_at is not None and target_at > event.ms:
            if target_at - event.ms <= self.options.tolerance_ms:
                agent.left_at = event.ms  # leaves when its cold transfer's target is offered (rule 1)
                return
            target = next(t for r, t in self.made_for.items() if t.initiator == event.reservation)
            self._enter(event.ms, self._worker_name(target.to), None, by=agent, intent="transfer",
                        data={"synthetic": True})
            self.assumed.append("synthetic_queue")
        self._leave(agent, event.ms, "transfer" if agent.transferring else "completed",
                    _data(event, source_reason=source))

    def _leave(self, agent: _Agent, ms: int, reason: str, data: dict | None) -> None:
        self._add("party.left", ms, agent.party, reason=reason, data=data or None)
        agent.state = "closed"

    # ---- transfers and the end ------------------------------------------------------------

    def transfer_initiated(self, event: TaskEvent) -> None:
        transfer = event.transfer
        if transfer is None or not transfer.sid:
            self._unplaced(event, "names no transfer (its sid)")
            return
        self.transfers[transfer.sid] = transfer
        initiator = self.agents.get(transfer.initiator or "")
        if initiator is not None and initiator.state == "accepted":
            initiator.transferring = True
        if transfer.kind != "QUEUE":
            return
        if self.stay is not None:
            self._leave_stay(event.ms, "moved")
        resource = (self.options.names.given(transfer.to) or self.transfer_queue_names.get(transfer.sid)
                    or self._queue_name(transfer.to, None))
        by = initiator if initiator is not None and initiator.state == "accepted" else None
        self._enter(event.ms, resource, transfer.to, by=by, intent="transfer" if by else None,
                    data={"transfer_sid": transfer.sid, "transfer_mode": transfer.mode})

    def transfer_failed(self, event: TaskEvent) -> None:
        transfer = event.transfer
        initiated = self.transfers.get(transfer.sid or "") if transfer else None
        if initiated is None:
            self._unplaced(event, "no task.transfer-initiated of its transfer came before")
            return
        initiator = self.agents.get(initiated.initiator or "")
        if initiator is not None:
            initiator.transferring = False
        if initiated.kind == "QUEUE" and self.stay is not None and self.stay.queue == initiated.to:
            self._leave_stay(event.ms, "cancelled", {"source_reason": event.type.removeprefix("task.")})

    def task_canceled(self, event: TaskEvent) -> None:
        if self.abandoned is not None:
            self._customer_left(event.ms, event.reason)
        self._close_round()
        self._leave_stay(event.ms, "customer_left" if self.abandoned is not None else "cancelled")

    def _customer_left(self, ms: int, reason: str | None) -> None:
        """Once, at the first sign of it: a reservation cancelled as the task is, or the cancel."""
        if not self.customer_left:
            self.customer_left = True
            self._add("customer.left", ms, reason=reason)


def _data(event: TaskEvent, **values: object) -> dict | None:
    """An event's `data`: the values given that are not None, and the task id a record was
    filed under when it named another task than its reservation's."""
    data = {key: value for key, value in values.items() if value is not None}
    if event.filed_under is not None:
        data["source_task_sid"] = event.filed_under
    return data or None


_HANDLERS = {
    "task-queue.entered": TaskMapping.queue_entered,
    "task-queue.moved": TaskMapping.queue_moved,
    "task-queue.timeout": TaskMapping.queue_timeout,
    "workflow.timeout": TaskMapping.queue_timeout,
    "workflow.target-matched": TaskMapping.workflow_matched,
    "reservation.created": TaskMapping.reservation_created,
    "reservation.accepted": TaskMapping.reservation_accepted,
    **dict.fromkeys(_OUTCOMES, TaskMapping.reservation_outcome),
    "reservation.wrapup": TaskMapping.reservation_ended,
    "reservation.completed": TaskMapping.reservation_ended,
    "task.transfer-initiated": TaskMapping.transfer_initiated,
    "task.transfer-failed": TaskMapping.transfer_failed,
    "task.transfer-canceled": TaskMapping.transfer_failed,
    "task.canceled": TaskMapping.task_canceled,
}
