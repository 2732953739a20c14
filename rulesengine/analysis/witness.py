"""Witnesses: the interaction that shows a finding, said in one line and written as events.

A witness file holds one interaction as contract events (JSON lines, after a `#` line
saying what it shows), so `rulesengine run FILE` and `rulesengine explain FILE`
reproduce the finding with the same rule layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

#: what a later step does, said of its party
_VERBS = {"party.accepted": "accepted", "party.rejected": "declined", "party.revoked": "withdrawn",
          "party.held": "held the customer", "party.retrieved": "took the customer back", "party.left": "left"}


def describe(events: Sequence[Mapping[str, object]]) -> str:
    """The interaction in one line: `q1 entered; a1 invited by q1 (pull, monitor); q1 left; ...`."""
    interaction = str(events[0]["interaction"])
    start = int(str(events[0]["ms"]))
    parts = []
    for event in events[1:]:
        text = _step(event, f"{interaction}.")
        elapsed = int(str(event["ms"])) - start
        if elapsed:
            text = f"{_seconds(elapsed)} {text}"
        parts.append(text)
    return "; ".join(parts)


def _step(event: Mapping[str, object], prefix: str) -> str:
    name = str(event["event"])
    party = str(event.get("party", "")).removeprefix(prefix)
    if name == "customer.left":
        return "customer left"
    if name == "interaction.ended":
        return "ended"
    if name in _VERBS:
        text = f"{party} {_VERBS[name]}"
    else:
        details = [str(event[key]) for key in ("intent", "visibility") if key in event]
        by = f" by {str(event['by']).removeprefix(prefix)}" if "by" in event else ""
        verb = "invited" if name == "party.invited" else f"entered ({event['kind']})"
        text = f"{party} {verb}{by}" + (f" ({', '.join(details)})" if details else "")
        if not str(event["resource"]).endswith(f"_{party}"):
            text += f" as {event['resource']}"
    if "reason" in event:
        text += f" [{event['reason']}]"
    return text


def _seconds(ms: int) -> str:
    """+5s, +4.999s: the time since the interaction started."""
    seconds, milli = divmod(ms, 1000)
    return f"+{seconds}.{milli:03d}s" if milli else f"+{seconds}s"


def witness_text(events: Sequence[Mapping[str, object]], headline: str) -> str:
    """A witness file: a comment line, then one JSON line per event (without the reader's `ms`)."""
    lines = [f"# {headline}"]
    lines += [orjson.dumps({name: value for name, value in event.items() if name != "ms"}).decode()
              for event in events]
    return "\n".join(lines) + "\n"
