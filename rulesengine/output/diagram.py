"""Drawing an interaction's model: a Mermaid sequence diagram, Graphviz DOT, or JSON.

The Mermaid output mirrors the vendor's flow pictures: one lane per party (customer,
queues, strategies, agents), an arrow for each time one party brings in another, a
note for what happens to a party on its own, each with the time since the interaction
started. Given the rules' decisions, a note at each party's end gives its descriptor
and record type: the answer the picture is drawn for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import orjson

from rulesengine.decide.decision import Decision
from rulesengine.events.contract import Event, InteractionCreated, PartyEntered, PartyEvent, PartyInvited, Step
from rulesengine.model.interaction import InteractionModel, Party, relation_into
from rulesengine.output.diagram_words import brought_in, elapsed, step


def _lane_ids(model: InteractionModel) -> dict[str, str]:
    """Short, always-valid participant names (P1, P2, ...) in order of appearance."""
    return {party.id: f"P{number}" for number, party in enumerate(model.parties, start=1)}


def lane_names(model: InteractionModel) -> list[str]:
    """What each party's lane is called: `ChatRouting (strategy)`, and for the second and
    later stays of the same resource `ChatRouting (strategy) #2`, so that no two lanes
    read alike."""
    seen: Counter[tuple[str, str]] = Counter()
    names = []
    for party in model.parties:
        seen[party.resource, party.kind] += 1
        count = seen[party.resource, party.kind]
        names.append(f"{party.resource} ({party.kind})" + (f" #{count}" if count > 1 else ""))
    return names


#: what ends a line for Python's `str.splitlines`, and so may for a diagram's reader
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_MERMAID_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", ":": "#58;", **dict.fromkeys(_LINE_BREAKS, " ")})


def _text(value: str) -> str:
    """Free text from the events made safe for a Mermaid statement: `;` would end it early,
    `:` would split a participant, `#` starts an entity code; all become entity codes, and a
    line break a space (it would end the statement)."""
    return value.translate(_MERMAID_ESCAPES)


def outcome(decision: Decision) -> str:
    """`RoutedTo/Transferred (IRF)`: a party's descriptor and record type."""
    return f"{decision.descriptor} ({decision.record})"


#: the background that sets a party's outcome apart from the steps around it
OUTCOME_BACKGROUND = "rgb(214, 240, 214)"


def _outcome_notes(model: InteractionModel, decisions: Sequence[Decision] | None,
                   lanes: dict[str, str]) -> dict[int, list[str]]:
    """The descriptor notes to draw after each event (by `seq`): a party's goes after the
    event that ended it, its own last step or the interaction's end, on a background of
    its own."""
    notes: dict[int, list[str]] = {}
    for party, decision in zip(model.parties, decisions or (), strict=False):
        notes.setdefault(party.end.seq, []).extend((
            f"    rect {OUTCOME_BACKGROUND}",
            f"        Note over {lanes[party.id]}: {_text(outcome(decision))}",
            "    end",
        ))
    return notes


def to_mermaid(model: InteractionModel, decisions: Sequence[Decision] | None = None) -> str:
    """A sequence diagram; with `decisions` (one per party, in order) each party's outcome."""
    lanes = _lane_ids(model)
    lines = ["sequenceDiagram", f"    %% interaction {_text(model.id)}", "    participant C as Customer"]
    for party, name in zip(model.parties, lane_names(model), strict=True):
        lines.append(f"    participant {lanes[party.id]} as {_text(name)}")
    after = _outcome_notes(model, decisions, lanes)
    started = model.events[0].ms
    for event in model.events:
        at = elapsed(event.ms - started)
        if isinstance(event, PartyEntered | PartyInvited):
            source = lanes[event.by] if event.by else "C"
            words = brought_in(model.party(event.party), model.media)
            lines.append(f"    {source}->>{lanes[event.party]}: {at} {_text(words)}")
        elif isinstance(event, PartyEvent):
            lines.append(f"    Note over {lanes[event.party]}: {at} {_text(step(event))}")
        else:
            lines.append(f"    Note over C: {at} {_text(_customer_step(event))}")
        lines.extend(after.get(event.seq, ()))
    return "\n".join(lines) + "\n"


def _customer_step(event: Event) -> str:
    """What an event of the interaction as a whole says on the customer's lane; its start
    carries the clock time the `+` times count from."""
    if isinstance(event, InteractionCreated):
        media = event.media or "interaction"
        return f"starts {'an' if media[:1].lower() in 'aeiou' else 'a'} {media} ({event.ts})"
    if event.event == "customer.left":
        return f"leaves ({event.reason})" if event.reason else "leaves"
    return "interaction ends"


def _dot_text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _brought_in(model: InteractionModel) -> list[tuple[Party, Party]]:
    """The parties another party brought in, in order of appearance, each after the one that did."""
    return [(party.by, party) for party in model.parties if party.by is not None]


def to_dot(model: InteractionModel, decisions: Sequence[Decision] | None = None) -> str:
    """Who brought whom in, each edge with its time and words; with `decisions`, each
    party's outcome under its name."""
    lines = [f"digraph {_dot_text(model.id)} {{", "    rankdir=LR;"]
    outcomes = [outcome(decision) for decision in decisions] if decisions else [None] * len(model.parties)
    for party, decided in zip(model.parties, outcomes, strict=True):
        label = f"{party.resource}\n{party.kind} {party.id}" + (f"\n{decided}" if decided else "")
        shape = "box" if party.kind == "agent" else "ellipse"
        lines.append(f"    {_dot_text(party.id)} [label={_dot_text(label)}, shape={shape}];")
    started = model.events[0].ms
    for by, party in _brought_in(model):
        label = f"{elapsed(party.start.ms - started)} {brought_in(party, model.media)}"
        lines.append(f"    {_dot_text(by.id)} -> {_dot_text(party.id)} [label={_dot_text(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _step_json(event: Step) -> dict:
    return {"step": event.event.removeprefix("party."), "seq": event.seq, "ms": event.ms, "reason": event.reason,
            "intent": event.intent, "visibility": event.visibility, "by": event.by}


def _decision_json(decision: Decision | None) -> dict | None:
    """A party's decision with the names of the output row's fields."""
    if decision is None:
        return None
    rule, rule_at = decision.rule_columns
    return {"resource_role": decision.resource_role, "role_reason": decision.role_reason,
            "technical_result": decision.technical_result, "result_reason": decision.result_reason,
            "record": decision.record, "rule": rule, "rule_at": rule_at}


def to_json(model: InteractionModel, decisions: Sequence[Decision] | None = None) -> str:
    """The parties with their steps and, given `decisions`, what the rules decided
    (`decision`, null without them); the typed relations between them."""
    decided = list(decisions) if decisions else [None] * len(model.parties)
    document = {
        "interaction": model.id,
        "customer_left_at": model.customer_left.ts if model.customer_left else None,
        "parties": [
            {"id": party.id, "kind": party.kind, "resource": party.resource,
             "start_seq": party.start.seq, "start_ms": party.start.ms, "start_ts": party.start.ts,
             "end_seq": party.end.seq, "end_ms": party.end.ms, "end_ts": party.end.ts,
             "steps": [_step_json(event) for event in party.events],
             "decision": _decision_json(decision)}
            for party, decision in zip(model.parties, decided, strict=True)
        ],
        "relations": [
            {"source": by.id, "target": party.id, "relation": relation_into(party),
             "intent": party.start.intent, "visibility": party.start.visibility, "seq": party.start.seq}
            for by, party in _brought_in(model)
        ],
    }
    return orjson.dumps(document).decode() + "\n"


EXPORTERS = {"mermaid": to_mermaid, "dot": to_dot, "json": to_json}
