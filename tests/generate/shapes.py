"""The structural shape of one interaction, free of names, times and ordering noise.

Two interactions have the same shape when their parties play the same parts: same
local party ids (`q1`, `a2`...), kinds, intents, visibilities, who brought whom in,
how each invitation was answered, who left and which agents had accepted by then, and
which parties were still pending (waiting, routing, alerting) when the customer left. Used to check that every
generated interaction follows the fixture its `data.flow` names.
"""

from __future__ import annotations

from collections import defaultdict

Signature = tuple[tuple, ...]


def _local(party: str | None) -> str | None:
    return None if party is None else party.rsplit(".", 1)[1]


def signature(events: list[dict]) -> Signature:
    parties: dict[str, dict] = {}
    steps: dict[str, list[str]] = defaultdict(list)
    pending_at_customer_left: set[str] = set()
    accepted: list[str] = []
    accepted_when_left: dict[str, tuple[str, ...]] = {}
    for event in sorted(events, key=lambda e: e["seq"]):
        party = event.get("party")
        if event["event"] == "customer.left":
            pending_at_customer_left = {
                p for p, done in steps.items()
                if done[-1] in ("entered", "invited")
            }
        if party is None:
            continue
        if event["event"] == "party.accepted":
            accepted.append(_local(party))
        elif event["event"] == "party.left":
            accepted_when_left[party] = tuple(sorted(accepted))
        if not steps[party]:
            parties[party] = {
                "kind": event["kind"], "intent": event.get("intent"),
                "visibility": event.get("visibility"), "by": _local(event.get("by")),
            }
        steps[party].append(event["event"].removeprefix("party."))
    return tuple(sorted(
        (_local(p), info["kind"], info["intent"], info["visibility"], info["by"],
         tuple(steps[p][1:]), p in pending_at_customer_left, accepted_when_left.get(p))
        for p, info in parties.items()
    ))
