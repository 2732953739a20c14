"""Reading a platform's export: files, folders or stdin, in whatever JSON shape it was saved.

A file holds JSON lines (one record a line, streamed), or one JSON document: a
record, an array of records, or an object whose `container` key lists them (a
Genesys Cloud query result's `conversations`, a Twilio page's `events`). Which
one is told from the first lines: a first line that is JSON on its own, or, after
a first line that opens no array, a second that is a JSON object, makes JSON
lines, where a bad line is one unreadable record and the others still count;
otherwise the file is one document, read whole.
A folder stands for its `*.json`, `*.jsonl` and `*.ndjson` files, in name order.
Every record keeps its place (file, ordinal, line) so a problem can name it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path

import attrs
import msgspec
import orjson

from rulesengine.diagnostics import Position
from rulesengine.events.compressed import UnreadableCompression, uncompressed

STDIN = "-"
STDIN_NAME = "<stdin>"
SUFFIXES = (".json", ".jsonl", ".ndjson")
_BOM = b"\xef\xbb\xbf"


class UnreadableSource(Exception):
    """An input that cannot be read at all (missing, no permission, a folder with no exports)."""


class Place(msgspec.Struct, frozen=True, gc=False):
    """Where a record is: its file, its ordinal there (from 1), and its line when the file is JSON lines.

    A `msgspec.Struct`, like the loader's `Position`: every record and every TaskRouter event
    held in memory carries one.

    `listed` says the record came out of a list (an array, a `conversations` page),
    so its line, if any, does not name it alone and messages give its ordinal.
    """

    path: str
    record: int
    line: int | None = None
    listed: bool = False

    @property
    def position(self) -> Position:
        """The place as diagnostics print it: the record's line, or line 1 of a document."""
        return Position(self.path, self.line or 1)

    def label(self) -> str:
        """`record N: ` when the position alone does not say which record (it came out of a list)."""
        return f"record {self.record}: " if self.listed else ""


@attrs.frozen
class SourceRecord:
    """One record as read: its JSON value (any type: the adapter checks its shape)."""

    place: Place
    value: object


@attrs.frozen
class Unreadable:
    """A line or a document that is not JSON."""

    place: Place
    message: str


def check_sources(sources: Sequence[str]) -> list[str]:
    """The files the sources stand for (a folder's exports in name order); raises
    `UnreadableSource` before anything is read if one cannot be read."""
    files: list[str] = []
    for source in sources:
        if source == STDIN:
            files.append(source)
        elif os.path.isdir(source):
            found = sorted(str(path) for path in Path(source).rglob("*")
                           if path.is_file() and path.name.endswith(SUFFIXES))
            if not found:
                raise UnreadableSource(f"cannot read {source}: a folder with no {', '.join(SUFFIXES)} file")
            files.extend(found)
        elif not os.path.exists(source):
            raise UnreadableSource(f"cannot read {source}: no such file")
        elif not os.access(source, os.R_OK):
            raise UnreadableSource(f"cannot read {source}: permission denied")
        else:
            files.append(source)
    return files


def read_records(sources: Sequence[str], container: str) -> Iterator[SourceRecord | Unreadable]:
    """Every record of every source, in order; `container` is the key a page lists its records
    under. A source compressed with gzip, bzip2 or xz is read decompressed, as event files are."""
    for path in check_sources(sources):
        name = STDIN_NAME if path == STDIN else path
        try:
            with (nullcontext(sys.stdin.buffer) if path == STDIN else open(path, "rb")) as handle, \
                    uncompressed(handle) as text:
                yield from _records(text, name, container)
        except UnreadableCompression as problem:
            raise UnreadableSource(f"cannot read {name}: {problem}") from None
        except OSError as problem:
            raise UnreadableSource(f"cannot read {name}: {problem.strerror or problem}") from None


def _records(handle: Iterable[bytes], path: str, container: str) -> Iterator[SourceRecord | Unreadable]:
    lines = enumerate(handle, start=1)
    head: list[tuple[int, bytes]] = []
    for number, raw in lines:
        line = raw[len(_BOM):] if number == 1 and raw.startswith(_BOM) else raw
        if line.strip():
            head.append((number, line))
            if len(head) == 2 or _is_json(line):
                break
    if not head:
        return
    first = head[0][1].lstrip()
    if _is_json(first) or (not first.startswith(b"[") and len(head) == 2 and type(_json_or_none(head[1][1])) is dict):
        yield from _line_records(_chain(head, lines), path, container)
    else:
        yield from _document_records(b"".join([raw for _, raw in head] + [raw for _, raw in lines]),
                                     path, container)


def _line_records(lines: Iterable[tuple[int, bytes]], path: str,
                  container: str) -> Iterator[SourceRecord | Unreadable]:
    ordinal = 0
    for number, raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as problem:
            ordinal += 1
            yield Unreadable(Place(path, ordinal, number), f"not JSON: {problem.msg} (column {problem.colno})")
            continue
        values, listed = _unwrapped(value, container)
        for item in values:
            ordinal += 1
            yield SourceRecord(Place(path, ordinal, number, listed), item)


def _chain(head: list[tuple[int, bytes]], rest: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    yield from head
    yield from rest


def _document_records(text: bytes, path: str, container: str) -> Iterator[SourceRecord | Unreadable]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as problem:
        yield Unreadable(Place(path, 1), f"not JSON: {problem.msg} (line {problem.lineno}, column {problem.colno})")
        return
    values, listed = _unwrapped(value, container)
    for ordinal, item in enumerate(values, start=1):
        yield SourceRecord(Place(path, ordinal, None, listed), item)


def _unwrapped(value: object, container: str) -> tuple[list, bool]:
    """The records a JSON value holds, and whether they came out of a list."""
    if type(value) is dict and type(value.get(container)) is list:
        return value[container], True
    if type(value) is list:
        return value, True
    return [value], False


def _is_json(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


def _json_or_none(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
