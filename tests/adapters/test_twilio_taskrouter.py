"""The Twilio TaskRouter adapter: every mock payload of the SDK alone, each feed's shape, routing
rounds, transfers, cancels, and records that arrive late or name no task."""

from __future__ import annotations

import copy

import pytest

from rulesengine import Engine
from rulesengine.adapters import ConversionStats, twilio_taskrouter_events

from . import twilio_records as tw
from .contract import assert_well_formed

ENGINE = Engine.from_rules()


def converted(records: list[dict], **options) -> tuple[list[dict], ConversionStats]:
    stats = ConversionStats()
    events = list(twilio_taskrouter_events(records, stats=stats, **options))
    return events, stats


def descriptors(events: list[dict]) -> dict[str, str]:
    return {row.party.split(".", 1)[1]: row.descriptor for row in ENGINE.evaluate_events(events)}


def steps(events: list[dict]) -> list[tuple[str, str, str | None]]:
    return [(e["event"], e.get("party", "").split(".")[-1], e.get("reason")) for e in events]


def test_a_routed_task_gives_queue_strategy_and_agent():
    events, stats = converted(tw.routed_and_completed())
    assert_well_formed(events)
    assert stats.rejections == []
    assert descriptors(events) == {"q1": "Received/Diverted [AnsweredByAgent]", "s1": "Puller/Routed",
                                   "WR01": "RoutedTo/Completed"}
    assert events[0]["media"] == "chat"


@pytest.mark.parametrize("shape", [tw.as_webhook, tw.as_event_resource], ids=["webhook", "events-api"])
def test_each_feed_shape_gives_the_same_events(shape):
    records = [*tw.routed_and_completed(), tw.transfer("transfer-initiated", 100, "WR01", "WQ02")]
    expected, _ = converted(records)
    assert converted([shape(record) for record in records])[0] == expected


def _mock(family: str, name: str) -> dict:
    return copy.deepcopy(tw.MOCKS[family][name])


def _around(kind: str, payload: dict, before: list[dict]) -> list[dict]:
    """A mock payload as the event `kind` of a lifecycle of its own task."""
    task = payload.get("task", {}).get("sid") or payload.get("task_sid") or payload["sid"]
    return [tw.created(0, task), tw.entered(0, task), *[dict(r, payload={**r["payload"], "task": {
        **r["payload"].get("task", {}), "sid": task}}) if "task" in r["payload"] else r for r in before],
        tw.event(kind, 200, **payload)]


def _added_by_last(records: list[dict]) -> list[tuple[str, str, str | None]]:
    """The steps the last record adds to those of the records before it."""
    with_it, _ = converted(records)
    without, _ = converted(records[:-1])
    assert_well_formed(with_it)
    assert steps(with_it)[:len(without)] == steps(without)
    return steps(with_it)[len(without):]


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("created", "reservation.created", [("party.entered", "s1", None), ("party.left", "q1", "offered"),
                                        ("party.invited", "WRxxx", None), ("party.left", "s1", None)]),
    ("accepted", "reservation.accepted", [("party.accepted", "WRxx1", None)]),
    ("rejected", "reservation.rejected", [("party.rejected", "WRxx1", "declined"), ("party.entered", "q2", None)]),
    ("canceled", "reservation.canceled", [("party.revoked", "WRxx1", "cancelled"), ("party.entered", "q2", None)]),
    ("canceledWithValidReasonCode", "reservation.canceled",
     [("party.revoked", "WRxx1", "cancelled"), ("party.entered", "q2", None)]),
    ("canceledWithInvalidReasonCode", "reservation.canceled",
     [("party.revoked", "WRxx1", "cancelled"), ("party.entered", "q2", None)]),
    ("rescinded", "reservation.rescinded", [("party.revoked", "WRxx1", "cancelled"), ("party.entered", "q2", None)]),
    ("timedOut", "reservation.timeout", [("party.revoked", "WRxx1", "timeout"), ("party.entered", "q2", None)]),
    ("failed", "reservation.failed", []),
])
def test_each_reservation_mock_alone_gives_the_events_of_the_mapping_table(name, kind, expected):
    """A reservation that failed puts the task back in its queue (q2); `reservation.failed` made no
    reservation and gives nothing."""
    payload = _mock("reservation", name)
    before = [] if name in ("created", "failed") else [
        tw.reservation("created", 100, payload["sid"], worker=payload["worker_sid"], name=None,
                       task=payload["task"]["sid"])]
    records = _around(kind, payload, before)
    if name == "created":
        records = [tw.event("task.created", 0, sid="WTxxx"), tw.entered(0, "WTxxx"), records[-1]]
    assert _added_by_last(records) == expected
    events, _ = converted(records)
    if name.startswith("canceledWith"):
        revoked = next(e for e in events if e["event"] == "party.revoked")
        assert revoked["data"]["canceled_reason_code"] == str(payload["canceled_reason_code"])


@pytest.mark.parametrize(("name", "kind", "reason"), [
    ("completed", "reservation.completed", "completed"), ("wrapping", "reservation.wrapup", "completed")])
def test_a_reservation_that_ends_gives_the_workers_leaving(name, kind, reason):
    payload = _mock("reservation", name)
    task = payload["task"]["sid"]
    before = [tw.reservation("created", 100, payload["sid"], worker=payload["worker_sid"], task=task),
              tw.reservation("accepted", 150, payload["sid"], worker=payload["worker_sid"], task=task)]
    events, _ = converted(_around(kind, payload, before))
    assert_well_formed(events)
    assert steps(events)[-1] == ("party.left", payload["sid"], reason)
    assert events[-1]["data"] == {"source_reason": kind.removeprefix("reservation."), "worker_sid": "WKxxx"} \
        or events[-1]["data"]["source_reason"] == kind.removeprefix("reservation.")


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("completed", "task.completed", [("interaction.ended", "", "completed")]),
    ("canceled", "task.canceled", [("party.left", "q1", "cancelled"), ("interaction.ended", "", "cancelled")]),
    ("updated", "task.updated", []),
    ("wrappedUp", "task.wrapup", []),
])
def test_each_task_mock_alone_gives_the_events_of_the_mapping_table(name, kind, expected):
    payload = _mock("task", name)
    events, _ = converted(_around(kind, payload, []))
    assert_well_formed(events)
    assert steps(events)[2:] == expected


def test_the_transfer_mocks_place_the_task_in_a_queue_for_the_initiator_and_mark_its_leaving():
    initiated, completed = _mock("task", "transferInitiated"), _mock("task", "transferCompleted")
    records = [tw.created(0, "WTxxx"), tw.entered(0, "WTxxx"),
               tw.reservation("created", 10, "WRxxx", task="WTxxx"),
               tw.reservation("accepted", 12, "WRxxx", task="WTxxx"),
               tw.event("task.transfer-initiated", 100, **initiated),
               tw.reservation("created", 110, "WR02", worker="WK02", name="Bob", task="WTxxx",
                              task_transfer=initiated),
               tw.reservation("accepted", 115, "WR02", worker="WK02", name="Bob", task="WTxxx"),
               tw.event("task.transfer-completed", 115, **completed),
               tw.reservation("wrapup", 120, "WRxxx", task="WTxxx"),
               tw.reservation("wrapup", 500, "WR02", worker="WK02", name="Bob", task="WTxxx"),
               tw.ended("completed", 520, task="WTxxx")]
    events, _ = converted(records)
    assert_well_formed(events)
    entered = [e for e in events if e["event"] == "party.entered" and e.get("by") == "WTxxx.WRxxx"]
    assert [(e["party"], e["intent"], e["resource"]) for e in entered] == [("WTxxx.q2", "transfer", "Support")]
    assert descriptors(events)["WRxxx"] == "RoutedTo/Transferred"
    assert descriptors(events)["WR02"] == "ReceivedTransfer/Completed"


def test_a_failed_queue_transfer_ends_its_queue_stay():
    failed = _mock("task", "transferFailed")
    records = [tw.created(0, "WTxxx"), tw.entered(0, "WTxxx"),
               tw.reservation("created", 10, "WRxxx", task="WTxxx"),
               tw.reservation("accepted", 12, "WRxxx", task="WTxxx"),
               tw.event("task.transfer-initiated", 100, **_mock("task", "transferInitiated")),
               tw.event("task.transfer-failed", 160, **failed),
               tw.reservation("wrapup", 300, "WRxxx", task="WTxxx"), tw.ended("completed", 320, task="WTxxx")]
    events, _ = converted(records)
    assert_well_formed(events)
    assert ("party.left", "q2", "cancelled") in steps(events)
    assert steps(events)[-2] == ("party.left", "WRxxx", "completed")


def cold_transfer(offered: float) -> tuple[list[dict], ConversionStats]:
    """Alice cold-transfers to Bob and wraps up at 100 s; Bob is offered the task at `offered`."""
    bob = {"worker": "WK02", "name": "Bob"}
    return converted([
        *tw.routed_and_completed()[:4], tw.transfer("transfer-initiated", 100, "WR01", "WK02", mode="COLD"),
        tw.reservation("wrapup", 100, "WR01"), tw.reservation("created", offered, "WR02", **bob),
        tw.reservation("accepted", offered + 4, "WR02", **bob), tw.reservation("wrapup", 400, "WR02", **bob),
        tw.ended("completed", 400)])


def test_a_cold_transfer_to_a_worker_is_clamped_to_the_targets_offer():
    events, stats = cold_transfer(offered=101)
    assert_well_formed(events)
    invited = next(e for e in events if e.get("party") == f"{tw.TASK}.WR02")
    assert (invited["by"], invited["intent"]) == (f"{tw.TASK}.WR01", "transfer")
    left = next(e for e in events if e.get("party") == f"{tw.TASK}.WR01" and e["event"] == "party.left")
    assert left["ts"] == invited["ts"] and left["reason"] == "transfer"
    assert stats.assumed["clamped_handoff"] == 1
    assert descriptors(events)["WR02"] == "ReceivedTransfer/Completed"


def test_a_cold_transfer_offered_long_after_the_initiator_left_waits_in_a_synthetic_queue():
    events, stats = cold_transfer(offered=130)
    assert_well_formed(events)
    synthetic = [e for e in events if e["event"] == "party.entered" and e.get("data", {}).get("synthetic")]
    assert [(e["by"], e["intent"], e["resource"]) for e in synthetic] == [(f"{tw.TASK}.WR01", "transfer", "Bob")]
    assert stats.assumed["synthetic_queue"] == 1
    assert descriptors(events)["WR02"] == "ReceivedTransfer/Completed"


def test_a_round_of_two_reservations_is_one_strategy_and_the_rescinded_one_is_revoked():
    records = [tw.created(0), tw.entered(0), tw.reservation("created", 5, "WR01"),
               tw.reservation("created", 5, "WR02", worker="WK02", name="Bob"),
               tw.reservation("accepted", 8, "WR02", worker="WK02", name="Bob"),
               tw.reservation("rescinded", 8, "WR01"),
               tw.reservation("wrapup", 90, "WR02", worker="WK02", name="Bob"), tw.ended("completed", 90)]
    events, _ = converted(records)
    assert_well_formed(events)
    assert descriptors(events) == {"q1": "Received/Diverted [AnsweredByAgent]", "s1": "Puller/Routed",
                                   "WR01": "RoutedTo/Redirected [Revoked]", "WR02": "RoutedTo/Completed"}


def test_a_hangup_while_a_worker_is_offered_the_task_is_abandoned_while_ringing():
    records = [tw.created(0), tw.entered(0), tw.reservation("created", 5, "WR01"),
               tw.reservation("canceled", 20, "WR01"), tw.ended("canceled", 20, reason="hangup")]
    events, _ = converted(records)
    assert_well_formed(events)
    assert [step[0] for step in steps(events)][-3:] == ["customer.left", "party.revoked", "interaction.ended"]
    assert descriptors(events)["WR01"] == "RoutedTo/CustomerAbandoned [AbandonedWhileRinging]"


def test_which_cancel_reasons_mean_the_customer_left_is_a_site_option():
    records = [tw.created(0), tw.entered(0), tw.ended("canceled", 30, reason="No longer needed")]
    events, _ = converted(records)
    assert "customer.left" not in {e["event"] for e in events}
    assert descriptors(events) == {"q1": "Received/Cleared"}
    events, _ = converted(records, abandon_reasons=["No longer needed"])
    assert descriptors(events) == {"q1": "Received/CustomerAbandoned [AbandonedWhileQueued]"}


def test_a_rejected_offer_puts_the_task_back_in_its_queue():
    records = [tw.created(0), tw.entered(0), tw.reservation("created", 5, "WR01"),
               tw.reservation("rejected", 9, "WR01"), tw.reservation("created", 9, "WR02", worker="WK02", name="Bob"),
               tw.reservation("accepted", 12, "WR02", worker="WK02", name="Bob"),
               tw.reservation("completed", 60, "WR02", worker="WK02", name="Bob"), tw.ended("completed", 60)]
    events, _ = converted(records)
    assert_well_formed(events)
    assert descriptors(events) == {
        "q1": "Received/Diverted", "s1": "Puller/Routed", "WR01": "RoutedTo/Redirected [Rejected]",
        "q2": "Received/Diverted [AnsweredByAgent]", "s2": "Puller/Routed", "WR02": "RoutedTo/Completed"}


def test_an_event_after_its_task_was_written_is_late_and_the_others_still_convert():
    first = tw.routed_and_completed("WT01")
    straggler = tw.reservation("completed", 330, "WR01", task="WT01")
    records = [*first, *tw.routed_and_completed("WT02"), straggler]
    events, stats = converted(records, window=2)
    assert {e["interaction"] for e in events} == {"WT01", "WT02"}
    [late] = stats.rejections
    assert (late.interaction, late.problems[0].code) == ("WT01", "A106")
    assert converted(records)[1].rejections == []  # within the default window it is in time


def test_records_of_other_events_are_counted_as_ignored_and_records_without_task_rejected():
    worker = {"eventtype": "worker.activity.update", "timestamp_ms": tw.START_MS,
              "payload": _mock("worker", "activityUpdated")}
    no_task = tw.event("reservation.accepted", 3, sid="WR09")
    events, stats = converted([*tw.routed_and_completed(), worker, no_task, "not an object"])
    assert {e["interaction"] for e in events} == {tw.TASK}
    assert stats.ignored == {"worker.activity.update event": 1}
    assert [(r.interaction, r.problems[0].code) for r in stats.rejections] == [(None, "A105"), (None, "A102")]
    assert stats.rejections[0].problems[0].message == ("record 9: reservation.accepted: names no task "
                                                       "(task_sid, TaskSid or the task's sid)")


def test_reservation_events_of_a_task_no_task_event_names_are_rejected_not_dropped():
    records = [tw.reservation("created", 5, "WR01", task="WT77"), tw.reservation("accepted", 6, "WR01", task="WT77")]
    events, stats = converted(records)
    assert events == []
    [rejection] = stats.rejections
    assert rejection.interaction == "WT77"
    assert [problem.code for problem in rejection.problems] == ["A105", "A105"]


def test_duplicate_deliveries_are_counted_and_give_one_event():
    records = tw.routed_and_completed()
    events, stats = converted([*records, records[3]])
    assert events == converted(records)[0]
    assert stats.assumed["duplicate_record"] == 1


def test_a_record_that_does_not_fit_its_task_is_rejected_and_the_task_still_converts():
    records = [*tw.routed_and_completed(),
               tw.reservation("accepted", 50, "WR77"), tw.reservation("accepted", 60, "WR01")]
    events, stats = converted(records)
    assert events == converted(tw.routed_and_completed())[0]
    [rejection] = stats.rejections
    assert rejection.interaction == tw.TASK
    assert [problem.message for problem in rejection.problems] == [
        "record 8: reservation.accepted of task WT0001: no reservation.created of WR77 came before",
        "record 9: reservation.accepted of task WT0001: reservation WR01 was no longer pending"]
