"""What converting gives: an interaction's contract events, or a record that could not be mapped.

Adapters never drop what they cannot map: it becomes an `Unmapped` with
diagnostics that name the source file, the record and the field (codes `A1xx`,
listed in docs/adapters.md). What an adapter had to assume to map a record (a
queue it made up, a timestamp it repaired) is counted in `ConversionStats` under
one of `ASSUMPTIONS`, and noted in the events' `data`.
"""

from __future__ import annotations

from collections import Counter

import attrs

from rulesengine.adapters.records import Place
from rulesengine.diagnostics import Diagnostic, error

#: what an adapter may assume, with the noun the summary counts it by (singular, plural)
ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "repaired_timestamp": ("timestamp repaired", "timestamps repaired"),
    "clamped_handoff": ("handoff clamped", "handoffs clamped"),
    "synthetic_queue": ("synthetic queue", "synthetic queues"),
    "unlinked": ("link dropped", "links dropped"),
    "end_from_segments": ("end taken from the last segment", "ends taken from the last segment"),
    "start_from_segments": ("start taken from the first segment", "starts taken from the first segment"),
    "customer_from_user": ("internal caller taken as the customer", "internal callers taken as the customer"),
    "created_from_first_event": ("task start taken from its first event", "task starts taken from their first event"),
    "record_of_other_task": ("record filed under its reservation's task",
                             "records filed under their reservation's task"),
    "duplicate_record": ("duplicate record ignored", "duplicate records ignored"),
}

#: diagnostic codes of the adapters, each documented in docs/adapters.md
NOT_JSON = "A101"
BAD_SHAPE = "A102"
BAD_TIME = "A103"
CONTRADICTION = "A104"
NO_INTERACTION = "A105"
LATE_RECORD = "A106"


@attrs.frozen
class Converted:
    """One interaction's contract events (dicts, in `seq` order), and the record it came from."""

    interaction: str
    events: tuple[dict, ...]
    place: Place
    ended: bool


@attrs.frozen
class Unmapped:
    """Records that give no interaction, and why; `interaction` when the records name one."""

    interaction: str | None
    problems: tuple[Diagnostic, ...]


@attrs.define
class ConversionStats:
    """Counts for the summary: records read, interactions written, what was assumed or ignored."""

    records: int = 0
    interactions: int = 0
    open: int = 0
    rejected: int = 0
    assumed: Counter = attrs.field(factory=Counter)
    ignored: Counter = attrs.field(factory=Counter)
    unnamed: set[str] = attrs.field(factory=set)
    #: the `Unmapped` items of a conversion run through the Python API (the CLI writes them out)
    rejections: list[Unmapped] = attrs.field(factory=list)


def problem(place: Place, code: str, message: str, hint: str | None = None) -> Diagnostic:
    """A diagnostic about a source record, at its line (JSON lines) or its document."""
    return error(code, place.label() + message, place.position, hint=hint)


def field_path(*parts: str | int) -> str:
    """`participants[0].sessions[1].segments[2].segmentStart` from its keys and indexes."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Rejected(Exception):
    """The record cannot be mapped; `code` and `message` say which field and why."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def json_type(value: object) -> str:
    """How a message names a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
