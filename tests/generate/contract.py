"""A small, independent reading of the event contract (`docs` / EVENTS.md, version 1).

Written from the contract's text rather than from the loader, so that the generator
and the fixtures are checked against the contract itself, not against our own reading
of it in another module.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

import orjson

from rulesengine.events.contract import EVENT_TYPES, INTENTS, KINDS, MEDIATION_KINDS, VISIBILITIES

CLOSING = ("party.rejected", "party.revoked", "party.left")
ANSWERS = ("party.accepted", "party.rejected", "party.revoked")


def events_of(lines: Iterable[str]) -> list[dict]:
    """The events of JSON lines, skipping blank and `#` lines."""
    return [orjson.loads(line) for line in lines if line.strip() and not line.startswith("#")]


def _field_problems(event: dict) -> list[str]:
    problems = []
    if not isinstance(event.get("interaction"), str):
        problems.append("interaction missing")
    if not isinstance(event.get("seq"), int) or event["seq"] < 0:
        problems.append("seq not an integer >= 0")
    try:
        datetime.datetime.fromisoformat(event["ts"])
    except (KeyError, AttributeError, ValueError):
        problems.append("ts not RFC 3339")
    if event.get("event") not in EVENT_TYPES:
        problems.append(f"unknown event {event.get('event')!r}")
    for name, allowed in (("kind", KINDS), ("intent", INTENTS), ("visibility", VISIBILITIES)):
        if name in event and event[name] not in allowed:
            problems.append(f"{name} {event[name]!r} not allowed")
    if event.get("event") == "interaction.created" and not isinstance(event.get("media"), str):
        problems.append("media missing on interaction.created")
    if str(event.get("event")).startswith("party.") and not isinstance(event.get("party"), str):
        problems.append("party missing")
    return problems


def _interaction_problems(events: list[dict]) -> list[str]:
    """Problems of one interaction's events, read in `seq` order."""
    events = sorted(events, key=lambda event: event["seq"])
    problems = []
    seqs = [event["seq"] for event in events]
    if len(set(seqs)) != len(seqs):
        problems.append("seq not unique")
    stamps = [datetime.datetime.fromisoformat(e["ts"]) for e in events]
    if stamps != sorted(stamps):
        problems.append("ts goes backwards")
    types = [event["event"] for event in events]
    if types.count("interaction.created") != 1 or types[0] != "interaction.created":
        problems.append("not exactly one interaction.created, first")
    if "interaction.ended" in types and (types.count("interaction.ended") > 1
                                         or types[-1] != "interaction.ended"):
        problems.append("interaction.ended not once and last")
    history: dict[str, list[str]] = defaultdict(list)
    open_parties: set[str] = set()
    for event in events:
        kind, party = event["event"], event.get("party")
        by = event.get("by")
        if by is not None and by not in open_parties:
            problems.append(f"seq {event['seq']}: by {by!r} is not an open party")
        if party is None:
            continue
        steps = history[party]
        if kind == "party.entered":
            if steps or event.get("kind") not in MEDIATION_KINDS or "resource" not in event:
                problems.append(f"seq {event['seq']}: bad party.entered of {party}")
        elif kind == "party.invited":
            if steps or event.get("kind") != "agent" or "resource" not in event \
                    or by is None or "intent" not in event:
                problems.append(f"seq {event['seq']}: bad party.invited of {party}")
        elif not steps:
            problems.append(f"seq {event['seq']}: {party} starts with {kind}")
        elif kind in ANSWERS and (steps[0] != "party.invited" or set(steps) & set(ANSWERS)):
            problems.append(f"seq {event['seq']}: {kind} does not answer one invitation")
        elif kind == "party.left" and steps[0] == "party.invited" and "party.accepted" not in steps:
            problems.append(f"seq {event['seq']}: agent {party} leaves without accepting")
        if steps and steps[-1] in CLOSING:
            problems.append(f"seq {event['seq']}: {party} used after it ended")
        steps.append(kind)
        if kind in ("party.entered", "party.invited"):
            open_parties.add(party)
        elif kind in CLOSING:
            open_parties.discard(party)
    return problems


def problems(events: Iterable[dict]) -> dict[str, list[str]]:
    """Contract problems by interaction id (only interactions that have some)."""
    found: dict[str, list[str]] = {}
    by_interaction: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        field_problems = _field_problems(event)
        if field_problems:
            found.setdefault(str(event.get("interaction")), []).extend(field_problems)
        else:
            by_interaction[event["interaction"]].append(event)
    for interaction, grouped in by_interaction.items():
        interaction_problems = _interaction_problems(grouped)
        if interaction_problems:
            found.setdefault(interaction, []).extend(interaction_problems)
    return found
