"""The event files the customization page runs on.

`chats.jsonl`: routed agents, a conference target, a decline.

- `chat-1`: Anna is routed the chat, accepts, and leaves 5 s later.
- `chat-2`: Ben is routed the chat and stays 60 s; after 15 s he invites Carla to a
  conference, who accepts and leaves 5 s later.
- `chat-3`: Dora declines the chat; the strategy routes it to Eve, who stays 20 s.

`more.jsonl`: what conditions over the whole interaction are for.

- `chat-4`: a VIP customer (attached data `segment`) waits in the queue Chat_VIP and leaves.
- `chat-5`: Fay accepts, puts the customer on hold, and the customer leaves during the hold.
- `chat-6`: Gus places the chat in the queue Chat_Escalation for a transfer and leaves at once
  (a blind transfer); a strategy routes it to Hana, who accepts.
- `chat-7`: Ivy accepts and invites the supervisor Sup_Jo to a conference; Sup_Jo accepts, Ivy
  leaves, and Sup_Jo stays with the customer to the end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

_START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _ts(seconds: int) -> str:
    return (_START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def routed_start(chat: str, agent: str) -> list[tuple[int, str, dict]]:
    """Created, queued, routed to `agent` (invited at 2 s, accepted at 5 s)."""
    return [
        (0, "interaction.created", {"media": "chat"}),
        (0, "party.entered", {"party": f"{chat}.q1", "kind": "queue", "resource": "Chat_In"}),
        (1, "party.entered", {"party": f"{chat}.s1", "kind": "strategy", "resource": "ChatRouting",
                              "by": f"{chat}.q1"}),
        (1, "party.left", {"party": f"{chat}.q1"}),
        (2, "party.invited", {"party": f"{chat}.a1", "kind": "agent", "resource": agent,
                              "by": f"{chat}.s1", "intent": "route", "visibility": "conference"}),
        (2, "party.left", {"party": f"{chat}.s1"}),
        (5, "party.accepted", {"party": f"{chat}.a1"}),
    ]


def events() -> list[dict]:
    """The three chats as event records, in `seq` order."""
    short = [*routed_start("chat-1", "Anna"),
             (10, "party.left", {"party": "chat-1.a1"}),
             (10, "customer.left", {}),
             (10, "interaction.ended", {})]
    long = [*routed_start("chat-2", "Ben"),
            (20, "party.invited", {"party": "chat-2.a2", "kind": "agent", "resource": "Carla",
                                   "by": "chat-2.a1", "intent": "conference",
                                   "visibility": "conference"}),
            (25, "party.accepted", {"party": "chat-2.a2"}),
            (30, "party.left", {"party": "chat-2.a2"}),
            (64, "customer.left", {}),
            (65, "party.left", {"party": "chat-2.a1"}),
            (65, "interaction.ended", {})]
    declined = [(0, "interaction.created", {"media": "chat"}),
                (0, "party.entered", {"party": "chat-3.q1", "kind": "queue", "resource": "Chat_In"}),
                (1, "party.entered", {"party": "chat-3.s1", "kind": "strategy",
                                      "resource": "ChatRouting", "by": "chat-3.q1"}),
                (1, "party.left", {"party": "chat-3.q1"}),
                (2, "party.invited", {"party": "chat-3.a1", "kind": "agent", "resource": "Dora",
                                      "by": "chat-3.s1", "intent": "route",
                                      "visibility": "conference"}),
                (4, "party.rejected", {"party": "chat-3.a1"}),
                (5, "party.invited", {"party": "chat-3.a2", "kind": "agent", "resource": "Eve",
                                      "by": "chat-3.s1", "intent": "route",
                                      "visibility": "conference"}),
                (5, "party.left", {"party": "chat-3.s1"}),
                (7, "party.accepted", {"party": "chat-3.a2"}),
                (27, "customer.left", {}),
                (27, "party.left", {"party": "chat-3.a2"}),
                (27, "interaction.ended", {})]
    return [*records("chat-1", short), *records("chat-2", long), *records("chat-3", declined)]


def more_events() -> list[dict]:
    """The four chats of `more.jsonl` as event records, in `seq` order."""
    vip = [(0, "interaction.created", {"media": "chat", "data": {"segment": "VIP"}}),
           (0, "party.entered", {"party": "chat-4.q1", "kind": "queue", "resource": "Chat_VIP"}),
           (95, "customer.left", {"reason": "customer_left"}),
           (95, "interaction.ended", {})]
    held = [*routed_start("chat-5", "Fay"),
            (40, "party.held", {"party": "chat-5.a1"}),
            (100, "customer.left", {}),
            (101, "party.left", {"party": "chat-5.a1"}),
            (101, "interaction.ended", {})]
    blind = [*routed_start("chat-6", "Gus"),
             (30, "party.entered", {"party": "chat-6.q2", "kind": "queue", "resource": "Chat_Escalation",
                                    "by": "chat-6.a1", "intent": "transfer"}),
             (30, "party.left", {"party": "chat-6.a1", "reason": "transfer"}),
             (45, "party.entered", {"party": "chat-6.s2", "kind": "strategy", "resource": "ChatRouting",
                                    "by": "chat-6.q2"}),
             (45, "party.left", {"party": "chat-6.q2"}),
             (46, "party.invited", {"party": "chat-6.a2", "kind": "agent", "resource": "Hana",
                                    "by": "chat-6.s2", "intent": "route"}),
             (46, "party.left", {"party": "chat-6.s2"}),
             (50, "party.accepted", {"party": "chat-6.a2"}),
             (200, "customer.left", {}),
             (201, "party.left", {"party": "chat-6.a2"}),
             (201, "interaction.ended", {})]
    supervised = [*routed_start("chat-7", "Ivy"),
                  (60, "party.invited", {"party": "chat-7.a2", "kind": "agent", "resource": "Sup_Jo",
                                         "by": "chat-7.a1", "intent": "conference",
                                         "visibility": "conference"}),
                  (64, "party.accepted", {"party": "chat-7.a2"}),
                  (90, "party.left", {"party": "chat-7.a1"}),
                  (300, "customer.left", {}),
                  (301, "party.left", {"party": "chat-7.a2"}),
                  (301, "interaction.ended", {})]
    return [*records("chat-4", vip), *records("chat-5", held), *records("chat-6", blind),
            *records("chat-7", supervised)]


def records(chat: str, steps: list[tuple[int, str, dict]]) -> list[dict]:
    """Event records from (seconds, event, fields) steps, numbered from seq 1."""
    return [{"interaction": chat, "seq": seq, "ts": _ts(at), "event": name, **fields}
            for seq, (at, name, fields) in enumerate(steps, start=1)]


def text(items: list[dict] | None = None) -> str:
    """`items` (by default the page's chats) as JSON lines."""
    chosen = events() if items is None else items
    return "".join(orjson.dumps(event).decode() + "\n" for event in chosen)


def write(path: Path, items: list[dict] | None = None) -> Path:
    path.write_text(text(items), encoding="utf-8")
    return path
