"""The words drawings use: how a party was brought in, what a step was, how long since the start.

A diagram is read by people who know the contact center, not the event contract, so
`routes to` and `asks for a consultation` replace the contract's `(route, conference)`,
and each step carries the time elapsed since the interaction started (`+2m05s`): a
time since the start places every step on one clock, so the gap between any two steps
is one subtraction, and steps at the same instant carry the same time.
"""

from __future__ import annotations

from rulesengine.events.contract import Event
from rulesengine.model.interaction import Party, relation_into

#: what an agent's request is, as a verb phrase without its object
_REQUESTS = {
    "transfer": "transfers",
    "conference": "invites to a conference",
    "consult": "asks for a consultation",
}
#: what a strategy delivers, by the intent of the invitation it sends
_DELIVERIES = {
    "transfer": "routes the transfer to",
    "conference": "routes the conference to",
    "consult": "routes the consultation to",
}
#: visibilities worth a word: `conference` (seen by everyone) is the ordinary mode
_MODES = {"coach": "coach mode", "monitor": "monitor mode"}
_STEPS = {
    "party.accepted": "accepts",
    "party.rejected": "rejects",
    "party.revoked": "invitation withdrawn",
    "party.held": "puts the customer on hold",
    "party.retrieved": "takes the customer back",
    "party.left": "leaves",
}


def brought_in(party: Party, media: str | None) -> str:
    """How `party` came in, in plain words: `routes to`, `transfers to`, `invites to a
    conference (coach mode)`, `transfers through a queue`..."""
    first = party.start
    relation = relation_into(party)
    if relation == "submitted":  # by nobody: the interaction's entry, or its return to a queue
        thing = media or "interaction"
        words = f"submits the {thing} to" if party.index == 0 else f"the {thing} goes back to"
    elif relation == "placed":
        request = _REQUESTS.get(first.intent or "")
        words = f"{request} through a {party.kind}" if request else f"places in a {party.kind}"
    elif relation == "pulled":
        words = "pulled by"
    elif relation == "routed":
        words = _DELIVERIES.get(first.intent or "", "routes to")
    elif first.intent == "transfer":
        words = "transfers to"
    else:
        words = _REQUESTS.get(first.intent or "", "invites")
    mode = _MODES.get(first.visibility or "")
    return f"{words} ({mode})" if mode else words


def step(event: Event) -> str:
    """A party's own step after its first: `accepts`, `leaves (transfer)`..."""
    words = _STEPS[event.event]
    return f"{words} ({event.reason})" if event.reason else words


def elapsed(ms: int) -> str:
    """`+3s`, `+2m05s`: the time since the interaction started, as diagrams show it."""
    return f"+{duration(ms)}"


def duration(ms: int) -> str:
    """`3s`, `2m05s`, `1h00m07.25s`, `2d03h00m00s`: a non-negative span of milliseconds,
    down to the millisecond only when it is not whole seconds."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    fraction = f".{millis:03d}".rstrip("0") if millis else ""
    if days:
        return f"{days}d{hours:02d}h{minutes:02d}m{seconds:02d}{fraction}s"
    if hours:
        return f"{hours}h{minutes:02d}m{seconds:02d}{fraction}s"
    if minutes:
        return f"{minutes}m{seconds:02d}{fraction}s"
    return f"{seconds}{fraction}s"
