"""Reading event lines and holding each one to the event contract.

A line is checked on its own here: JSON syntax, then the record class of its event
type (`rulesengine.events.contract`). Whether the events of one interaction fit
together is the assembler's job (`rulesengine.events.assemble`). Inputs run to
millions of lines, nearly all of them valid: msgspec decodes a line straight into its
typed record, checking it in C, and only a line it refuses is read again, by orjson,
for the diagnostic pass (`rulesengine.events.diagnose`) to say what is wrong with it.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from itertools import compress, islice, repeat
from operator import attrgetter, is_not
from types import MappingProxyType
from typing import IO, Any, final

import attrs
import msgspec
import orjson
from msgspec.structs import force_setattr, replace

from rulesengine.diagnostics import Diagnostic, Position, error
from rulesengine.events.compressed import (
    Compression,
    UnreadableCompression,
    compression_of,
    uncompressed,
    without_compression_suffix,
)
from rulesengine.events.contract import (
    NO_DATA,
    NOWHERE,
    READER_FIELDS,
    RECORDS,
    TAG,
    AnyEvent,
)
from rulesengine.events.rfc3339 import timestamp_ms
from rulesengine.events.salvage import (
    has_unicode_escape,
    key_offset,
    too_deep,
    top_level_string,
)

STDIN = "-"
STDIN_NAME = "<stdin>"

_BOM = b"\xef\xbb\xbf"
#: how every Parquet file starts and ends
_PARQUET_MAGIC = b"PAR1"
#: an `"interaction"` key and its value, unescaped, found in the raw text of a line
INTERACTION_ID = re.compile(rb'"interaction"\s*:\s*"([^"\\]*)"')
#: the same, as the first key of a line: then certainly its own top-level key
_LEADING_ID = re.compile(rb'\s*\{\s*"interaction"\s*:\s*"([^"\\]*)"')
_INTERACTION_KEY = b'"interaction"'
_INTERACTION_ENDED = b'"interaction.ended"'
_ENDED = "interaction.ended"
#: the deepest a line may nest (`data` or a field outside the contract); deeper is E101
MAX_NESTING = 512


class InputError(Exception):
    """An input that cannot be read at all (missing file, directory, no permission)."""


@final  # so that `type(line) is LoadedLine`, much quicker than `isinstance`, narrows too
class LoadedLine(msgspec.Struct, frozen=True, gc=False):
    """One event line as read: its event when valid, otherwise what is wrong with it.

    `interaction` is the interaction id whenever it could be read, even from an
    invalid line, so that the bad line can reject its own interaction. `closes`
    says the line is an `interaction.ended`, valid or not. The main job reads valid
    lines as bare events (`read_line`), which carry their place and text too.
    """

    position: Position
    raw: bytes
    event: AnyEvent | None
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


def parse_line(raw: bytes, path: str, line: int) -> LoadedLine:
    """Validate one non-blank line (without its line ending) into an event or diagnostics."""
    read = read_line(raw, path, line)
    if type(read) is LoadedLine:
        return read
    return LoadedLine(read.source, raw, read, read.interaction, (), read.event == _ENDED)


def read_line(raw: bytes, path: str, line: int) -> AnyEvent | LoadedLine:
    """`parse_line` for the main job: a valid line is its event alone, a bad one a `LoadedLine`."""
    position = Position(path, line)
    return _decoded_event(raw, position) or _checked(raw, position)


def _checked(raw: bytes, position: Position) -> AnyEvent | LoadedLine:
    """What the diagnostic pass makes of a line the decoder refused: its event, or its problems."""
    checked = _checked_line(raw, position)
    return checked.event if checked.event is not None else checked


def _checked_line(raw: bytes, position: Position) -> LoadedLine:
    """The diagnostic pass over one line, which says exactly what is wrong with it."""
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
    tag = record.get(TAG)
    closes = tag == _ENDED
    record_class = _RECORD_OF.get(tag) if type(tag) is str else None
    event = None if record_class is None else _converted(record, record_class, position, raw)
    if event is None:
        # the diagnostic pass, loaded by the first line that needs it: reading its rules off the
        # record classes costs a start-up that a stream of valid lines never pays
        from rulesengine.events.diagnose import problems

        found = problems(record)
        if found or record_class is None:
            interaction = None if any(problem.field == "interaction" for problem in found) else record["interaction"]
            return LoadedLine(position, raw, None, interaction, tuple(
                field_problem(raw, position, problem.code, problem.field, problem.message, problem.hint)
                for problem in found), closes)
        # valid, with a field of the contract that its event type does not have: ignored
        event = _converted(record, record_class, position, raw, foreign_checked=True)
        if event is None:
            raise AssertionError(f"the record class refuses a line the diagnostic pass accepts: {raw!r}")
    return LoadedLine(position, raw, event, event.interaction, (), closes)


def _converted(record: dict[str, Any], record_class: type[AnyEvent], position: Position, raw: bytes,
               foreign_checked: bool = False) -> AnyEvent | None:
    """The event of a line read as a dict, when msgspec holds its fields to the class of its
    event type, its timestamp reads, and it has no field of the contract that its event
    type does not have (unless the diagnostic pass has checked them: `foreign_checked`).

    The usual line the decoder refuses is a valid one with fields outside the contract:
    its own fields are checked as the decoder checks them, and the others ignored.
    """
    if not foreign_checked and not _FOREIGN_FIELDS[record_class].isdisjoint(record):
        return None
    try:
        event = msgspec.convert(_own_fields(record, record_class), record_class)
    except msgspec.ValidationError:
        return None
    ms = timestamp_ms(event.ts)
    if ms is None:
        return None
    force_setattr(event, "ms", ms)
    return _placed(event, record, position, raw)


def _own_fields(record: dict[str, Any], record_class: type[AnyEvent]) -> dict[str, Any]:
    """The fields of a line that its event type has (null counts as absent)."""
    own = _OWN_FIELDS[record_class]
    return {name: value for name, value in record.items() if name in own and value is not None}


def _placed(event: AnyEvent, record: dict[str, Any], position: Position, raw: bytes) -> AnyEvent:
    """`event` with what the reader adds: its `data` as orjson reads it (`record`, the
    whole line), read-only; its place; its text."""
    data = record.get("data")
    if data or event.data is not NO_DATA:
        force_setattr(event, "data", MappingProxyType(data) if data else NO_DATA)
    force_setattr(event, "source", position)
    force_setattr(event, "_raw", raw)
    return event


def _decoded_event(raw: bytes, position: Position) -> AnyEvent | None:
    """The event of a line that the diagnostic pass finds no problem in, else None.

    msgspec decodes the line into the class of its event type, checking every field's
    type, enumeration and presence in C; then `_finished` reads the rest. Any doubt
    returns None, and the line goes to the diagnostic pass, which says exactly what is
    wrong with it, or keeps its event. It must never accept a line the diagnostic pass
    would refuse (the performance tests compare them).
    """
    try:
        event = _decode(raw)
    # msgspec's ValidationError, its other errors and UnicodeDecodeError are ValueErrors; a
    # value it decodes recurses, so a deep one can exhaust the stack (how deep depends on
    # the caller's)
    except (ValueError, RecursionError):
        return None
    return _finished(event, raw, position)


def _finished(event: AnyEvent, raw: bytes, position: Position) -> AnyEvent | None:
    """A decoded event with what the reader adds (its `ms`, place and text), or None when
    the line needs the diagnostic pass after all.

    A `source` key (outside the contract) is decoded as a `Position`, which skims fields
    of its own; msgspec reads an integer past 64 bits exactly, orjson as a float: either
    way, the line is left to the diagnostic pass. A line with `data` is read by orjson
    too: its values are taken as orjson reads them, like every other line's, and a value
    orjson refuses (or one nested too deep) sends the line to the diagnostic pass.
    """
    ms = timestamp_ms(event.ts)
    if ms is None or event.source is not NOWHERE or event.seq > _LARGEST_INT:
        return None
    force_setattr(event, "ms", ms)
    force_setattr(event, "source", position)
    force_setattr(event, "_raw", raw)
    return event if event.data is NO_DATA else _with_data(event, raw, position)


def _with_data(event: AnyEvent, raw: bytes, position: Position) -> AnyEvent | None:
    """The rest of `_finished` for an event with `data`: read-only, as orjson reads it."""
    if not event.data:  # `{}`
        force_setattr(event, "data", NO_DATA)
    elif _read_alike(event.data):
        force_setattr(event, "data", MappingProxyType(event.data))
    elif too_deep(raw, MAX_NESTING) is not None:
        return None
    else:
        try:
            return _placed(event, orjson.loads(raw), position, raw)
        except orjson.JSONDecodeError:
            return None
    return event


def _all_finished(events: list[AnyEvent], raws: list[bytes], places: list[Position]) -> list[AnyEvent | LoadedLine]:
    """`_finished` of each of a batch's decoded events, or what the diagnostic pass makes of
    its line when that gives None (`_checked`).

    The usual batch (every time readable, no `source` key, no `seq` past 64 bits) is finished
    attribute by attribute over the whole batch, each a `map` in C, rather than event by
    event, which cost a Python call and three attribute writes per line (a twentieth of the
    instructions that reading a file executes). Only the events with `data` are then finished
    one by one."""
    ms = list(map(timestamp_ms, map(_TS, events)))
    if (None in ms or list(map(_SOURCE, events)).count(NOWHERE) != len(events)
            or max(map(_SEQ, events)) > _LARGEST_INT):
        return [_finished(event, raw, place) or _checked(raw, place)
                for event, raw, place in zip(events, raws, places, strict=True)]
    deque(map(force_setattr, events, repeat("ms"), ms), maxlen=0)
    deque(map(force_setattr, events, repeat("source"), places), maxlen=0)
    deque(map(force_setattr, events, repeat("_raw"), raws), maxlen=0)
    finished: list[AnyEvent | LoadedLine] = list(events)
    for at in compress(range(len(events)), map(is_not, map(_DATA, events), repeat(NO_DATA))):
        finished[at] = _with_data(events[at], raws[at], places[at]) or _checked(raws[at], places[at])
    return finished


def _read_alike(data: Mapping[str, Any]) -> bool:
    """Whether the `data` msgspec decoded is the one orjson reads from the line, so that the
    line need not be read again: each value text, a boolean, null or an integer orjson reads
    as one. The two read these alike, escapes included, and both keep the last of a key given
    twice; anything else (a number with a fraction, a nested value) is read again by orjson."""
    for value in data.values():
        kind = type(value)
        if not (kind is str or kind is bool or value is None
                or (kind is int and _SMALLEST_INT <= value <= _LARGEST_INT)):
            return False
    return True


_decode = msgspec.json.Decoder(AnyEvent).decode
_TS, _SOURCE, _SEQ, _DATA = map(attrgetter, ("ts", "source", "seq", "data"))
#: the largest and the smallest integers orjson reads as one
_LARGEST_INT = 2**64 - 1
_SMALLEST_INT = -(2**63)
_RECORD_OF: dict[str, type[AnyEvent]] = {record.event: record for record in RECORDS}
#: each record class's own fields, as a line spells them
_OWN_FIELDS = {record: frozenset(name for name in record.__struct_fields__ if name not in READER_FIELDS)
               for record in RECORDS}
#: the fields of the contract that each record class does not have
_FOREIGN_FIELDS = {record: frozenset().union(*_OWN_FIELDS.values()) - own for record, own in _OWN_FIELDS.items()}


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
    closes = _INTERACTION_ENDED in raw and top_level_string(raw, TAG) == _ENDED
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


#: which lines of each block of a file one reader takes (`read_batches`): given the text of each
#: block in turn (`lines_of` splits it), per block, in order, its number of lines, and the indices
#: in the block of the lines taken and those lines, without their `\n`
Select = Callable[[Iterator[bytes]], Iterator[tuple[int, list[int], list[bytes]]]]

#: lines read together, at most: their input line numbers (counted across all sources), and each
#: line as `read_line` gives it
LineBatch = tuple[list[int], list[AnyEvent | LoadedLine]]

#: the most lines in one `LineBatch`. A batch goes through each stage of the main job in one
#: loop (decoding, then assembly, then deciding what it completed) rather than every line through
#: every stage in turn, so each loop's code and data stay in the processor's caches and predictors;
#: a batch of a few hundred lines still fits its second-level cache
BATCH_LINES = 256


def read_lines(sources: Sequence[str], counts: ReadCounts | None = None,
               select: Select | None = None) -> Iterator[AnyEvent | LoadedLine]:
    """Every event line of every source, in order, as `read_line` gives it; `-` is stdin.

    All paths are checked before the first line is read, so an unreadable one
    raises `InputError` before anything is produced. With `select`, only the lines it
    takes from each block (raw, line ending included) are parsed and produced;
    every line is still counted, so line numbers stay those of the file. `counts`
    reaches the line just produced, and the total at the end of each source.
    """
    counts = counts if counts is not None else ReadCounts()
    return flattened(read_batches(sources, counts, select), counts)


def read_batches(sources: Sequence[str], counts: ReadCounts, select: Select | None = None,
                 sizes: Sequence[int | None] | None = None) -> Iterator[LineBatch]:
    """`read_lines` a batch at a time (`LineBatch`, at most `BATCH_LINES` lines, never two sources):
    the lines and, for each, its number as `counts` counts lines. `counts` itself reaches the
    total at the end of each source, once its last batch has been taken.

    A regular file is read up to the size it had when reading began (`sizes_now`), or up to
    `sizes` (one per source, None for no bound): lines appended meanwhile are left for the next
    run, and a file that shrinks meanwhile is an input error. Several workers given the same
    sizes therefore read the same lines however the file grows.
    """
    from rulesengine.events import parquet  # which reads its rows through this module

    for source in sources:
        _check_readable(source)
    bounds = sizes_now(sources) if sizes is None else sizes
    for source, size in zip(sources, bounds, strict=True):
        if parquet.is_parquet(source):
            yield from parquet.row_batches(source, counts, select)
            continue
        name = STDIN_NAME if source == STDIN else source
        with _opened(source, size) as handle, _uncompressed(handle, name) as text:
            yield from _batches_of(text, name, counts, select)


def sizes_now(sources: Sequence[str]) -> list[int | None]:
    """The size of each source that is a regular file, now; None for stdin, a pipe or a device
    (read to their end), for a source that cannot be examined (reading it says why), and for a
    file that says it is empty, as the files of /proc do whatever they hold."""
    sizes: list[int | None] = []
    for source in sources:
        try:
            info = None if source == STDIN else os.stat(source)
        except OSError:
            info = None
        sizes.append(info.st_size if info is not None and stat.S_ISREG(info.st_mode) and info.st_size else None)
    return sizes


def flattened(batches: Iterable[LineBatch], counts: ReadCounts) -> Iterator[AnyEvent | LoadedLine]:
    """The lines of batches one by one, `counts` at each line's number as it is produced."""
    for numbers, lines in batches:
        for number, line in zip(numbers, lines, strict=True):
            counts.lines = number
            yield line


@contextmanager
def _opened(source: str, size: int | None = None) -> Iterator[IO[bytes]]:
    """A file, or stdin (left open), opened for reading, up to `size` bytes when given; only a
    failure to open it is an input error here."""
    if source == STDIN:
        yield sys.stdin.buffer
        return
    try:
        # closed below, once its lines are read
        handle = open(source, "rb") if size is None else io.BufferedReader(_Bounded(source, size))  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    with handle:
        yield handle


class _Bounded(io.RawIOBase):
    """A file read up to the size it had when reading began; ending before it, it changed since."""

    def __init__(self, path: str, size: int) -> None:
        self._file = io.FileIO(path)
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        with memoryview(buffer) as view:
            count = self._file.readinto(view[:self._left])
        if not count:
            raise OSError("it became shorter while it was read (rewritten or truncated since the run began)")
        self._left -= count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


def _uncompressed(handle: IO[bytes], name: str) -> AbstractContextManager[IO[bytes]]:
    """The text of a source, decompressed if it is compressed (`events.compressed`)."""
    try:
        return uncompressed(handle)
    except UnreadableCompression as problem:
        raise InputError(f"cannot read {name}: {problem}") from None


def _check_readable(source: str) -> None:
    if source == STDIN:
        return
    if os.path.isdir(source):
        raise InputError(f"cannot read {source}: it is a directory (give the files in it, in the order to read "
                         f"them: {os.path.join(source, '*.jsonl')})")
    if not os.path.exists(source):
        raise InputError(f"cannot read {source}: no such file")
    if not os.access(source, os.R_OK):
        raise InputError(f"cannot read {source}: permission denied")
    if not os.path.isfile(source):
        return  # a pipe (`<(zcat day.gz)`) or a device: what a look ahead reads would be lost
    try:
        with open(source, "rb") as handle:
            start = handle.read(8)
            parquet_file = start.startswith(_PARQUET_MAGIC) and _ends_with(handle, _PARQUET_MAGIC)
        compression = compression_of(start)
    except UnreadableCompression as problem:
        raise InputError(f"cannot read {source}: {problem}") from None
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    _refuse_misnamed_parquet(source, parquet_file, compression)


def _ends_with(handle: IO[bytes], tail: bytes) -> bool:
    """Whether a regular file ends with `tail` (after at least as many bytes before it)."""
    handle.seek(0, os.SEEK_END)
    if handle.tell() < 2 * len(tail):
        return False
    handle.seek(-len(tail), os.SEEK_END)
    return handle.read() == tail


def _refuse_misnamed_parquet(source: str, parquet_file: bool, compression: Compression | None) -> None:
    """Parquet is told by its name (`.parquet`), and pyarrow reads it uncompressed: a Parquet file
    under another name, or compressed whole, would be read as lines of binary, each an error."""
    from rulesengine.events import parquet

    if parquet_file and not parquet.is_parquet(source):
        raise InputError(f"cannot read {source}: it is a Parquet file; give it a name ending in {parquet.SUFFIX} "
                         "to read its rows as events")
    if compression is not None and parquet.is_parquet(without_compression_suffix(source)):
        raise InputError(f"cannot read {source}: a Parquet file is read as it is, not {compression.name}-compressed "
                         f"(Parquet compresses its own columns); decompress it first: {compression.name} -dk {source}")


def _batches_of(handle: IO[bytes], path: str, counts: ReadCounts,
                select: Select | None) -> Iterator[LineBatch]:
    first = counts.lines
    number = 0
    try:
        blocks = _blocks(handle)
        taken = ((len(block), None, block) for block in map(lines_of, blocks)) if select is None else select(blocks)
        for size, indices, given in taken:
            start = 0
            # the lines not yet decoded: the decoder takes the line it refuses too, which is
            # then read on its own; one iterator, so that each line is passed over once, however
            # many a block refuses (a slice from `start` would walk the block from its start)
            remaining = iter(given)
            while start < len(given):
                # the lines of a batch go through the decoder in one pass, up to the first it
                # refuses (a blank or comment line too), which is read on its own
                numbers: list[int] = []
                lines: list[AnyEvent | LoadedLine] = []
                decoded: list[AnyEvent] = []
                with suppress(ValueError, RecursionError):  # as in `_decoded_event`
                    decoded.extend(map(_decode, islice(remaining, BATCH_LINES)))
                if decoded:
                    end = start + len(decoded)
                    at: Sequence[int] = (range(number + start + 1, number + end + 1) if indices is None
                                         else [number + index + 1 for index in indices[start:end]])
                    numbers.extend(range(first + at[0], first + at[-1] + 1) if indices is None
                                   else [first + line for line in at])
                    lines.extend(_all_finished(decoded, list(map(bytes.rstrip, given[start:end], repeat(b"\r\n"))),
                                               list(map(Position, repeat(path), at))))
                start += len(decoded)
                if len(decoded) < BATCH_LINES and start < len(given):
                    index = start if indices is None else indices[start]
                    raw = given[start]
                    start += 1
                    line = number + index + 1
                    content = _content(raw, line)
                    if content is not None:
                        numbers.append(first + line)
                        lines.append(read_line(content, path, line))
                if lines:
                    yield numbers, lines
            number += size
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    counts.lines = first + number


def _content(raw: bytes, line: int) -> bytes | None:
    """A line without its ending (the first line without a byte-order mark too), or None for
    a blank or comment line, which holds no event."""
    if raw[:1] != b"{":
        if line == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        stripped = raw.strip()
        if not stripped or stripped[:1] == b"#":
            return None
    return raw.rstrip(b"\r\n")


#: bytes of lines read at a time
_BLOCK = 1 << 18


def _blocks(handle: IO[bytes]) -> Iterator[bytes]:
    """A file's text in blocks of about `_BLOCK` bytes, each completed to the end of its last line.

    A block is split at its newlines in one call (`lines_of`): 0.5 to 2% quicker to read than
    `readlines`, which finds and copies each line on its own, and a line without its newline is
    stripped without a copy. Splitting is left to the reader, which may take a block's lines
    from a peer rather than split it (`runtime.sharing`)."""
    while text := handle.read(_BLOCK):
        if text[-1:] != b"\n":
            text += handle.readline()
        yield text


def lines_of(block: bytes) -> list[bytes]:
    """The lines of a block of text, without their `\\n`."""
    lines = block.split(b"\n")
    if not lines[-1]:
        lines.pop()  # what follows the last newline: nothing
    return lines
