"""Reading one Twilio TaskRouter event record, whatever feed saved it, into a `TaskEvent`.

TaskRouter tells the same events through several feeds, each in its own shape:

- an Event Callback (webhook) saved as JSON: `EventType`, `TimestampMs`, `TaskSid`,
  `WorkerName`... (CamelCase form fields);
- an Event resource (`GET /v1/Workspaces/{WS}/Events`): `event_type`, `event_date_ms`,
  `event_data` with snake_case fields;
- an Event Streams CloudEvent: `type` `com.twilio.taskrouter.<event>`, `data.payload`;
- the worker SDK's signalling payloads with an event type and time around them
  (`eventtype`, `timestamp_ms`, `payload`: a reservation with its `task`, a task, a
  transfer), the shape of the samples in tests/adapters/twilio.

All are brought to snake_case fields and read into one record. Only what the
mapping uses is read; a record without an event type, a time or (for task events)
a task id raises `Rejected`.
"""

from __future__ import annotations

import re
import sys

import msgspec
import orjson

from rulesengine.adapters.outcome import BAD_SHAPE, BAD_TIME, NO_INTERACTION, Rejected, json_type
from rulesengine.adapters.records import Place
from rulesengine.adapters.times import parse_epoch_ms, parse_text
from rulesengine.diagnostics import did_you_mean

#: event families that concern a task; other events (worker.*, activity.*...) map to nothing
TASK_FAMILIES = ("task.", "reservation.", "task-queue.", "workflow.")
#: every event of those families TaskRouter sends: another name there is a record that cannot be
#: read (a typo would otherwise drop the step it stands for without a word)
TASK_EVENT_TYPES = frozenset({
    "task.created", "task.updated", "task.canceled", "task.wrapup", "task.completed", "task.deleted",
    "task.system-deleted", "task.transfer-initiated", "task.transfer-attempt-failed", "task.transfer-failed",
    "task.transfer-canceled", "task.transfer-completed", "reservation.created", "reservation.accepted",
    "reservation.rejected", "reservation.timeout", "reservation.canceled", "reservation.rescinded",
    "reservation.wrapup", "reservation.completed", "reservation.failed", "task-queue.entered",
    "task-queue.moved", "task-queue.timeout", "task-queue.created", "task-queue.deleted",
    "task-queue.expression.updated", "workflow.entered", "workflow.target-matched", "workflow.skipped",
    "workflow.timeout", "workflow.created", "workflow.updated", "workflow.deleted",
})
_CLOUD_EVENT_PREFIX = "com.twilio.taskrouter."
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class Transfer(msgspec.Struct, frozen=True, gc=False):
    """A transfer as TaskRouter describes it (`task.transfer-*`, a reservation's `task_transfer`)."""

    sid: str | None
    kind: str | None  # QUEUE or WORKER
    mode: str | None  # WARM or COLD
    to: str | None
    initiator: str | None  # the initiating reservation
    failed_reason: str | None = None


class TaskEvent(msgspec.Struct, frozen=True, gc=False):
    """One TaskRouter event as the mapping reads it: a `msgspec.Struct`, small and outside the
    garbage collector's watch, since a task's events are held until the task is written."""

    type: str
    ms: int
    place: Place
    task: str
    reservation: str | None = None
    worker: str | None = None
    worker_name: str | None = None
    queue: str | None = None
    queue_name: str | None = None
    workflow: str | None = None
    workflow_name: str | None = None
    channel: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    attributes: str | None = None
    transfer: Transfer | None = None
    #: the task id the record named, when it was filed under its reservation's task instead
    filed_under: str | None = None

    def key(self) -> tuple:
        """Every field that says what happened: two records with equal keys are one event twice."""
        return (self.ms, self.type, self.task, self.reservation or "", self.worker or "",
                self.queue or "", self.queue_name or "", self.reason or "",
                self.transfer.sid or "" if self.transfer else "")


class Ignored(msgspec.Struct, frozen=True, gc=False):
    """A record of an event that concerns no task (a worker's activity, a queue's settings)."""

    type: str


def read_event(value: object, place: Place) -> TaskEvent | Ignored:
    """The event a record tells; raises `Rejected` when it cannot tell one."""
    if type(value) is not dict:
        raise Rejected(BAD_SHAPE, f"an event record must be a JSON object, not {json_type(value)}")
    fields = _flattened(value)
    kind = fields.get("eventtype") or fields.get("event_type") or _cloud_type(fields.get("type"))
    other = fields.get("type")
    if (type(kind) is not str or not kind) and "specversion" in fields and type(other) is str and other:
        return Ignored(other)  # a CloudEvent of another product, which a sink may deliver too
    if type(kind) is not str or not kind:
        raise Rejected(BAD_SHAPE, "no event type: expected eventtype, event_type, EventType or a CloudEvent type",
                       "one TaskRouter event per record, as a callback, the Events API or Event Streams give it")
    if not kind.startswith(TASK_FAMILIES):
        return Ignored(kind)
    if kind not in TASK_EVENT_TYPES:
        raise Rejected(BAD_SHAPE, f"eventtype {kind!r}: no TaskRouter event of that name",
                       did_you_mean(kind, TASK_EVENT_TYPES) or "one of TaskRouter's event types (docs/adapters.md)")
    ms = _moment(fields)
    nested = _object(fields, "task") or {}
    is_reservation = "reservation_status" in fields or (kind.startswith("reservation.") and "task" in fields)
    is_task = "assignment_status" in fields and not is_reservation
    is_transfer = ("transfer_status" in fields or "transfer_type" in fields) and not is_reservation
    own_sid = _text(fields, "sid")
    task = (_text(fields, "task_sid") or _text(nested, "sid")
            or (own_sid if is_task or (kind.startswith("task.") and not is_transfer) else None)
            or (_text(fields, "resource_sid") if fields.get("resource_type") in ("task", "Task") else None))
    if task is None:
        raise Rejected(NO_INTERACTION, f"{kind}: names no task (task_sid, TaskSid or the task's sid)")
    reservation = _text(fields, "reservation_sid") or (own_sid if is_reservation else None)
    transfer_fields = fields.get("task_transfer") if type(fields.get("task_transfer")) is dict else (
        fields if is_transfer or kind.startswith("task.transfer-") else None)
    shared = _shared
    return TaskEvent(
        type=sys.intern(kind), ms=ms, place=place, task=sys.intern(task), reservation=shared(reservation),
        worker=shared(_text(fields, "worker_sid")), worker_name=shared(_text(fields, "worker_name")),
        queue=shared(_text(fields, "task_queue_sid") or _text(fields, "queue_sid") or _text(nested, "queue_sid")),
        queue_name=shared(_text(fields, "task_queue_name") or _text(fields, "queue_name")
                          or _text(nested, "queue_name")),
        workflow=shared(_text(fields, "workflow_sid") or _text(nested, "workflow_sid")),
        workflow_name=shared(_text(fields, "workflow_name") or _text(nested, "workflow_name")),
        channel=shared(_text(fields, "task_channel_unique_name") or _text(nested, "task_channel_unique_name")),
        reason=(_text(fields, "task_canceled_reason") or _text(fields, "task_completed_reason")
                or (_text(fields, "reason") if is_task else None)),
        reason_code=_code(fields.get("canceled_reason_code")),
        attributes=shared(_text(fields, "task_attributes") or (_text(fields, "attributes") if is_task else None)
                          or _text(nested, "attributes")),
        transfer=_transfer(transfer_fields) if transfer_fields is not None else None,
    )


def _shared(text: str | None) -> str | None:
    """One copy of a text that many held events repeat (a task's id and attributes, a queue's
    name): a task's events wait in memory until the task is written."""
    return sys.intern(text) if text is not None else None


def attributes_of(text: str | None) -> dict | None:
    """A task's attributes when they are a JSON object, else None."""
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict and value else None


def _flattened(value: dict) -> dict:
    """The event's own fields, snake_case, whatever feed the record comes from."""
    inner = value
    for key in ("payload", "event_data", "EventData"):
        if type(value.get(key)) is dict:
            inner = {**{k: v for k, v in value.items() if k != key}, **value[key]}
            break
    if type(value.get("data")) is dict and type(value["data"].get("payload")) is dict:
        inner = {**value, **value["data"]["payload"]}
    return {_snake(key): item for key, item in inner.items()}


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower() if key[:1].isupper() else key


def _cloud_type(value: object) -> str | None:
    if type(value) is str and value.startswith(_CLOUD_EVENT_PREFIX):
        return value[len(_CLOUD_EVENT_PREFIX):]
    return None


def _moment(fields: dict) -> int:
    """When the event happened: milliseconds where the feed gives them, else its time text."""
    for key in ("timestamp_ms", "event_date_ms"):
        if key in fields:
            ms = parse_epoch_ms(fields[key])
            if ms is None:
                raise Rejected(BAD_TIME, f"{key}: not epoch milliseconds: {fields[key]!r}")
            return ms
    for key in ("timestamp", "event_date"):
        value = fields.get(key)
        if value is None:
            continue
        moment = parse_text(value, repair=False)
        if moment is not None:
            return moment.ms
        seconds = parse_epoch_ms(value)
        if seconds is not None:
            return seconds if seconds >= 10**11 else seconds * 1000
        raise Rejected(BAD_TIME, f"{key}: not a time: {value!r}")
    raise Rejected(BAD_TIME, "no time: expected timestamp_ms, TimestampMs, event_date_ms or Timestamp",
                   "TimestampMs is the callback's time in milliseconds")


def _object(fields: dict, key: str) -> dict | None:
    value = fields.get(key)
    return value if type(value) is dict else None


def _text(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    return value if type(value) is str and value else None


def _code(value: object) -> str | None:
    if type(value) in (int, str) and value != "":
        return str(value)
    return None


def _transfer(fields: dict) -> Transfer:
    return Transfer(
        sid=_text(fields, "transfer_sid") or _text(fields, "sid"),
        kind=_text(fields, "transfer_type"), mode=_text(fields, "transfer_mode"),
        to=_text(fields, "transfer_to"),
        initiator=_text(fields, "initiating_reservation_sid") or _text(fields, "transfer_initiating_reservation_sid"),
        failed_reason=_text(fields, "transfer_failed_reason"),
    )
