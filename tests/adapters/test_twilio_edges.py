"""The Twilio TaskRouter adapter on records the usual lifecycles leave out: Event Streams CloudEvents,
times written as text, queue moves and timeouts, transfers that fail or whose other half is not in
the export, and tasks whose records contradict each other or come back after being forgotten."""

from __future__ import annotations

import copy

import pytest

from rulesengine.adapters import twilio_taskrouter
from rulesengine.adapters.times import ts_text

from . import twilio_records as tw
from .contract import assert_well_formed
from .test_twilio_taskrouter import converted, descriptors, steps

BOB = {"worker": "WK02", "name": "Bob"}


def as_cloud_event(record: dict, *, eventtype: bool = True) -> dict:
    """The same event as Event Streams delivers it: a CloudEvent whose `data.payload` has the snake_case
    fields, its time as RFC 3339 text, and the event type again unless `eventtype` is false."""
    kind, when = record["eventtype"], ts_text(record["timestamp_ms"])
    fields = tw.as_event_resource(record)["event_data"]
    named = {"eventtype": kind} if eventtype else {}
    return {"specversion": "1.0", "type": f"com.twilio.taskrouter.{kind}", "source": "AB0001", "id": "NO0001",
            "dataschema": "https://events-schemas.twilio.com/TaskRouter.WDSEvent/4",
            "datacontenttype": "application/json",
            "data": {"sid": "EV0001", "timestamp": when, "product_name": "TaskRouter",
                     "payload": {"sid": "EV0001", **named, "timestamp": when, **fields}}}


def events_of(records: list[dict], **options: object) -> list[dict]:
    """The events of records that convert with nothing rejected."""
    events, stats = converted(records, **options)
    assert stats.rejections == []
    assert_well_formed(events)
    return events


def party(events: list[dict], name: str) -> list[dict]:
    return [e for e in events if e.get("party") == f"{tw.TASK}.{name}"]


# ---- reading records ------------------------------------------------------------------------------

@pytest.mark.parametrize("eventtype", [True, False], ids=["payload-eventtype", "cloud-event-type"])
def test_event_streams_cloud_events_give_the_same_events_as_the_sdk_payloads(eventtype: bool) -> None:
    """The event type is the payload's `eventtype`, or, without it, what follows `com.twilio.taskrouter.`
    in the CloudEvent's `type`."""
    records = [*tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WQ02"),
               *tw.routed_and_completed()[4:]]
    assert events_of([as_cloud_event(record, eventtype=eventtype) for record in records]) == events_of(records)


def test_a_cloud_event_of_another_product_is_counted_as_ignored() -> None:
    """A sink subscribed to Conversations events too: such a record concerns no task, like a worker's
    activity; the task converts and nothing is rejected."""
    message = {"specversion": "1.0", "type": "com.twilio.conversations.message.added", "source": "/v1/CH01",
               "id": "EZ01", "data": {"conversationSid": "CH01", "body": "hello"}}
    events, stats = converted([*tw.routed_and_completed(), message])
    assert events == converted(tw.routed_and_completed())[0]
    assert stats.rejections == []
    assert stats.ignored == {"com.twilio.conversations.message.added event": 1}


def test_a_record_with_no_event_type_is_still_rejected() -> None:
    """Neither a TaskRouter field nor a CloudEvent's type: nothing says what happened."""
    events, stats = converted([*tw.routed_and_completed(), {"specversion": "1.0", "type": "", "id": "EZ02"}])
    assert events == converted(tw.routed_and_completed())[0]
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert (rejection.interaction, problem.code) == (None, "A102")
    assert problem.message == ("record 8: no event type: expected eventtype, event_type, EventType "
                               "or a CloudEvent type")


def test_an_event_type_taskrouter_does_not_send_is_rejected_with_the_closest_one() -> None:
    """A misspelt `reservation.accepted` once vanished without a word, and the agent it accepted
    came out revoked: a record is never dropped, so it is rejected, naming the type meant."""
    records = tw.routed_and_completed()
    at = next(number for number, record in enumerate(records) if record["eventtype"] == "reservation.accepted")
    records[at] = {**records[at], "eventtype": "reservation.acepted"}
    _, stats = converted(records)
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert problem.code == "A102"
    assert problem.message == f"record {at + 1}: eventtype 'reservation.acepted': no TaskRouter event of that name"
    assert problem.hint == "did you mean 'reservation.accepted'?"


@pytest.mark.parametrize(("key", "value", "ms"), [
    ("Timestamp", "1700000005", tw.START_MS + 5000),
    ("Timestamp", "1700000005250", tw.START_MS + 5250),
    ("Timestamp", "2023-11-14T22:13:25.250Z", tw.START_MS + 5250),
    ("event_date", "2023-11-14T23:13:25.250+01:00", tw.START_MS + 5250),
])
def test_a_time_without_milliseconds_field_is_read_from_text_or_epoch_seconds(key: str, value: str,
                                                                               ms: int) -> None:
    """A callback from before `TimestampMs` (epoch seconds), a time already in milliseconds, an RFC 3339
    text: each is the moment it names."""
    records = tw.routed_and_completed()
    offer = tw.as_webhook(records[2])
    del offer["TimestampMs"]
    records[2] = {**offer, key: value}
    invited = party(events_of(records), "WR01")[0]
    assert (invited["event"], invited["ts"]) == ("party.invited", ts_text(ms))


def test_a_time_that_names_no_moment_is_rejected_naming_its_field() -> None:
    records = tw.routed_and_completed()
    offer = tw.as_webhook(records[2])
    del offer["TimestampMs"]
    records[2] = {**offer, "Timestamp": "Tue, 14 Nov 2023 22:13:25 GMT"}
    _, stats = converted(records)
    [problem] = stats.rejections[0].problems
    assert problem.code == "A103"
    assert problem.message == "record 3: timestamp: not a time: 'Tue, 14 Nov 2023 22:13:25 GMT'"


def test_milliseconds_written_as_a_float_are_the_same_moment() -> None:
    """Tools that store every number as a float write `1700000000000.0`."""
    records = copy.deepcopy(tw.routed_and_completed())
    for record in records:
        record["timestamp_ms"] = float(record["timestamp_ms"])
    assert events_of(records) == events_of(tw.routed_and_completed())


def test_task_attributes_that_are_not_json_are_left_out_and_the_task_converts() -> None:
    """`TaskAttributes` cut short in an export; the same attributes whole are kept."""
    records = copy.deepcopy(tw.routed_and_completed())
    records[0]["payload"]["task_attributes"] = '{"channelType": "web", "from": "Jane'
    assert events_of(records)[0]["data"] == {"workflow_sid": "WW01"}
    records[0]["payload"]["task_attributes"] = '{"channelType": "web", "from": "Jane"}'
    assert events_of(records)[0]["data"] == {"attributes": {"channelType": "web", "from": "Jane"},
                                             "workflow_sid": "WW01"}


def offer_without_sid() -> dict:
    """Alice's offer as a callback that lost its `ReservationSid`."""
    offer = tw.as_webhook(tw.reservation("created", 5, "WR01"))
    del offer["ReservationSid"]
    return offer


def problems_with(record: dict, at: int) -> list[tuple[str, str]]:
    """The problems of one rejection that `record`, put at `at` among a routed and completed task's
    records, makes; the task itself must convert as it does without it."""
    records = [*tw.routed_and_completed()[:at], record, *tw.routed_and_completed()[at:]]
    events, stats = converted(records)
    assert events == converted(tw.routed_and_completed())[0]
    [rejection] = stats.rejections
    return [(problem.code, problem.message) for problem in rejection.problems]


@pytest.mark.parametrize(("offer", "why"), [
    (offer_without_sid(), "names no reservation"),
    (tw.reservation("created", 6, "WR01"), "reservation WR01 was already created"),
])
def test_an_offer_that_makes_no_new_reservation_is_rejected_and_the_task_converts_without_it(offer: dict,
                                                                                               why: str) -> None:
    """A callback that lost its `ReservationSid`, or a second `reservation.created` of the same reservation."""
    assert problems_with(offer, at=3) == [("A105", f"record 4: reservation.created of task {tw.TASK}: {why}")]


# ---- queues ---------------------------------------------------------------------------------------

def queue_transfer(*after: dict) -> list[dict]:
    """Alice, routed from Support, transfers the task to the queue WQ02 at 100 s, where Bob takes it."""
    return [*tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WQ02"), *after,
            tw.reservation("created", 110, "WR02", **BOB), tw.reservation("accepted", 112, "WR02", **BOB),
            tw.reservation("wrapup", 115, "WR01"), tw.reservation("wrapup", 300, "WR02", **BOB),
            tw.ended("completed", 300)]


def test_taskrouter_reporting_the_queue_a_transfer_placed_the_task_in_gives_no_second_stay() -> None:
    events = events_of(queue_transfer(tw.entered(100.2, queue="Sales", sid="WQ02")),
                       names={"WQ02": "Sales"})
    assert events == events_of(queue_transfer(), names={"WQ02": "Sales"})
    stays = [e for e in events if e["event"] == "party.entered" and e["kind"] == "queue"]
    assert [(e["party"], e["resource"], e.get("by")) for e in stays] == [
        (f"{tw.TASK}.q1", "Support", None), (f"{tw.TASK}.q2", "Sales", f"{tw.TASK}.WR01")]


def test_entering_another_queue_while_waiting_in_one_moves_the_task() -> None:
    events = events_of([tw.created(0), tw.entered(0), tw.entered(60, queue="Sales", sid="WQ02"),
                        tw.ended("canceled", 90, reason="hangup")])
    assert steps(events)[1:] == [("party.entered", "q1", None), ("party.left", "q1", "moved"),
                                 ("party.entered", "q2", None), ("customer.left", "", "hangup"),
                                 ("party.left", "q2", "customer_left"), ("interaction.ended", "", "cancelled")]
    assert party(events, "q2")[0]["resource"] == "Sales"


@pytest.mark.parametrize(("sid", "name"), [("WQ02", "Sales"), ("WQ01", "Support")])
def test_a_move_of_the_task_ends_its_stay_and_starts_one_in_the_queue_moved_to(sid: str, name: str) -> None:
    """The workflow's next target may be another queue or the same queue with a wider expression:
    either way the first stay leaves and a new one enters, where the task is then offered."""
    records = [tw.created(0), tw.entered(0),
               tw.event("task-queue.moved", 30, task_sid=tw.TASK, task_queue_sid=sid, task_queue_name=name),
               tw.reservation("created", 35, "WR01"), tw.reservation("accepted", 39, "WR01"),
               tw.reservation("wrapup", 300, "WR01"), tw.ended("completed", 300)]
    events = events_of(records)
    assert steps(events)[1:5] == [("party.entered", "q1", None), ("party.left", "q1", "moved"),
                                  ("party.entered", "q2", None), ("party.entered", "s1", None)]
    assert party(events, "q2")[0]["data"] == {"task_queue_sid": sid}
    assert party(events, "q2")[0]["resource"] == name
    assert descriptors(events)["q2"] == "Received/Diverted [AnsweredByAgent]"


@pytest.mark.parametrize("kind", ["task-queue.timeout", "workflow.timeout"])
def test_a_timeout_ends_the_queue_stay_for_timeout(kind: str) -> None:
    records = [tw.created(0), tw.entered(0), tw.event(kind, 120, task_sid=tw.TASK, task_queue_sid="WQ01"),
               tw.ended("canceled", 120, reason="Workflow Timeout")]
    assert steps(events_of(records))[1:] == [
        ("party.entered", "q1", None), ("party.left", "q1", "timeout"), ("interaction.ended", "", "cancelled")]


@pytest.mark.parametrize("kind", ["task-queue.timeout", "workflow.timeout"])
def test_a_timeout_and_the_entry_into_the_next_queue_in_one_tick_leave_the_first_queue_first(kind: str) -> None:
    """The workflow's first target times out and the task enters the next one in the same millisecond
    (or second, with whole-second clocks): the timeout is the first queue's, the task waits in Sales
    until the customer hangs up."""
    records = [tw.created(0), tw.entered(0), tw.event(kind, 120, task_sid=tw.TASK, task_queue_sid="WQ01"),
               tw.entered(120, queue="Sales", sid="WQ02"), tw.ended("canceled", 180, reason="hangup")]
    events = events_of(records)
    assert steps(events)[1:] == [
        ("party.entered", "q1", None), ("party.left", "q1", "timeout"), ("party.entered", "q2", None),
        ("customer.left", "", "hangup"), ("party.left", "q2", "customer_left"), ("interaction.ended", "", "cancelled")]
    assert descriptors(events)["q2"] == "Received/CustomerAbandoned [AbandonedWhileQueued]"


def test_the_workflow_whose_target_matched_is_noted_on_the_next_queue_stay() -> None:
    matched = tw.event("workflow.target-matched", 0, task_sid=tw.TASK, workflow_sid="WW01",
                       workflow_name="Support Workflow", workflow_filter_name="Chat")
    events = events_of([tw.created(0), matched, *tw.routed_and_completed()[1:]])
    assert party(events, "q1")[0]["data"] == {"task_queue_sid": "WQ01", "workflow": "Support Workflow"}


# ---- transfers --------------------------------------------------------------------------------------

def test_a_cold_transfer_target_offered_by_a_callback_naming_no_queue_still_moves_the_initiators_leaving() -> None:
    """A callback's `reservation.created` gives `TaskQueueSid`, not always its name: the offer is still
    known to be the transfer's, and Alice's leaving moves to it."""
    records = [tw.as_webhook(record) for record in [
        *tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WK02", mode="COLD"),
        tw.reservation("wrapup", 100, "WR01"), tw.reservation("created", 101, "WR02", **BOB),
        tw.reservation("accepted", 105, "WR02", **BOB), tw.reservation("wrapup", 400, "WR02", **BOB),
        tw.ended("completed", 400)]]
    del records[6]["TaskQueueName"]
    events, stats = converted(records)
    assert_well_formed(events)
    invited = party(events, "WR02")[0]
    left = party(events, "WR01")[-1]
    assert (invited["by"], invited["intent"]) == (f"{tw.TASK}.WR01", "transfer")
    assert (left["event"], left["ts"], left["reason"], left["data"]) == (
        "party.left", invited["ts"], "transfer", {"source_ts": ts_text(tw.START_MS + 100_000)})
    assert stats.assumed["clamped_handoff"] == 1


def test_an_initiator_that_completes_before_its_cold_transfer_is_offered_leaves_once_at_the_offer() -> None:
    """Alice wraps up as she transfers (100 s) and completes at 100.5 s; Bob is offered at 101 s. Her
    leaving is the wrap-up's, moved to the offer; the completion adds nothing."""
    events = events_of([
        *tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WK02", mode="COLD"),
        tw.reservation("wrapup", 100, "WR01"), tw.reservation("completed", 100.5, "WR01"),
        tw.reservation("created", 101, "WR02", **BOB), tw.reservation("accepted", 104, "WR02", **BOB),
        tw.reservation("wrapup", 400, "WR02", **BOB), tw.ended("completed", 400)])
    left = [e for e in party(events, "WR01") if e["event"] == "party.left"]
    assert [(e["ts"], e["reason"], e["data"]) for e in left] == [
        (ts_text(tw.START_MS + 101_000), "transfer", {"source_ts": ts_text(tw.START_MS + 100_000)})]
    assert descriptors(events)["WR02"] == "ReceivedTransfer/Completed"


def test_a_second_transfer_to_a_queue_while_the_first_still_waits_moves_the_task_there() -> None:
    """Nobody in WQ02 has taken the task when Alice sends it on to WQ03."""
    events = events_of([
        *tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WQ02"),
        tw.transfer("transfer-initiated", 130, "WR01", "WQ03", sid="TT02"),
        tw.reservation("created", 140, "WR02", **BOB), tw.reservation("accepted", 142, "WR02", **BOB),
        tw.reservation("wrapup", 145, "WR01"), tw.reservation("wrapup", 300, "WR02", **BOB),
        tw.ended("completed", 300)], names={"WQ02": "Sales", "WQ03": "Billing"})
    assert steps(events)[7:10] == [("party.entered", "q2", None), ("party.left", "q2", "moved"),
                                   ("party.entered", "q3", None)]
    entered = [e for e in events if e["event"] == "party.entered" and e.get("by") == f"{tw.TASK}.WR01"]
    assert [(e["party"], e["resource"], e["intent"], e["data"]["transfer_sid"]) for e in entered] == [
        (f"{tw.TASK}.q2", "Sales", "transfer", "TT01"), (f"{tw.TASK}.q3", "Billing", "transfer", "TT02")]
    assert descriptors(events)["WR02"] == "ReceivedTransfer/Completed"


def test_a_transfer_that_names_no_transfer_sid_is_rejected_and_the_task_converts_without_it() -> None:
    """A callback that lost its `TransferSid` cannot be followed: Alice's leaving is then a completion."""
    initiated = tw.as_webhook(tw.transfer("transfer-initiated", 100, "WR01", "WQ02"))
    del initiated["TransferSid"]
    assert problems_with(initiated, at=4) == [
        ("A105", f"record 5: task.transfer-initiated of task {tw.TASK}: names no transfer (its sid)")]


def test_a_failed_worker_transfer_makes_the_initiators_leaving_a_completion() -> None:
    """Bob declines Alice's warm transfer and TaskRouter reports it failed: Alice handed nothing on."""
    events = events_of([
        *tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WK02"),
        tw.reservation("created", 101, "WR02", **BOB), tw.reservation("rejected", 106, "WR02", **BOB),
        tw.transfer("transfer-failed", 106, "WR01", "WK02"), tw.reservation("wrapup", 300, "WR01"),
        tw.ended("completed", 300)])
    assert steps(events)[-4:] == [("party.invited", "WR02", None), ("party.rejected", "WR02", "declined"),
                                  ("party.left", "WR01", "completed"), ("interaction.ended", "", "completed")]
    assert descriptors(events)["WR01"] == "RoutedTo/Completed"


def test_a_failed_transfer_that_was_never_initiated_is_rejected_and_the_task_still_converts() -> None:
    records = [*tw.routed_and_completed()[:4], tw.transfer("transfer-failed", 100, "WR01", "WQ02"),
               *tw.routed_and_completed()[4:]]
    events, stats = converted(records)
    assert events == converted(tw.routed_and_completed())[0]
    [rejection] = stats.rejections
    assert rejection.interaction == tw.TASK
    assert [(p.code, p.message) for p in rejection.problems] == [("A105", (
        f"record 5: task.transfer-failed of task {tw.TASK}: no task.transfer-initiated of its transfer came before"))]


def test_a_failed_queue_transfer_whose_initiator_is_not_in_the_export_still_ends_its_stay() -> None:
    """An export that starts after Alice was offered the task: her transfer to WQ02 is there, she is not."""
    events = events_of([tw.transfer("transfer-initiated", 100, "WR01", "WQ02"),
                        tw.transfer("transfer-failed", 160, "WR01", "WQ02"), tw.ended("completed", 300)])
    assert events[0]["data"] == {"start_from": "first event (task.transfer-initiated)"}
    assert steps(events)[1:] == [("party.entered", "q1", None), ("party.left", "q1", "cancelled"),
                                 ("interaction.ended", "", "completed")]
    assert party(events, "q1")[-1]["data"] == {"source_reason": "transfer-failed"}


def test_a_declined_worker_transfer_whose_initiator_is_not_in_the_export_puts_the_task_in_no_queue() -> None:
    """Only a routing round's failed offer sends the task back to its queue; the offer of a transfer
    is no round's, here no round exists at all."""
    events = events_of([tw.transfer("transfer-initiated", 100, "WR01", "WK02"),
                        tw.reservation("created", 101, "WR02", **BOB), tw.reservation("rejected", 105, "WR02", **BOB),
                        tw.ended("completed", 300)])
    assert steps(events)[1:] == [("party.entered", "q1", None), ("party.invited", "WR02", None),
                                 ("party.left", "q1", "offered"), ("party.rejected", "WR02", "declined"),
                                 ("interaction.ended", "", "completed")]
    assert party(events, "q1")[0]["data"] == {"synthetic": True}


# ---- whole tasks ------------------------------------------------------------------------------------

def test_a_task_whose_queue_entry_is_stamped_before_its_creation_starts_at_that_entry() -> None:
    """The records' clocks disagree: `task-queue.entered` at 0 s, `task.created` at 0.5 s. The task
    starts at its first event, as one without `task.created` does, and says so."""
    records = [tw.entered(0), tw.created(0.5), *tw.routed_and_completed()[2:]]
    events, stats = converted(records)
    assert stats.rejections == []
    assert_well_formed(events)
    assert (events[0]["event"], events[0]["ts"]) == ("interaction.created", ts_text(tw.START_MS))
    assert events[0]["data"]["start_from"] == "first event (task-queue.entered)"
    assert events[0]["data"]["workflow_sid"] == "WW01"
    assert stats.assumed["created_from_first_event"] == 1
    assert steps(events)[1] == ("party.entered", "q1", None)


def test_a_record_of_a_task_forgotten_since_it_was_written_starts_a_task_of_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Written tasks are remembered for a bounded number of records (a million; three here): past it, a
    straggler is no longer known as late (A106) but is a task of its own, with no task event (A105)."""
    monkeypatch.setattr(twilio_taskrouter, "REMEMBERED", 3)
    activity = {"eventtype": "worker.activity.update", "timestamp_ms": tw.START_MS + 400_000,
                "payload": tw.MOCKS["worker"]["activityUpdated"]}
    straggler = tw.reservation("completed", 330, "WR01", task="WT01")
    records = [*tw.routed_and_completed("WT01"), *[activity] * 6, straggler]
    events, stats = converted(records, window=1)
    assert {e["interaction"] for e in events} == {"WT01"}
    [rejection] = stats.rejections
    [problem] = rejection.problems
    assert (rejection.interaction, problem.code) == ("WT01", "A105")
    assert problem.message == ("record 14: reservation.completed of task WT01: no event of the task itself "
                               "(task.created, task-queue.entered, task.completed...) names it, so its "
                               "reservation cannot be placed")
