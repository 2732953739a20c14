"""The same job without a rules engine: plain Python written straight for the default chat rules.

This is the yardstick for `benchmarks.run`: what a competent engineer would write
for this one job. It reads the same JSON lines with orjson, checks the essentials
of each line (required fields, types, known event types, timestamps), groups the
events by interaction until `interaction.ended`, orders them by `seq`, works out
each party's situation from plain dicts (what `rules/facts.rules` defines), and picks
the descriptor and record type with `if`s that mirror `rules/chat.rules` one to one. The
`rule`/`rule_at` columns name the same rules, so its rows compare byte for byte with `rulesengine run`.

    .venv/bin/python -m benchmarks.baseline EVENTS.jsonl > rows.jsonl
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from importlib.resources import files
from itertools import pairwise
from typing import IO

import orjson

EVENT_TYPES = frozenset({
    "interaction.created", "party.entered", "party.invited", "party.accepted", "party.rejected",
    "party.revoked", "party.held", "party.retrieved", "party.left", "customer.left", "interaction.ended",
})
MEDIATION = frozenset({"queue", "strategy", "workbin"})
HOLDERS = frozenset({"queue", "workbin"})
ROUTED = frozenset({"route", "inbound"})
CLOSING = frozenset({"party.left", "party.revoked", "party.rejected"})
RULES_FILE = "rules/chat.rules"


def rule_lines() -> dict[str, str]:
    """`rule id` → `rules/chat.rules:LINE`, read from the shipped rule file."""
    text = files("rulesengine.rules").joinpath("chat.rules").read_text(encoding="utf-8")
    return {found.group(1): f"{RULES_FILE}:{number}"
            for number, line in enumerate(text.splitlines(), 1)
            if (found := re.match(r"rule\s+(\S+)", line))}


AT = rule_lines()


def epoch_ms(ts: str) -> int:
    if ts[-1] in "Zz":
        ts = ts[:-1] + "+00:00"
    return int(datetime.fromisoformat(ts).timestamp() * 1000)


def parse(raw: bytes) -> dict | None:
    """The event of one line, or None when it breaks the contract's essentials."""
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if (type(event) is not dict or type(event.get("interaction")) is not str
            or type(event.get("seq")) is not int or type(event.get("ts")) is not str
            or event.get("event") not in EVENT_TYPES):
        return None
    if event["event"].startswith("party.") and type(event.get("party")) is not str:
        return None
    try:
        event["ms"] = epoch_ms(event["ts"])
    except ValueError:
        return None
    return event


def interactions(lines: Iterable[bytes]) -> Iterator[tuple[str, list[dict]]]:
    """Each interaction's events, sorted by seq, as soon as its `interaction.ended` arrives."""
    open_: dict[str, list[dict]] = {}
    for raw in lines:
        if not raw.strip() or raw.startswith(b"#"):
            continue
        event = parse(raw)
        if event is None:
            continue
        key = event["interaction"]
        open_.setdefault(key, []).append(event)
        if event["event"] == "interaction.ended":
            events = sorted(open_.pop(key), key=lambda e: e["seq"])
            if well_formed(events):
                yield key, events


def well_formed(events: list[dict]) -> bool:
    """Created first, seqs unique, time never backwards."""
    if events[0]["event"] != "interaction.created":
        return False
    return all(a["seq"] < b["seq"] and a["ms"] <= b["ms"] for a, b in pairwise(events))


def rows(key: str, events: list[dict]) -> list[bytes]:
    """One JSON row per party, in order of first appearance."""
    end = events[-1]
    left_seq = next((e["seq"] for e in events if e["event"] == "customer.left"), None)
    parties: dict[str, dict] = {}
    for e in events:
        name = e["event"]
        if not name.startswith("party."):
            continue
        party = parties.get(e["party"])
        if party is None:
            party = parties[e["party"]] = {
                "id": e["party"], "kind": e["kind"], "resource": e["resource"], "first": e,
                "by": e.get("by"), "children": [], "steps": [], "accepted": None, "answered": None,
                "end": None, "left": None, "holds": [],
            }
            if party["by"] is not None:
                parties[party["by"]]["children"].append(party)
        party["steps"].append(name)
        if name == "party.accepted":
            party["accepted"] = party["answered"] = e
        elif name in ("party.revoked", "party.rejected"):
            party["answered"] = e
        elif name == "party.held":
            party["holds"].append([e["seq"], None])
        elif name == "party.retrieved":
            party["holds"][-1][1] = e["seq"]
        if name in CLOSING:
            party["end"] = e
            if name == "party.left":
                party["left"] = e
    for party in parties.values():
        party["end"] = party["end"] or end
    return [row(key, party, parties, left_seq) for party in parties.values()]


def origin(party: dict, parties: dict[str, dict]) -> str:
    """The intent of the agent request that started the path in, else the party's own (an agent
    who placed the chat without an intent asked for nothing)."""
    target = party
    while target["by"] is not None:
        source = parties[target["by"]]
        if source["kind"] == "agent":
            return target["first"].get("intent") or party["first"].get("intent") or "inbound"
        target = source
    return party["first"].get("intent") or "inbound"


def state_at(party: dict, seq: int | None) -> str:
    if seq is None:
        return "stayed"
    if seq < party["first"]["seq"]:
        return "not_started"
    if seq > party["end"]["seq"]:
        return "finished"
    kind = party["kind"]
    if kind == "strategy":
        return "routing"
    if kind != "agent":
        return "waiting"
    end = party["end"]["seq"]
    if any(held < seq <= (retrieved or end) for held, retrieved in party["holds"]):
        return "held"
    accepted = party["accepted"]
    return "connected" if accepted is not None and accepted["seq"] < seq else "alerting"


def reached(party: dict) -> list[dict]:
    """The parties brought in by this one, directly or through the mediation parties it brought in."""
    found = []
    for child in party["children"]:
        found.append(child)
        if child["kind"] != "agent":
            found.extend(reached(child))
    return found


def transfer_completed(party: dict, parties: dict[str, dict]) -> bool:
    """It left after a transfer it asked for, directly or through a queue, was accepted."""
    left = party["left"]
    return left is not None and any(
        target["kind"] == "agent" and origin(target, parties) == "transfer" and target["accepted"] is not None
        and target["accepted"]["seq"] < left["seq"] for target in reached(party))


def agent_outcome(party: dict, parties: dict[str, dict], left_seq: int | None) -> tuple:
    """(role rule, role, result rule, result, reason) for an agent, as the default rules decide."""
    first = party["first"]
    start = origin(party, parties)
    coach = first.get("visibility") == "coach"
    if start in ROUTED:
        role_rule, role = "agent.routed_to", "RoutedTo"
    elif start == "transfer":
        role_rule, role = "agent.received_transfer", "ReceivedTransfer"
    elif start == "conference" and not coach:
        role_rule, role = "agent.in_conference", "InConference"
    elif start in ("consult", "conference"):
        role_rule, role = "agent.received_consult", "ReceivedConsult"
    else:
        role_rule, role = "agent.puller", "Puller"
    steps = party["steps"]
    engaged = steps[:2] == ["party.invited", "party.accepted"]
    state = state_at(party, left_seq)
    if state == "alerting":
        return role_rule, role, "agent.customer_abandoned", "CustomerAbandoned", "AbandonedWhileRinging"
    if state == "held":
        return role_rule, role, "agent.abandoned_from_hold", "CustomerAbandoned", "AbandonedFromHold"
    if engaged and transfer_completed(party, parties):
        return role_rule, role, "agent.transferred", "Transferred", "Unspecified"
    if engaged:
        return role_rule, role, "agent.completed", "Completed", "Unspecified"
    routed = start in ROUTED
    if steps == ["party.invited", "party.revoked"]:
        return (role_rule, role, *(("agent.redirected_revoked", "Redirected") if routed
                                   else ("agent.abandoned_revoked", "Abandoned")), "Revoked")
    if steps == ["party.invited", "party.rejected"]:
        return (role_rule, role, *(("agent.redirected_rejected", "Redirected") if routed
                                   else ("agent.abandoned_rejected", "Abandoned")), "Rejected")
    if steps == ["party.invited"]:
        return role_rule, role, "agent.still_alerting", "Incomplete", "Unspecified"
    return role_rule, role, None, "Unspecified", "Unspecified"


def mediation_outcome(party: dict, left_seq: int | None) -> tuple:
    """(role rule, role, result rule, result, reason) for a queue, workbin or strategy."""
    state = state_at(party, left_seq)
    handed_on = bool(party["children"])
    if party["kind"] == "strategy":
        if state == "routing":
            return "strategy.puller", "Puller", "strategy.customer_abandoned", "CustomerAbandoned", "Unspecified"
        return ("strategy.puller", "Puller", *(("strategy.routed", "Routed") if handed_on
                                               else ("strategy.cleared", "Cleared")), "Unspecified")
    if state == "waiting":
        return "queue.received", "Received", "queue.customer_abandoned", "CustomerAbandoned", "AbandonedWhileQueued"
    if not handed_on:
        return "queue.received", "Received", "queue.cleared", "Cleared", "Unspecified"
    agents = [target for target in reached(party) if target["kind"] == "agent"]
    if any(agent["accepted"] is not None for agent in agents):
        return "queue.received", "Received", "queue.diverted_answered", "Diverted", "AnsweredByAgent"
    if any(state_at(agent, left_seq) == "alerting" for agent in agents):
        return "queue.received", "Received", "queue.diverted_ringing", "Diverted", "AbandonedWhileRinging"
    return "queue.received", "Received", "queue.diverted", "Diverted", "Unspecified"


def row(key: str, party: dict, parties: dict[str, dict], left_seq: int | None) -> bytes:
    kind = party["kind"]
    first, last = party["first"], party["end"]
    if kind == "agent":
        role_rule, role, result_rule, result, reason = agent_outcome(party, parties, left_seq)
        answered, accepted = party["answered"], party["accepted"]
        alert_ms = (answered or last)["ms"] - first["ms"]
        engage_ms = last["ms"] - accepted["ms"] if accepted is not None else None
    else:
        role_rule, role, result_rule, result, reason = mediation_outcome(party, left_seq)
        alert_ms = engage_ms = None
    msf = kind in MEDIATION and bool(party["children"])
    record_rule = "record.mediation" if msf else "record.handling"
    decided = [role_rule] if result_rule is None else [role_rule, result_rule]
    decided.append(record_rule)
    return orjson.dumps({
        "interaction": key, "party": party["id"], "kind": kind, "resource": party["resource"],
        "record": "MSF" if msf else "IRF",
        "start": first["ts"], "end": last["ts"], "alert_ms": alert_ms, "engage_ms": engage_ms,
        "resource_role": role, "role_reason": "Unspecified", "technical_result": result,
        "result_reason": reason, "rule": " + ".join(decided),
        "rule_at": " + ".join(AT[rule] for rule in decided), "provisional": False,
    }) + b"\n"


def run(path: str, out: IO[bytes]) -> int:
    """Write the rows of every complete interaction in `path` to `out`; returns the interactions."""
    count = 0
    with open(path, "rb") as handle:
        for key, events in interactions(handle):
            out.write(b"".join(rows(key, events)))
            count += 1
    return count


if __name__ == "__main__":
    run(sys.argv[1], sys.stdout.buffer)
