"""Reading event lines and validating each one against the event contract.

A line is checked on its own here: JSON syntax, field presence, types, enumerations
and timestamps. Whether the events of one interaction fit together is the
assembler's job (`rulesengine.events.assemble`). Validation is one straight-line function
per line with precomputed sets, because inputs run to millions of lines.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from types import MappingProxyType
from typing import Annotated, Literal

import attrs
import msgspec
import orjson
from msgspec.structs import replace

from rulesengine.diagnostics import Diagnostic, Position, did_you_mean, error
from rulesengine.events.contract import (
    EVENT_TYPES,
    INTENTS,
    KINDS,
    MEDIATION_KINDS,
    NO_DATA,
    PARTY_EVENT_TYPES,
    VISIBILITIES,
    Event,
)
from rulesengine.events.parquet import ParquetUnavailable, event_lines, is_parquet
from rulesengine.events.salvage import has_unicode_escape, key_offset, too_deep, top_level_string
from rulesengine.speedups.timestamps import KEPT, utc_ms

STDIN = "-"
STDIN_NAME = "<stdin>"

_EVENT_TYPES = frozenset(EVENT_TYPES)
_KINDS = frozenset(KINDS)
_MEDIATION_KINDS = frozenset(MEDIATION_KINDS)
_INTENTS = frozenset(INTENTS)
_VISIBILITIES = frozenset(VISIBILITIES)
#: Optional string fields, checked for type wherever they appear.
_OPTIONAL_TEXT = ("party", "kind", "resource", "by", "intent", "visibility", "reason", "media")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_BOM = b"\xef\xbb\xbf"
#: an `"interaction"` key and its value, unescaped, found in the raw text of a line
INTERACTION_ID = re.compile(rb'"interaction"\s*:\s*"([^"\\]*)"')
#: the same, as the first key of a line: then certainly its own top-level key
_LEADING_ID = re.compile(rb'\s*\{\s*"interaction"\s*:\s*"([^"\\]*)"')
_INTERACTION_KEY = b'"interaction"'
_INTERACTION_ENDED = b'"interaction.ended"'
#: the deepest a line may nest (`data` or a field outside the contract); deeper is E101
MAX_NESTING = 512
_TS_HINT = "write RFC 3339 with a zone, e.g. 2026-03-02T10:00:07.250Z or 2026-03-02T11:00:07+01:00"


class InputError(Exception):
    """An input that cannot be read at all (missing file, directory, no permission)."""


class LoadedLine(msgspec.Struct, frozen=True, gc=False):
    """One event line as read: its event when valid, otherwise what is wrong with it.

    `interaction` is the interaction id whenever it could be read, even from an
    invalid line, so that the bad line can reject its own interaction. `closes`
    says the line is an `interaction.ended`, valid or not. The main job reads valid
    lines as bare `Event`s (`read_line`), which carry their place and text too.
    """

    position: Position
    raw: bytes
    event: Event | None
    interaction: str | None
    diagnostics: tuple[Diagnostic, ...] = ()
    closes: bool = False


@attrs.define
class ReadCounts:
    """How many physical lines were read, blank and comment lines included."""

    lines: int = 0


def field_column(raw: bytes, field: str) -> int:
    """The 1-based column of the line's own (top-level) key `"field"`, or 1 if it has none."""
    start = key_offset(raw, field)
    return 1 if start is None else _column(raw, start)


def _column(raw: bytes, offset: int) -> int:
    """The 1-based column, in characters, of a byte offset."""
    return len(raw[:offset].decode("utf-8", "replace")) + 1


def field_problem(raw: bytes, position: Position, code: str, field: str, message: str,
                  hint: str | None = None) -> Diagnostic:
    """A diagnostic about `field` of a raw line, with the caret under its key."""
    return error(code, message, replace(position, col=field_column(raw, field)),
                 source_line=raw.decode("utf-8", "replace"), hint=hint)


@functools.lru_cache(maxsize=KEPT)
def timestamp_ms(ts: str) -> int | None:
    """Epoch milliseconds of an RFC 3339 timestamp with a zone, or None if it is not one.

    Events of one moment share their timestamp, so recent answers are remembered;
    the usual UTC shapes are read a minute at a time (`speedups.timestamps`).
    """
    ms = utc_ms(ts, _minute_ms)
    return _parse_ms(ts) if ms is None else ms


@functools.lru_cache(maxsize=KEPT)
def _minute_ms(prefix: str) -> int | None:
    return _parse_ms(prefix + ":00Z")


def _parse_ms(ts: str) -> int | None:
    if (len(ts) < 20 or ts[4] != "-" or ts[7] != "-" or ts[10] not in "Tt"
            or ts[13] != ":" or ts[16] != ":" or ts[19] not in ".Zz+-"):
        return None
    if ts[-1] not in "Zz" and (ts[-6] not in "+-" or ts[-3] != ":"):
        return None
    if ts[19] == "." and not ts[20:21].isdigit():
        return None
    if ts[10] == "t" or ts[-1] == "z":
        ts = ts.upper()
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return (moment - _EPOCH) // _ONE_MS


def parse_line(raw: bytes, path: str, line: int) -> LoadedLine:
    """Validate one non-blank line (without its line ending) into an event or diagnostics."""
    read = read_line(raw, path, line)
    if type(read) is LoadedLine:
        return read
    return LoadedLine(read.source, raw, read, read.interaction, (), read.event == "interaction.ended")


def read_line(raw: bytes, path: str, line: int) -> Event | LoadedLine:
    """`parse_line` for the main job: a valid line is its `Event` alone, a bad one a `LoadedLine`."""
    position = Position(path, line)
    return _decoded_event(raw, position) or _checked(raw, position)


def _checked(raw: bytes, position: Position) -> Event | LoadedLine:
    """What the full checks make of a line the short cut refused: its event, or its problems."""
    checked = _checked_line(raw, position)
    return checked.event if checked.event is not None else checked


def _checked_line(raw: bytes, position: Position) -> LoadedLine:
    """The full checks of one line, which say exactly what is wrong with it."""
    deepest = too_deep(raw, MAX_NESTING)
    if deepest is not None:
        return _unreadable(raw, position, error(
            "E101", f"invalid JSON: nested deeper than {MAX_NESTING} levels",
            replace(position, col=_column(raw, deepest)), source_line=raw.decode("utf-8", "replace"),
            hint=f"no value of an event nests more than {MAX_NESTING} levels deep"))
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _unreadable(raw, position, _unparsable(raw, position, exc))
    if type(record) is not dict:
        return LoadedLine(position, raw, None, None, (error(
            "E106", f"an event line must be a JSON object, not {_json_type(record)}",
            position, source_line=raw.decode("utf-8", "replace"),
            hint='write one object per line: {"interaction": ...}'),))
    check = _LineCheck(raw, position)

    interaction = record.get("interaction")
    if interaction is None:
        check.missing("interaction", "every event names its interaction")
    elif type(interaction) is not str or not interaction:
        check.wrong_type("interaction", interaction, "a non-empty string")
        interaction = None

    seq = record.get("seq")
    if seq is None:
        check.missing("seq", "every event has its order inside the interaction")
    elif type(seq) is not int or seq < 0:
        check.wrong_type("seq", seq, "an integer >= 0")

    ts = record.get("ts")
    ms = None
    if ts is None:
        check.missing("ts", _TS_HINT)
    elif type(ts) is not str:
        check.wrong_type("ts", ts, "an RFC 3339 string")
    else:
        ms = timestamp_ms(ts)
        if ms is None:
            check.add("E105", "ts", f"'ts' is not an RFC 3339 timestamp: {ts!r}", _TS_HINT)

    name = record.get("event")
    if name is None:
        check.missing("event", "one of: " + ", ".join(EVENT_TYPES))
    elif type(name) is not str:
        check.wrong_type("event", name, "a string")
        name = None
    elif name not in _EVENT_TYPES:
        check.unknown("event", name, _EVENT_TYPES)
        name = None

    text: dict[str, str] = {}
    for field in _OPTIONAL_TEXT:
        value = record.get(field)
        if value is None:
            continue
        if type(value) is not str or not value:
            check.wrong_type(field, value, "a non-empty string")
        else:
            text[field] = value
    kind, intent, visibility = text.get("kind"), text.get("intent"), text.get("visibility")
    if kind is not None and kind not in _KINDS:
        check.unknown("kind", kind, _KINDS)
    if intent is not None and intent not in _INTENTS:
        check.unknown("intent", intent, _INTENTS)
    if visibility is not None and visibility not in _VISIBILITIES:
        check.unknown("visibility", visibility, _VISIBILITIES)

    data = record.get("data")
    if data is not None and type(data) is not dict:
        check.wrong_type("data", data, "a JSON object")

    if name is not None:
        needed = _NEEDED[name]
        for field in needed:
            if record.get(field) is None:
                check.add("E102", field, f"missing field '{field}' on {name}", _NEEDED_HINTS[field])
        if name == "party.invited" and kind in _MEDIATION_KINDS:
            check.add("E107", "kind", f"a {kind} party cannot be invited",
                      "queues, strategies and workbins arrive with party.entered")
        elif name == "party.entered" and kind == "agent":
            check.add("E107", "kind", "an agent party cannot enter", "agents arrive with party.invited")

    closes = name == "interaction.ended"
    if check.problems:
        return LoadedLine(position, raw, None, interaction, tuple(check.problems), closes)
    event = Event(
        interaction=interaction, seq=seq, ts=ts, ms=ms, event=name,
        party=text.get("party"), kind=kind, resource=text.get("resource"), by=text.get("by"),
        intent=intent, visibility=visibility, reason=text.get("reason"), media=text.get("media"),
        data=MappingProxyType(data) if data else NO_DATA, source=position, raw=raw,
    )
    return LoadedLine(position, raw, event, interaction, (), closes)


def _decoded_event(raw: bytes, position: Position) -> Event | None:
    """The event of a line that passes every check of `_checked_line`, else None.

    Nearly every line is valid, so msgspec decodes it straight into `_ValidLine`,
    checking types, enumerations and non-empty strings in C, and only what a type
    cannot say is checked here. Fields outside the contract are kept and ignored, as
    the contract says: such a line is decoded again allowing them, and read whole by
    orjson too, since msgspec only skims the values it ignores. Any doubt (a wrong
    type, a missing field, a line orjson refuses) returns None and the line goes
    through the full checks, which say exactly what is wrong. It must never accept
    a line the full checks would refuse (the performance tests compare them).
    """
    record = None
    try:
        line = _decode(raw)
    except msgspec.ValidationError:  # a wrong value, or a field outside the contract
        try:
            line = _decode_with_extras(raw)
            record = orjson.loads(raw)
        except (ValueError, RecursionError):
            return None
    # msgspec's other errors, and UnicodeDecodeError, are ValueErrors; a value it skims
    # recurses, so a deep one can exhaust the stack (how deep depends on the caller's)
    except (ValueError, RecursionError):
        return None
    if (record is not None or line.data) and too_deep(raw, MAX_NESTING) is not None:
        return None
    name = line.event
    for field in _NEEDED[name]:
        if getattr(line, field) is None:
            return None
    kind = line.kind
    if (name == "party.invited" and kind in _MEDIATION_KINDS) or (name == "party.entered" and kind == "agent"):
        return None
    data = NO_DATA
    if line.data:
        # msgspec only skims a raw value (and any earlier copy of its key): the whole
        # line is read by orjson too, exactly as the full checks read it
        if record is None:
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return None
        value = record["data"]
        if type(value) is dict:
            data = MappingProxyType(value) if value else NO_DATA
        elif value is not None:
            return None
    ms = timestamp_ms(line.ts)
    if ms is None:
        return None
    return Event(line.interaction, line.seq, line.ts, ms, name, line.party, kind, line.resource, line.by,
                 line.intent, line.visibility, line.reason, line.media, data, position, raw)


_Text = Annotated[str, msgspec.Meta(min_length=1)]


class _ValidLine(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """An event line as the contract allows it, for msgspec to decode and check at once.

    Extra fields are forbidden here only so that such lines are noticed: they are
    decoded again as `_ValidLineWithExtras` and read whole by orjson as well (an
    extra field still has to be valid JSON). `data` stays raw: a line that has it is
    read with orjson as well, as the full checks read it.
    """

    interaction: _Text
    seq: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
    ts: str
    event: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    party: _Text | None = None
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    resource: _Text | None = None
    by: _Text | None = None
    intent: Literal[INTENTS] | None = None  # type: ignore[valid-type]
    visibility: Literal[VISIBILITIES] | None = None  # type: ignore[valid-type]
    reason: _Text | None = None
    media: _Text | None = None
    data: msgspec.Raw = msgspec.Raw()


class _ValidLineWithExtras(_ValidLine, forbid_unknown_fields=False):
    """A valid event line that also has fields outside the contract, which msgspec skips."""


_decode = msgspec.json.Decoder(_ValidLine).decode
_decode_with_extras = msgspec.json.Decoder(_ValidLineWithExtras).decode


#: Fields an event type needs beyond the four every event has.
_NEEDED: dict[str, tuple[str, ...]] = {
    "interaction.created": ("media",),
    "party.entered": ("party", "kind", "resource"),
    "party.invited": ("party", "kind", "resource", "by", "intent"),
    **{name: ("party",) for name in PARTY_EVENT_TYPES
       if name not in ("party.entered", "party.invited")},
    "customer.left": (),
    "interaction.ended": (),
}
_NEEDED_HINTS = {
    "media": 'say what the interaction is, e.g. "media": "chat"',
    "party": "name the participation this event belongs to",
    "kind": "the first event of a party says what it is: " + ", ".join(KINDS),
    "resource": "the first event of a party names the agent, queue, strategy or workbin",
    "by": "name the party that invited this agent",
    "intent": "say why the agent is invited: " + ", ".join(INTENTS),
}


class _LineCheck:
    """Collects the problems of one line; only built, and only costly, when a line is parsed."""

    __slots__ = ("raw", "position", "problems")

    def __init__(self, raw: bytes, position: Position) -> None:
        self.raw = raw
        self.position = position
        self.problems: list[Diagnostic] = []

    def add(self, code: str, field: str, message: str, hint: str | None = None) -> None:
        self.problems.append(field_problem(self.raw, self.position, code, field, message, hint))

    def missing(self, field: str, hint: str) -> None:
        self.add("E102", field, f"missing field '{field}'", hint)

    def wrong_type(self, field: str, value: object, expected: str) -> None:
        shown = orjson.dumps(value).decode()
        if len(shown) > 40:
            shown = shown[:37] + "..."
        self.add("E103", field, f"field '{field}' must be {expected}, not {shown}")

    def unknown(self, field: str, value: str, known: frozenset[str]) -> None:
        hint = did_you_mean(value, known) or "one of: " + ", ".join(sorted(known))
        self.add("E104", field, f"unknown {field} '{value}'", hint)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _unreadable(raw: bytes, position: Position, problem: Diagnostic) -> LoadedLine:
    """A line that cannot be read as JSON, with what its text still says of its interaction."""
    closes = _INTERACTION_ENDED in raw and top_level_string(raw, "event") == "interaction.ended"
    return LoadedLine(position, raw, None, _salvaged_interaction(raw), (problem,), closes)


def _salvaged_interaction(raw: bytes) -> str | None:
    """The interaction id of a line that is not JSON, when its own top-level key still shows it.

    With the id known, the line rejects its own interaction instead of silently
    leaving a hole in it; an id found only inside a value (`data` quoting another
    event) is not the line's, and in any doubt the line stands alone. The usual
    broken line, cut short after its leading id with no other "interaction" key in
    it (and no `\\u` escape that could spell one), takes a short cut.
    """
    leading = _LEADING_ID.match(raw)
    if leading is not None and raw.count(_INTERACTION_KEY) == 1 and not has_unicode_escape(raw):
        return leading.group(1).decode("utf-8", "replace") or None
    return top_level_string(raw, "interaction")


def _unparsable(raw: bytes, position: Position, exc: orjson.JSONDecodeError) -> Diagnostic:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        column = len(raw[:bad.start].decode("utf-8", "replace")) + 1
        return error("E100", f"line is not valid UTF-8 (byte 0x{raw[bad.start]:02x})",
                     replace(position, col=column), source_line=raw.decode("utf-8", "replace"),
                     hint="event files are UTF-8; re-encode the file or fix the adapter")
    return error("E101", f"invalid JSON: {exc.msg}", replace(position, col=exc.pos + 1),
                 source_line=text, hint="each line holds exactly one JSON object")


#: which lines of each block one reader takes: per block, in order, its number of lines and
#: the `(index in the block, raw line)` pairs taken
Select = Callable[[Iterator[list[bytes]]], Iterator[tuple[int, Iterable[tuple[int, bytes]]]]]


def read_lines(sources: Sequence[str], counts: ReadCounts | None = None,
               select: Select | None = None) -> Iterator[Event | LoadedLine]:
    """Every event line of every source, in order, as `read_line` gives it; `-` is stdin.

    All paths are checked before the first line is read, so an unreadable one
    raises `InputError` before anything is produced. With `select`, only the lines it
    takes from each block (raw, line ending included) are parsed and produced;
    every line is still counted, so line numbers stay those of the file. `counts`
    reaches the line just produced, and the total at the end of each source.
    """
    for source in sources:
        _check_readable(source)
    counts = counts if counts is not None else ReadCounts()
    for source in sources:
        if source == STDIN:
            yield from _lines_of(sys.stdin.buffer, STDIN_NAME, counts, select)
            continue
        if is_parquet(source):
            yield from _parquet_lines(source, counts, select)
            continue
        try:
            handle = open(source, "rb")
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        with handle:
            yield from _lines_of(handle, source, counts, select)


def _parquet_lines(source: str, counts: ReadCounts, select: Select | None) -> Iterator[Event | LoadedLine]:
    """A Parquet file's rows as event lines (row N is line N); unreadable files are input errors."""
    try:
        yield from _lines_of(event_lines(source), source, counts, select)
    except ParquetUnavailable as problem:
        raise InputError(f"cannot read {source}: {problem}") from None
    except (OSError, ValueError) as problem:  # pyarrow's errors for files that are not Parquet
        raise InputError(f"cannot read {source}: not a readable Parquet file ({problem})") from None


def _check_readable(source: str) -> None:
    if source == STDIN:
        return
    if os.path.isdir(source):
        raise InputError(f"cannot read {source}: it is a directory")
    if not os.path.exists(source):
        raise InputError(f"cannot read {source}: no such file")
    if not os.access(source, os.R_OK):
        raise InputError(f"cannot read {source}: permission denied")


def _lines_of(handle: Iterable[bytes], path: str, counts: ReadCounts,
              select: Select | None) -> Iterator[Event | LoadedLine]:
    first = counts.lines
    number = 0
    try:
        blocks = _blocks(handle)
        taken = ((len(block), enumerate(block)) for block in blocks) if select is None else select(blocks)
        for size, chosen in taken:
            for index, raw in chosen:
                line = number + index + 1
                if raw[:1] != b"{":
                    if line == 1 and raw.startswith(_BOM):
                        raw = raw[len(_BOM):]
                    stripped = raw.strip()
                    if not stripped or stripped[:1] == b"#":
                        continue
                counts.lines = first + line
                yield read_line(raw.rstrip(b"\r\n"), path, line)
            number += size
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    counts.lines = first + number


#: bytes of lines read at a time
_BLOCK = 1 << 18


def _blocks(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    """Lines in lists of about `_BLOCK` bytes (a file) or 1,000 lines (any other iterable)."""
    if hasattr(lines, "readlines"):
        yield from iter(lambda: lines.readlines(_BLOCK), [])
        return
    lines = iter(lines)
    yield from iter(lambda: list(islice(lines, 1000)), [])
