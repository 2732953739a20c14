"""Small valid interactions as event records, and helpers to turn them into input lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from rulesengine.events.read import LoadedLine, parse_line

_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ts(seconds: float) -> str:
    """An RFC 3339 time `seconds` after 2026-03-02T10:00:00Z."""
    moment = _START + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record(interaction: str, seq: int, event: str, at: float | None = None, **fields) -> dict:
    """One event record; `at` (seconds) defaults to `seq`, so times never go backwards."""
    return {"interaction": interaction, "seq": seq, "ts": ts(seq if at is None else at),
            "event": event, **fields}


def _routed_to_agent1(i: str, **invitation: str) -> list[tuple[str, dict]]:
    """The usual start: queue, strategy, Agent1 invited with intent route and accepting."""
    return [
        ("interaction.created", {"media": "chat"}),
        ("party.entered", {"party": f"{i}.q1", "kind": "queue", "resource": "Chat_In"}),
        ("party.entered", {"party": f"{i}.s1", "kind": "strategy", "resource": "ChatRouting",
                           "by": f"{i}.q1"}),
        ("party.left", {"party": f"{i}.q1"}),
        ("party.invited", {"party": f"{i}.a1", "kind": "agent", "resource": "Agent1", "by": f"{i}.s1",
                           "intent": "route", **invitation}),
        ("party.left", {"party": f"{i}.s1"}),
        ("party.accepted", {"party": f"{i}.a1"}),
    ]


def transfer(interaction: str = "c3") -> list[dict]:
    """The contract's example: agent 1 transfers the chat to agent 2, who accepts."""
    i = interaction
    steps = [
        *_routed_to_agent1(i, visibility="conference"),
        ("party.invited", {"party": f"{i}.a2", "kind": "agent", "resource": "Agent2", "by": f"{i}.a1",
                           "intent": "transfer"}),
        ("party.accepted", {"party": f"{i}.a2"}),
        ("party.left", {"party": f"{i}.a1"}),
        ("customer.left", {}),
        ("party.left", {"party": f"{i}.a2"}),
        ("interaction.ended", {}),
    ]
    return [record(i, seq, name, **fields) for seq, (name, fields) in enumerate(steps, start=1)]


def routed(interaction: str = "r1", *, ended: bool = True) -> list[dict]:
    """The shortest usual chat: queue, strategy, one agent who accepts and finishes."""
    i = interaction
    steps = [*_routed_to_agent1(i), ("party.left", {"party": f"{i}.a1"})]
    if ended:
        steps.append(("interaction.ended", {}))
    return [record(i, seq, name, **fields) for seq, (name, fields) in enumerate(steps, start=1)]


def line(item: dict) -> bytes:
    return orjson.dumps(item)


def write(path: Path, items: Iterable[dict | str]) -> Path:
    """Write records (or literal text lines) as a JSON lines file."""
    text = b"".join((item.encode() if isinstance(item, str) else line(item)) + b"\n" for item in items)
    path.write_bytes(text)
    return path


def loaded(items: Sequence[dict], path: str = "t.jsonl") -> list[LoadedLine]:
    """Parse records as if they were lines 1..n of `path`."""
    return [parse_line(line(item), path, number) for number, item in enumerate(items, start=1)]


def mistyped_intent(interaction: str = "bad") -> list[dict]:
    """`routed` with its invitation's intent mistyped (`rout`): the loader rejects the
    interaction at its fifth event."""
    events = routed(interaction)
    events[4]["intent"] = "rout"
    return events
