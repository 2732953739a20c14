"""A shape made concrete: contract events with times and names, as `run` reads them.

Every step of a shape happens at the same instant unless a variant says otherwise:
then all durations are 0 and each `before`/`after` is told by `seq`. A variant varies
one party: the time before its answer, before the step after its hold and before its
end (each from the duration classes of the rules), its resource, the reason of its
last step, and the attached data of the interaction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from rulesengine.analysis.shapes import Shape
from rulesengine.events.contract import RECORDS, AnyEvent
from rulesengine.events.generate import EPOCH, format_ts

#: the steps that answer an invitation
_ANSWERS = ("party.accepted", "party.rejected", "party.revoked")
#: the steps that end a party before the interaction does
_ENDS = ("party.left", "party.rejected", "party.revoked")
_EPOCH_MS = int(EPOCH.timestamp() * 1000)


@attrs.frozen
class Variant:
    """What a concrete interaction of a shape varies, for one of its parties."""

    party: str | None = None
    #: step index → milliseconds before that step
    gaps: Mapping[int, int] = attrs.field(factory=lambda: MappingProxyType({}))
    resource: str | None = None
    #: the visibility of its invitation, when it has one
    visibility: str | None = None
    #: the reason of the party's last step
    reason: str | None = None
    data: Mapping[str, object] = attrs.field(factory=lambda: MappingProxyType({}))


BASE = Variant()


def windows(shape: Shape, party: str, durations: frozenset[str] = frozenset({"alert", "hold", "engage"})
            ) -> tuple[int, ...]:
    """The steps whose gap before them sets the party's own `durations` (alert, hold, engage,
    stay): its answer (alert), the step after its hold (hold) and its end (engage, stay)."""
    places = [index for index, step in enumerate(shape) if step.party == party]
    found = []
    answer = next((index for index in places if shape[index].event in _ANSWERS), None)
    if answer is not None and durations & {"alert", "stay"}:
        found.append(answer)
    held = next((index for index in places if shape[index].event == "party.held"), None)
    if held is not None and "hold" in durations:
        found.append(held + 1)
    if durations & {"engage", "stay", "alert"}:
        found.append(next((index for index in places if shape[index].event in _ENDS), len(shape) - 1))
    return tuple(sorted(set(found)))


def last_step(shape: Shape, party: str) -> int:
    """The index of the party's last step (-1 when the shape has no such party)."""
    return max((index for index, step in enumerate(shape) if step.party == party), default=-1)


def events(shape: Shape, variant: Variant, interaction: str) -> list[dict[str, object]]:
    """The shape as contract events (dicts, as a JSON line holds them, plus `ms`)."""
    out: list[dict[str, object]] = []
    ms = _EPOCH_MS
    reason_at = last_step(shape, variant.party) if variant.reason is not None and variant.party else -1
    stamps: dict[int, str] = {}
    for index, step in enumerate(shape):
        ms += variant.gaps.get(index, 0)
        ts = stamps.get(ms) or stamps.setdefault(ms, format_ts(ms - _EPOCH_MS))
        event: dict[str, object] = {"interaction": interaction, "seq": index + 1, "ts": ts, "event": step.event}
        if step.event == "interaction.created":
            event["media"] = "chat"
            if variant.data:
                event["data"] = dict(variant.data)
        if step.party is not None:
            event["party"] = f"{interaction}.{step.party}"
        if step.kind is not None:
            event["kind"] = step.kind
            named = variant.resource if step.party == variant.party and variant.resource else None
            event["resource"] = named or f"{step.kind.capitalize()}_{step.party}"
        if step.by is not None:
            event["by"] = f"{interaction}.{step.by}"
        if step.intent is not None:
            event["intent"] = step.intent
        visibility = variant.visibility if step.party == variant.party and step.kind == "agent" else None
        if (visibility or step.visibility) is not None:
            event["visibility"] = visibility or step.visibility
        if index == reason_at:
            event["reason"] = variant.reason
        event["ms"] = ms
        out.append(event)
    return out


_RECORDS: Mapping[str, type] = MappingProxyType({record.event: record for record in RECORDS})


def records(shape: Shape, variant: Variant, interaction: str) -> list[AnyEvent]:
    """The same events as `events` gives, built as the reader's records straight away: the
    search decides thousands of interactions and needs no JSON."""
    return [_record(event) for event in events(shape, variant, interaction)]


@functools.lru_cache(maxsize=4096)
def _record_of(items: tuple[tuple[str, object], ...]) -> AnyEvent:
    fields = dict(items)
    return _RECORDS[str(fields.pop("event"))](**fields)


def _record(event: dict[str, object]) -> AnyEvent:
    """One event dict as its record; the same steps recur in thousands of shapes."""
    if "data" in event:
        fields = dict(event)
        return _RECORDS[str(fields.pop("event"))](**fields)
    return _record_of(tuple(event.items()))
