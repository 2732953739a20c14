"""Twilio TaskRouter event records for tests, in the shape of the samples (`eventtype`,
`timestamp_ms`, `payload`), and the same events as a webhook or the Events API would give them."""

from __future__ import annotations

import json
from pathlib import Path

START_MS = 1_700_000_000_000
TASK = "WT0001"
MOCKS = json.loads((Path(__file__).parent / "samples" / "twilio" / "twilio_mock_events.json").read_text())


def event(kind: str, seconds: float, **payload: object) -> dict:
    return {"eventtype": kind, "timestamp_ms": START_MS + round(seconds * 1000), "payload": payload}


def created(seconds: float = 0, task: str = TASK, channel: str = "chat") -> dict:
    return event("task.created", seconds, sid=task, task_channel_unique_name=channel,
                 workflow_name="Support Workflow", workflow_sid="WW01", queue_name="Support", queue_sid="WQ01")


def entered(seconds: float, task: str = TASK, queue: str = "Support", sid: str = "WQ01") -> dict:
    return event("task-queue.entered", seconds, task_sid=task, task_queue_sid=sid, task_queue_name=queue)


def reservation(kind: str, seconds: float, sid: str, worker: str = "WK01", name: str | None = "Alice",
                task: str = TASK, **fields: object) -> dict:
    """A reservation event, its task as the SDK nests it."""
    named = {"worker_name": name} if name else {}
    return event(f"reservation.{kind}", seconds, sid=sid, worker_sid=worker, reservation_status=kind, **named,
                 task={"sid": task, "queue_name": "Support", "queue_sid": "WQ01",
                       "workflow_name": "Support Workflow", "workflow_sid": "WW01"}, **fields)


def transfer(kind: str, seconds: float, initiator: str, to: str, *, mode: str = "WARM", sid: str = "TT01",
             task: str = TASK) -> dict:
    return event(f"task.{kind}", seconds, sid=sid, task_sid=task, initiating_reservation_sid=initiator,
                 transfer_type="QUEUE" if to.startswith("WQ") else "WORKER", transfer_to=to, transfer_mode=mode,
                 transfer_status="initiated")


def ended(kind: str, seconds: float, reason: str | None = None, task: str = TASK) -> dict:
    return event(f"task.{kind}", seconds, sid=task, assignment_status=kind, reason=reason)


def routed_and_completed(task: str = TASK) -> list[dict]:
    """The shortest usual task: queued, offered to Alice, accepted, wrapped up, completed."""
    return [created(0, task), entered(0, task), reservation("created", 5, "WR01", task=task),
            reservation("accepted", 9, "WR01", task=task), reservation("wrapup", 300, "WR01", task=task),
            reservation("completed", 320, "WR01", task=task), ended("completed", 320, task=task)]


def as_webhook(record: dict) -> dict:
    """The same event as an Event Callback saved as JSON (CamelCase form fields, strings)."""
    payload = record["payload"]
    fields = {"EventType": record["eventtype"], "TimestampMs": str(record["timestamp_ms"])}
    task = payload.get("task", {})
    names = {"sid": "ReservationSid" if record["eventtype"].startswith("reservation.") else "TaskSid",
             "worker_sid": "WorkerSid", "worker_name": "WorkerName", "task_sid": "TaskSid",
             "task_queue_sid": "TaskQueueSid", "task_queue_name": "TaskQueueName",
             "task_channel_unique_name": "TaskChannelUniqueName", "workflow_name": "WorkflowName",
             "workflow_sid": "WorkflowSid",
             "transfer_type": "TransferType", "transfer_to": "TransferTo", "transfer_mode": "TransferMode",
             "initiating_reservation_sid": "TransferInitiatingReservationSid", "reason": "TaskCanceledReason"}
    if record["eventtype"].startswith("task.transfer"):
        names["sid"] = "TransferSid"
    for key, name in names.items():
        if payload.get(key) is not None:
            fields[name] = str(payload[key])
    if task:
        fields["TaskSid"] = task["sid"]
        fields.update({name: task[key] for key, name in (("queue_name", "TaskQueueName"), ("queue_sid", "TaskQueueSid"),
                                                         ("workflow_name", "WorkflowName"),
                                                         ("workflow_sid", "WorkflowSid")) if key in task})
    return fields


def as_event_resource(record: dict) -> dict:
    """The same event as the Events API lists it (`event_type`, `event_date_ms`, `event_data`)."""
    webhook = as_webhook(record)
    data = {_snake(key): value for key, value in webhook.items() if key not in ("EventType", "TimestampMs")}
    return {"event_type": record["eventtype"], "event_date_ms": record["timestamp_ms"], "event_data": data,
            "resource_type": record["eventtype"].split(".")[0]}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
