"""Drawing an interaction's model: a Mermaid sequence diagram, Graphviz DOT, or JSON.

The Mermaid output mirrors the vendor's flow pictures: one lane per party (customer,
queues, strategies, agents), an arrow for each time one party brings in another, a
note for what happens to a party on its own.
"""

from __future__ import annotations

import orjson

from rulesengine.model import InteractionModel, Party, relation_into


_VERBS = {
    "submitted": "chat submitted to",
    "placed": "places in queue",
    "pulled": "pulled by",
    "routed": "routes to",
    "invited": "invites",
}


def _lane_ids(model: InteractionModel) -> dict[str, str]:
    """Short, always-valid participant names (P1, P2, ...) in order of appearance."""
    return {party.id: f"P{number}" for number, party in enumerate(model.parties, start=1)}


_MERMAID_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", ":": "#58;", "\n": " ", "\r": " "})


def _text(value: str) -> str:
    """Free text from the events made safe for a Mermaid statement: `;` would end it early,
    `:` would split a participant, `#` starts an entity code; all become entity codes."""
    return value.translate(_MERMAID_ESCAPES)


def _qualifiers(*values: str | None) -> str:
    present = [value for value in values if value]
    return f" ({', '.join(present)})" if present else ""


def to_mermaid(model: InteractionModel) -> str:
    lanes = _lane_ids(model)
    lines = ["sequenceDiagram", f"    %% interaction {model.id}", "    participant C as Customer"]
    for party in model.parties:
        lines.append(f"    participant {lanes[party.id]} as {_text(party.resource)} ({party.kind})")
    for event in model.events:
        if event.event == "interaction.created":
            lines.append(f"    Note over C: starts a {_text(event.media or 'chat')}")
        elif event.event == "customer.left":
            lines.append("    Note over C: leaves")
        elif event.event == "interaction.ended":
            lines.append("    Note over C: interaction ended")
        elif event.event in ("party.entered", "party.invited"):
            source = lanes[event.by] if event.by else "C"
            verb = _VERBS[relation_into(model.party(event.party))]
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


def _brought_in(model: InteractionModel) -> list[Party]:
    """The parties another party brought in, in order of appearance."""
    return [party for party in model.parties if party.by is not None]


def to_dot(model: InteractionModel) -> str:
    lines = [f"digraph {_dot_text(model.id)} {{", "    rankdir=LR;"]
    for party in model.parties:
        label = f"{party.resource}\n{party.kind} {party.id}"
        shape = "box" if party.kind == "agent" else "ellipse"
        lines.append(f"    {_dot_text(party.id)} [label={_dot_text(label)}, shape={shape}];")
    for party in _brought_in(model):
        label = relation_into(party) + _qualifiers(party.start.intent, party.start.visibility)
        lines.append(f"    {_dot_text(party.by.id)} -> {_dot_text(party.id)} [label={_dot_text(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _step_json(event) -> dict:
    return {"step": event.event.removeprefix("party."), "seq": event.seq, "ms": event.ms, "reason": event.reason,
            "intent": event.intent, "visibility": event.visibility, "by": event.by}


def to_json(model: InteractionModel) -> str:
    document = {
        "interaction": model.id,
        "customer_left_at": model.customer_left.ts if model.customer_left else None,
        "parties": [
            {"id": party.id, "kind": party.kind, "resource": party.resource,
             "start_seq": party.start.seq, "start_ms": party.start.ms, "start_ts": party.start.ts,
             "end_seq": party.end.seq, "end_ms": party.end.ms, "end_ts": party.end.ts,
             "steps": [_step_json(event) for event in party.events]}
            for party in model.parties
        ],
        "relations": [
            {"source": party.by.id, "target": party.id, "relation": relation_into(party),
             "intent": party.start.intent, "visibility": party.start.visibility, "seq": party.start.seq}
            for party in _brought_in(model)
        ],
    }
    return orjson.dumps(document).decode() + "\n"


EXPORTERS = {"mermaid": to_mermaid, "dot": to_dot, "json": to_json}
