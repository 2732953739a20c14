"""Random but plausible platform records, for property tests of the adapters.

Each generator plays one conversation (Genesys Cloud) or one task (Twilio TaskRouter)
forward in time with a `random.Random`: flows, queue visits, offers that are accepted,
revoked or rung until the customer leaves, holds, blind transfers, cancels. Gaps are
drawn from a few values that include 0 and a few milliseconds, so that the ties and the
near-misses the adapters must order come up often.
"""

from __future__ import annotations

import random

from . import genesys_records as gc
from . import twilio_records as tw

_GAPS = (0.0, 0.001, 0.004, 0.03, 0.2, 2.0, 15.0)


class _Conversation:
    def __init__(self, rnd: random.Random, ident: str) -> None:
        self.rnd = rnd
        self.ident = ident
        self.media = rnd.choice(["chat", "message", "voice"])
        self.t = 0.0
        self.others: list[dict] = []
        self.agents: dict[str, list[dict]] = {gc.USER_1: [], gc.USER_2: []}
        self.customer_end: float | None = None
        self.customer_disconnect: str | None = None
        self.done = False
        self.count = 0

    def gap(self) -> float:
        return self.rnd.choice(_GAPS)

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def customer_leaves(self, at: float, disconnect: str = "client") -> None:
        self.customer_end, self.customer_disconnect, self.done = at, disconnect, True

    def play(self) -> dict:
        rnd = self.rnd
        flowed = rnd.random() < 0.5
        if flowed:
            self.flow()
        visits = rnd.randint(1, 3)
        for visit in range(visits):
            if self.done:
                break
            self.visit(visit, last=visit == visits - 1, after_flow=flowed and visit == 0)
        if not self.done:
            self.customer_leaves(self.t + 1)
        return self.record()

    def flow(self) -> None:
        end = self.t + 5 + self.gap()
        abandoned = self.rnd.random() < 0.15
        self.others.append(gc.participant(self.name("p-flow"), "ivr", gc.session(
            self.name("s-flow"),
            gc.segment("interact", self.t, end, disconnectType="peer" if abandoned else "transfer"),
            media=self.media, flow={"flowName": "Main Menu"})))
        if abandoned:
            self.customer_leaves(end, "endpoint")
        self.t = end + self.rnd.choice([0.001, 0.032, 0.5])

    def visit(self, visit: int, *, last: bool, after_flow: bool) -> None:
        rnd = self.rnd
        queue = rnd.choice([gc.QUEUE_1, gc.QUEUE_2])
        start = self.t
        flow_in = "agent" if visit else ("ivr" if after_flow else None)
        extra = {"flowInType": flow_in} if flow_in else {}
        t = start + self.gap()
        for _ in range(rnd.randint(0, 3)):
            alert = t + self.gap()
            user = rnd.choice([gc.USER_1, gc.USER_2])
            outcome = rnd.choice(["accept", "accept", "revoke", "ring_until_left"])
            if outcome == "ring_until_left":
                self.customer_leaves(alert + 3)
                self.agents[user].append(gc.session(self.name("s-agent"), gc.segment(
                    "alert", alert, alert + 3.004, queueId=queue, disconnectType="peer"), media=self.media))
                self.others.append(gc.acd(self.name("s-acd"), start, alert + 3.005, queue=queue, disconnect="peer",
                                          media=self.media, **extra))
                return
            if outcome == "revoke":
                end = alert + 10 + self.gap()
                fields = rnd.choice([{"disconnectType": "system"}, {}, {"disconnectType": "client"}])
                self.agents[user].append(gc.session(self.name("s-agent"), gc.segment(
                    "alert", alert, end, queueId=queue, **fields), media=self.media))
                t = end
                continue
            answered = alert + 2
            self.others.append(gc.acd(self.name("s-acd"), start, answered + rnd.choice([-0.007, 0.0, 0.012]),
                                      queue=queue, media=self.media, **extra))
            self.agents[user].append(self.handled(alert, answered, queue, can_transfer=not last))
            return
        end = t + 1 + self.gap()
        self.others.append(gc.acd(self.name("s-acd"), start, end, queue=queue, disconnect="peer", media=self.media,
                                  **extra))
        self.customer_leaves(end)

    def handled(self, alert: float, answered: float, queue: str, *, can_transfer: bool) -> dict:
        rnd = self.rnd
        segments = [gc.segment("alert", alert, answered, queueId=queue)]
        t = answered
        for _ in range(rnd.randint(0, 2)):
            held = t + 5 + self.gap()
            segments.append(gc.segment("interact", t, held, queueId=queue))
            t = held + 3 + self.gap()
            segments.append(gc.segment("hold", held, t, queueId=queue))
        end = t + 20 + self.gap()
        ending = rnd.choice(["transfer", "customer", "agent", "customer_on_hold"] if can_transfer
                            else ["customer", "agent", "customer_on_hold"])
        if ending == "customer_on_hold":
            segments.append(gc.segment("interact", t, end, queueId=queue))
            segments.append(gc.segment("hold", end, end + 4.003, queueId=queue, disconnectType="peer"))
            self.customer_leaves(end + 4)
            end += 4.003
        else:
            disconnect = {"transfer": "transfer", "customer": "peer", "agent": "client"}[ending]
            segments.append(gc.segment("interact", t, end, queueId=queue, disconnectType=disconnect))
            if ending == "customer":
                self.customer_leaves(end - rnd.choice([0.0, 0.003]))
            elif ending == "agent":
                self.customer_leaves(end + 0.002, "peer")
        if rnd.random() < 0.5:
            segments.append(gc.segment("wrapup", end, end + 15, queueId=queue, wrapUpCode="done"))
        self.t = end + rnd.choice([0.012, 0.028, 0.058])
        return gc.session(self.name("s-agent"), *segments, media=self.media)

    def record(self) -> dict:
        customer = gc.participant("p-customer", "customer", gc.session("s-customer", gc.segment(
            "interact", 0.0, self.customer_end, disconnectType=self.customer_disconnect), media=self.media))
        agents = [gc.agent(f"p-{user[:4]}", user, *sessions) for user, sessions in self.agents.items() if sessions]
        record = gc.conversation(self.ident, customer, *self.others, *agents)
        if self.rnd.random() < 0.7:
            ends = [segment["segmentEnd"] for p in record["participants"] for s in p["sessions"]
                    for segment in s["segments"]]
            record["conversationEnd"] = max(ends)
        elif self.rnd.random() < 0.3:  # still going on: the last agent segment has no end yet
            for participant in reversed(record["participants"]):
                if participant["purpose"] == "agent":
                    participant["sessions"][-1]["segments"][-1].pop("segmentEnd")
                    participant["sessions"][-1]["segments"][-1].pop("disconnectType", None)
                    break
        return record


def genesys_conversation(rnd: random.Random, ident: str = "c-generated") -> dict:
    """One conversation-detail record."""
    return _Conversation(rnd, ident).play()


def twilio_task(rnd: random.Random, task: str = "WT0001") -> list[dict]:
    """The events of one task, in time order."""
    t = 0
    records = [tw.created(t, task), tw.entered(t, task)]
    counter = 0

    def step() -> int:
        return rnd.choice([0, 0, 1, 5, 30])

    def reservation(kind: str, at: float, sid: str, worker: str, **fields: object) -> dict:
        return tw.reservation(kind, at, sid, worker=worker, name=f"Worker {worker}", task=task, **fields)

    for _ in range(rnd.randint(0, 3)):
        t += step()
        sids = []
        for _ in range(rnd.randint(1, 2)):
            counter += 1
            sids.append((f"WR{counter:02d}", f"WK{counter:02d}"))
            records.append(reservation("created", t, *sids[-1]))
        t += step()
        if rnd.random() < 0.5:
            (sid, worker), *others = sids
            records.append(reservation("accepted", t, sid, worker))
            records += [reservation("rescinded", t, other, other_worker) for other, other_worker in others]
            t += 60 + step()
            if rnd.random() < 0.4:
                counter += 1
                target, target_worker = f"WR{counter:02d}", f"WK{counter:02d}"
                if rnd.random() < 0.5:
                    records.append(tw.transfer("transfer-initiated", t, sid, "WQ02", sid=f"TT{counter}", task=task))
                    offered = t + step()
                else:
                    records.append(tw.transfer("transfer-initiated", t, sid, target_worker, mode="COLD",
                                               sid=f"TT{counter}", task=task))
                    records.append(reservation("wrapup", t, sid, worker))
                    offered = t + rnd.choice([0, 1, 30])
                records.append(reservation("created", offered, target, target_worker))
                t = offered + 5 + step()
                records.append(reservation("accepted", t, target, target_worker))
                records.append(tw.transfer("transfer-completed", t, sid, target_worker, sid=f"TT{counter}", task=task))
                records.append(reservation("wrapup", t + step(), sid, worker))
                sid, worker = target, target_worker
                t += 60
            records.append(reservation("wrapup", t, sid, worker))
            if rnd.random() < 0.8:
                records.append(tw.ended("completed", t + step(), task=task))
            return records
        for sid, worker in sids:
            records.append(reservation(rnd.choice(["rejected", "timeout", "canceled"]), t, sid, worker))
    t += step()
    if rnd.random() < 0.5:
        counter += 1
        records.append(reservation("created", t, f"WR{counter:02d}", f"WK{counter:02d}"))
        t += step()
        records.append(reservation("canceled", t, f"WR{counter:02d}", f"WK{counter:02d}"))
    if rnd.random() < 0.9:
        records.append(tw.ended("canceled", t, reason=rnd.choice(["hangup", "No longer needed"]), task=task))
    return records
