"""Drawing an interaction graph: a Mermaid sequence diagram, Graphviz DOT, or JSON.

The Mermaid output mirrors the vendor's flow pictures: one lane per party (customer,
queues, strategies, agents), an arrow for each time one party brings in another, a
note for what happens to a party on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import msgspec
import orjson

if TYPE_CHECKING:  # the drawings only read the graph; importing networkx is the caller's cost
    from rulesengine.graph import InteractionGraph


_VERBS = {
    "submitted": "chat submitted to",
    "placed": "places in queue",
    "pulled": "pulled by",
    "routed": "routes to",
    "invited": "invites",
}


def _lane_ids(graph: InteractionGraph) -> dict[str, str]:
    """Short, always-valid participant names (P1, P2, ...) in order of appearance."""
    return {party.id: f"P{number}" for number, party in enumerate(graph.parties(), start=1)}


_MERMAID_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", ":": "#58;", "\n": " ", "\r": " "})


def _text(value: str) -> str:
    """Free text from the events made safe for a Mermaid statement: `;` would end it early,
    `:` would split a participant, `#` starts an entity code; all become entity codes."""
    return value.translate(_MERMAID_ESCAPES)


def _qualifiers(*values: str | None) -> str:
    present = [value for value in values if value]
    return f" ({', '.join(present)})" if present else ""


def to_mermaid(graph: InteractionGraph) -> str:
    lanes = _lane_ids(graph)
    lines = ["sequenceDiagram", f"    %% interaction {graph.interaction}", "    participant C as Customer"]
    for party in graph.parties():
        lines.append(f"    participant {lanes[party.id]} as {_text(party.resource)} ({party.kind})")
    for event in graph.events:
        if event.event == "interaction.created":
            lines.append(f"    Note over C: starts a {_text(event.media or 'chat')}")
        elif event.event == "customer.left":
            lines.append("    Note over C: leaves")
        elif event.event == "interaction.ended":
            lines.append("    Note over C: interaction ended")
        elif event.event in ("party.entered", "party.invited"):
            source = lanes[event.by] if event.by else "C"
            verb = _VERBS[graph.relation_into(event.party)]
            qualifiers = _qualifiers(event.intent, event.visibility)
            lines.append(f"    {source}->>{lanes[event.party]}: {verb}{qualifiers}")
        else:
            step = event.event.removeprefix("party.")
            reason = _text(event.reason) if event.reason else None
            lines.append(f"    Note over {lanes[event.party]}: {step}{_qualifiers(reason)}")
    return "\n".join(lines) + "\n"


def _dot_text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(graph: InteractionGraph) -> str:
    lines = [f"digraph {_dot_text(graph.interaction)} {{", "    rankdir=LR;"]
    for party in graph.parties():
        label = f"{party.resource}\n{party.kind} {party.id}"
        shape = "box" if party.kind == "agent" else "ellipse"
        lines.append(f"    {_dot_text(party.id)} [label={_dot_text(label)}, shape={shape}];")
    for source, target, edge in sorted(graph.graph.edges(data=True), key=lambda e: e[2]["seq"]):
        label = edge["relation"] + _qualifiers(edge["intent"], edge["visibility"])
        lines.append(f"    {_dot_text(source)} -> {_dot_text(target)} [label={_dot_text(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_json(graph: InteractionGraph) -> str:
    document = {
        "interaction": graph.interaction,
        "customer_left_at": graph.customer_left_ts,
        "parties": [
            {**attrs.asdict(party, filter=lambda a, _: a.name != "steps"),
             "steps": [msgspec.structs.asdict(step) for step in party.steps]}
            for party in graph.parties()
        ],
        "relations": [
            {"source": source, "target": target, **edge}
            for source, target, edge in sorted(graph.graph.edges(data=True), key=lambda e: e[2]["seq"])
        ],
    }
    return orjson.dumps(document).decode() + "\n"


EXPORTERS = {"mermaid": to_mermaid, "dot": to_dot, "json": to_json}
