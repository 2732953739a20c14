"""Twilio TaskRouter events → contract events: one task is one interaction.

Records are TaskRouter events, one a record, in any order (webhooks arrive out of
order, the Events API lists the newest first). They are grouped by task: a task is
mapped once its last event (`task.completed`, `task.canceled`, `task.deleted`) has
been read and `window` more records after it, or at the end of the input; an
event of a task that was already written is rejected as late. Memory therefore
follows the tasks still open, not the size of the input.

How one task's events become its interaction's is `twilio_task`'s job; a task
whose records name it only through reservations that belong to another task is
filed under that task, and one that no event of its own names is rejected.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import attrs
from msgspec.structs import replace

from rulesengine.adapters.names import Names
from rulesengine.adapters.outcome import (
    CONTRADICTION,
    LATE_RECORD,
    NO_INTERACTION,
    NOT_JSON,
    ConversionStats,
    Converted,
    Rejected,
    Unmapped,
    problem,
)
from rulesengine.adapters.records import SourceRecord, Unreadable
from rulesengine.adapters.timeline import TimelineError
from rulesengine.adapters.twilio_events import Ignored, TaskEvent, read_event
from rulesengine.adapters.twilio_task import TERMINAL, TaskMapping

NAME = "twilio-taskrouter"
#: the key a page of the Events API lists its events under
CONTAINER = "events"
#: what one source record is, for the summary
UNIT = ("event", "events")

#: records read after a task's last event before it is written
WINDOW = 100_000
#: records for which a written task is remembered, so that its late events are named as such
REMEMBERED = 1_000_000
#: `task.canceled` reasons that mean the customer left, unless a site says otherwise
ABANDON_REASONS = ("hangup",)
#: how far apart, in milliseconds, a cold transfer's initiator may leave and its target be offered
#: for the one to be moved to the other (beyond it, the transfer passes through a synthetic queue)
HANDOFF_TOLERANCE_MS = 2000

@attrs.frozen
class Options:
    """What a site may choose: names for ids, the cancel reasons that mean the customer left,
    and how many records a task's late events may trail its last one by."""

    names: Names = attrs.field(factory=Names)
    abandon_reasons: frozenset[str] = frozenset(ABANDON_REASONS)
    window: int = WINDOW
    tolerance_ms: int = HANDOFF_TOLERANCE_MS


def convert(records: Iterable[SourceRecord | Unreadable], options: Options,
            stats: ConversionStats) -> Iterator[Converted | Unmapped]:
    """One `Converted` per task, or an `Unmapped` for records that make none."""
    grouper = _Grouper(options, stats)
    for record in records:
        stats.records += 1
        yield from grouper.take(record)
    yield from grouper.finish()


class _Grouper:
    """Tasks still open, by sid; each written `window` records after its last event."""

    def __init__(self, options: Options, stats: ConversionStats) -> None:
        self.options = options
        self.stats = stats
        self.count = 0
        self.open: dict[str, list[TaskEvent]] = {}
        self.lifecycle: set[str] = set()  # open tasks with an event of the task itself, not only reservations
        self.by_reservation: dict[str, set[str]] = {}
        self.due: deque[tuple[int, str]] = deque()
        self.written: dict[str, int] = {}
        self.written_order: deque[tuple[int, str]] = deque()

    def take(self, record: SourceRecord | Unreadable) -> Iterator[Converted | Unmapped]:
        self.count += 1
        if isinstance(record, Unreadable):
            yield Unmapped(None, (problem(record.place, NOT_JSON, record.message),))
        else:
            try:
                event = read_event(record.value, record.place)
            except Rejected as rejected:
                yield Unmapped(None, (problem(record.place, rejected.code, rejected.message, rejected.hint),))
            else:
                if isinstance(event, Ignored):
                    self.stats.ignored[f"{event.type} event"] += 1
                elif event.task in self.written:
                    yield Unmapped(event.task, (problem(
                        record.place, LATE_RECORD,
                        f"{event.type} of task {event.task} comes more than {self.options.window} records "
                        "after the task's last event, when the task was already written",
                        "raise --window, or sort the export by time"),))
                else:
                    self._add(event)
        while self.due and self.due[0][0] <= self.count:
            _, task = self.due.popleft()
            if task in self.open:
                yield from self._write(task)
        while self.written_order and self.count - self.written_order[0][0] > max(self.options.window, REMEMBERED):
            _, task = self.written_order.popleft()
            del self.written[task]

    def finish(self) -> Iterator[Converted | Unmapped]:
        """End of input: every task still open, those with events of their own first."""
        for task in sorted(self.open, key=lambda sid: (sid not in self.lifecycle, sid)):
            if task in self.open:
                yield from self._write(task)

    def _add(self, event: TaskEvent) -> None:
        task = event.task
        events = self.open.setdefault(task, [])
        events.append(event)
        if not event.type.startswith("reservation."):
            self.lifecycle.add(task)
        if event.reservation is not None:
            self.by_reservation.setdefault(event.reservation, set()).add(task)
        if event.type in TERMINAL and not any(e.type in TERMINAL for e in events[:-1]):
            self.due.append((self.count + self.options.window, task))

    def _write(self, task: str) -> Iterator[Converted | Unmapped]:
        events = self._take(task)
        self.written[task] = self.count
        self.written_order.append((self.count, task))
        if task not in self.lifecycle:
            yield Unmapped(task, tuple(problem(
                event.place, NO_INTERACTION,
                f"{event.type} of task {task}: no event of the task itself (task.created, task-queue.entered, "
                "task.completed...) names it, so its reservation cannot be placed") for event in events))
            return
        self.lifecycle.discard(task)
        walk = TaskMapping(task, events, self.options, self.stats)
        try:
            yield walk.convert()
        except TimelineError as contradiction:
            yield Unmapped(task, (problem(events[0].place, CONTRADICTION, f"task {task}: {contradiction}"),))
            return
        if walk.unplaced:
            yield Unmapped(task, tuple(walk.unplaced))

    def _take(self, task: str) -> list[TaskEvent]:
        """The task's events, with those of its reservations filed under a task id that has no
        events of its own (a record that names the wrong task)."""
        events = self.open.pop(task)
        reservations = {event.reservation for event in events if event.reservation is not None}
        if task in self.lifecycle:
            for reservation in sorted(reservations):
                for other in sorted(self.by_reservation.get(reservation, ())):
                    if other != task and other in self.open and other not in self.lifecycle:
                        moved = self.open.pop(other)
                        events += [replace(event, task=task, filed_under=other) for event in moved]
                        self.stats.assumed["record_of_other_task"] += len(moved)
                        reservations |= {event.reservation for event in moved if event.reservation}
        for reservation in reservations:
            holders = self.by_reservation.get(reservation)
            if holders is not None:
                holders -= {task} | {other for other in holders if other not in self.open}
                if not holders:
                    del self.by_reservation[reservation]
        return events
