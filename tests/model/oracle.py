"""A second derivation of the default facts, straight from event records: the test oracle.

The engine works the facts out from the rule files (`rules/facts.rules`) over the
model's primitives. This module answers the same questions in plain Python, from the
events alone, written apart from both, so the property tests can hold the two against
each other on any interaction.
"""

from __future__ import annotations

from collections import defaultdict


def facts(events: list[dict]) -> dict[str, dict[str, object]]:
    """The default facts of every party, by party id."""
    ordered = sorted(events, key=lambda event: event["seq"])
    first: dict[str, dict] = {}
    steps: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    customer_left = next((e["seq"] for e in ordered if e["event"] == "customer.left"), None)
    last = max(e["seq"] for e in ordered)
    for event in ordered:
        party = event.get("party")
        if party is None or not event["event"].startswith("party."):
            continue
        first.setdefault(party, event)
        steps[party][event["event"].removeprefix("party.")].append(event["seq"])
    children: dict[str, list[str]] = defaultdict(list)
    for party, event in first.items():
        if event.get("by"):
            children[event["by"]].append(party)

    def end(party: str) -> int:
        own = steps[party]
        closing = own.get("left") or own.get("rejected") or own.get("revoked")
        return closing[0] if closing else last

    def below(party: str) -> list[str]:
        """Parties brought in by `party`, directly or through mediation parties."""
        found = []
        for child in children[party]:
            found.append(child)
            if first[child]["kind"] != "agent":
                found += below(child)
        return found

    def origin(party: str) -> str:
        target, source = party, first[party].get("by")
        while source is not None:
            if first[source]["kind"] == "agent":
                # an agent who placed the chat without an intent asked for nothing
                return first[target].get("intent") or first[party].get("intent") or "inbound"
            target, source = source, first[source].get("by")
        return first[party].get("intent") or "inbound"

    def state(party: str) -> str:
        if customer_left is None:
            return "stayed"
        own, kind = steps[party], first[party]["kind"]
        if customer_left < first[party]["seq"]:
            return "not_started"
        if customer_left > end(party):
            return "finished"
        if kind == "strategy":
            return "routing"
        if kind != "agent":
            return "waiting"
        holds = own.get("held", [])
        retrieved = own.get("retrieved", [])
        for number, held in enumerate(holds):
            until = retrieved[number] if number < len(retrieved) else end(party)
            if held < customer_left <= until:
                return "held"
        accepted = own.get("accepted")
        return "connected" if accepted and accepted[0] < customer_left else "alerting"

    result = {}
    for party in first:
        own = steps[party]
        reached = below(party)
        left = own.get("left")
        result[party] = {
            "origin": origin(party),
            "at_customer_left": state(party),
            "transfer_completed": bool(left) and any(
                first[t]["kind"] == "agent" and origin(t) == "transfer" and steps[t].get("accepted")
                and steps[t]["accepted"][0] < left[0] for t in reached),
            "handed_on": bool(children[party]),
            "delivered_accepted": any(first[t]["kind"] == "agent" and steps[t].get("accepted") for t in reached),
            "delivered_ringing": any(first[t]["kind"] == "agent" and state(t) == "alerting" for t in reached),
            "through_queue": _through_queue(party, first),
        }
    return result


def _through_queue(party: str, first: dict[str, dict]) -> bool:
    source = first[party].get("by")
    while source is not None:
        if first[source]["kind"] in ("queue", "workbin"):
            return True
        if first[source]["kind"] == "agent":
            return False
        source = first[source].get("by")
    return False
