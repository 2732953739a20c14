"""Contract events written out (`rulesengine convert`): as JSON lines, or as Parquet a row
group at a time.

A JSON line is the event's line as it was read. In Parquet, one row per event and one
column per field of the contract, typed: `seq` a 64-bit integer, `data` the event's
data as JSON text (its keys differ from event to event), every other field text; a
field an event does not have is null. Events are held
only until a row group's worth (`GROUP_ROWS`) has come, so memory stays flat
however many are written. Read back (`events.parquet`), each row is the event it
was written from.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from rulesengine.diagnostics import Diagnostic
from rulesengine.events.contract import READER_FIELDS, RECORDS, TAG, AnyEvent
from rulesengine.events.parquet import GROUP_ROWS, pyarrow_modules
from rulesengine.events.read import field_problem
from rulesengine.output.files import BinarySink
from rulesengine.output.parquet import closed_quietly

#: the columns, in the order the contract's lines usually write their fields
COLUMNS = ("interaction", "seq", "ts", "event", "party", "kind", "resource", "by", "intent", "visibility",
           "reason", "media", "data")
if set(COLUMNS) != {TAG, *(name for record in RECORDS for name in record.__struct_fields__
                          if name not in READER_FIELDS)}:
    raise TypeError("COLUMNS must name every field of the contract's record classes")


FORMATS = ("jsonl", "parquet")
#: the greatest `seq` a Parquet int64 column holds
_MOST_SEQ = 2**63 - 1
_json = msgspec.json.Encoder().encode


class EventWriter(Protocol):
    """Where `convert` writes events, in one of the `FORMATS`."""

    def write(self, event: AnyEvent) -> None: ...
    def close(self) -> None: ...
    def discard(self) -> None: ...
    def refused(self, event: AnyEvent) -> tuple[Diagnostic, ...]: ...


def event_writer(name: str, stream: BinarySink) -> EventWriter:
    """The writer of the format `name` (one of `FORMATS`) on `stream`."""
    return ParquetEvents(stream) if name == "parquet" else JsonLinesEvents(stream)


class JsonLinesEvents:
    """Events as JSON lines: each the line it was read from (a Parquet row's is its own line)."""

    def __init__(self, stream: BinarySink) -> None:
        self._stream = stream
        self._open = True

    def write(self, event: AnyEvent) -> None:
        self._stream.write(event.raw + b"\n")

    def refused(self, event: AnyEvent) -> tuple[Diagnostic, ...]:
        """Nothing: every event is its line."""
        return ()

    def close(self) -> None:
        """Flush the stream; again, nothing."""
        if self._open:
            self._stream.flush()
            self._open = False

    def discard(self) -> None:
        """Nothing to do: the stream is discarded with what it holds."""
        self._open = False


class ParquetEvents:
    """Events as a Parquet file on a binary stream: a row group per `GROUP_ROWS` events."""

    def __init__(self, stream: BinarySink) -> None:
        pyarrow, parquet = pyarrow_modules()
        self._pyarrow = pyarrow
        self._schema = pyarrow.schema([(name, pyarrow.int64() if name == "seq" else pyarrow.string())
                                       for name in COLUMNS])
        self._writer = parquet.ParquetWriter(pyarrow.PythonFile(stream, mode="w"), self._schema)
        self._columns: list[list[Any]] = [[] for _ in COLUMNS]
        self._stream = stream
        #: row groups written so far
        self.groups = 0

    def refused(self, event: AnyEvent) -> tuple[Diagnostic, ...]:
        """Why an event cannot be a row: a `seq` past what an int64 column holds (the contract
        sets no bound, and a line reads up to 2**64 - 1)."""
        if event.seq <= _MOST_SEQ:
            return ()
        return (field_problem(event.raw, event.source, "E103", "seq", f"field 'seq' must be at most {_MOST_SEQ} "
                              f"to be written as Parquet (a 64-bit signed integer), not {event.seq}",
                              hint="convert to JSON lines, which keep it"),)

    def write(self, event: AnyEvent) -> None:
        for column, name in zip(self._columns, COLUMNS, strict=True):
            column.append(_value(event, name))
        if len(self._columns[0]) >= GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._columns[0]:
            return
        self._writer.write_batch(self._pyarrow.record_batch(self._columns, schema=self._schema))
        self._columns = [[] for _ in COLUMNS]
        self.groups += 1

    def close(self) -> None:
        """Write what is held and the file's footer; again, nothing."""
        if self._writer.is_open:
            self._flush()
            self._writer.close()
            self._stream.flush()

    def discard(self) -> None:
        """On a failed run's way out, before its output is discarded (`closed_quietly`)."""
        self._columns = [[] for _ in COLUMNS]
        closed_quietly(self._writer)


def _value(event: AnyEvent, name: str) -> object:
    """The column `name` of an event's row: `data` as JSON text, a field it lacks as null."""
    if name == "data":  # msgspec writes data as deep as a line may nest it (orjson stops at 254 levels)
        return _json(dict(event.data)).decode() if event.data else None
    if name == "event":
        return event.event
    return getattr(event, name, None)
