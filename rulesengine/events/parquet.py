"""Parquet in and out, through pyarrow (the optional `parquet` extra).

Input: a Parquet file with one row per event and the contract's field names as
columns (`data` as a struct, a map or JSON text). Each row is turned back into the
JSON line it stands for and read by the same loader, so a Parquet file is
validated, assembled and reported exactly like the JSON lines it holds, with the
row number as the line number. Rows are read a batch at a time, so memory stays
flat however large the file.

Output: `ParquetWriter`, a row writer like the others, that buffers a batch of
rows and writes it as a row group; the columns are the row fields it is given
(`output.FIELDS`: the loader reads Parquet too, so this module imports no later
stage), with nulls where JSON lines has them.

pyarrow is imported only when Parquet is used, so the rest of the engine neither
needs it nor pays for its import.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from types import ModuleType
from typing import IO

import orjson

SUFFIX = ".parquet"
#: rows read or written per batch (one row group on output)
BATCH_ROWS = 65_536
_INTEGER_FIELDS = frozenset({"alert_ms", "engage_ms"})
_INSTALL_HINT = "Parquet needs pyarrow: pip install 'rulesengine[parquet]'"


class ParquetUnavailable(Exception):
    """pyarrow is not installed; the message says how to install it."""


def is_parquet(path: str | None) -> bool:
    return path is not None and path.lower().endswith(SUFFIX)


def _pyarrow() -> tuple[ModuleType, ModuleType]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(_INSTALL_HINT) from None
    return pyarrow, pyarrow.parquet


def event_lines(path: str) -> Iterator[bytes]:
    """The events of a Parquet file as JSON lines (without line endings), one per row."""
    _, parquet = _pyarrow()
    with parquet.ParquetFile(path) as source:
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            for record in batch.to_pylist():
                yield orjson.dumps({key: _plain(key, value) for key, value in record.items()
                                    if value is not None})


def _plain(key: str, value: object) -> object:
    """A column value as JSON has it: `data` from JSON text or map entries, the rest as is."""
    if key != "data":
        return value
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    if isinstance(value, list):  # a Parquet map arrives as (key, value) pairs
        return dict(value)
    return value


def write_events(lines: Sequence[bytes] | Iterator[bytes], path: str) -> None:
    """Write JSON event lines as a Parquet file (`data` as JSON text): for tests and conversions."""
    pyarrow, parquet = _pyarrow()
    records = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        record = orjson.loads(line)
        if "data" in record:
            record["data"] = orjson.dumps(record["data"]).decode()
        records.append(record)
    keys = list(dict.fromkeys(key for record in records for key in record))
    parquet.write_table(pyarrow.table({key: [record.get(key) for record in records] for key in keys}), path)


class ParquetWriter:
    """Rows as a Parquet file: a row group per `BATCH_ROWS` rows, written to a binary stream."""

    def __init__(self, stream: IO[bytes], fields: Sequence[str]):
        pyarrow, parquet = _pyarrow()
        self._pyarrow = pyarrow
        self._fields = tuple(fields)
        self._values = attrgetter(*self._fields)
        self._schema = pyarrow.schema([
            (name, pyarrow.int64() if name in _INTEGER_FIELDS
             else pyarrow.bool_() if name == "provisional" else pyarrow.string())
            for name in self._fields
        ])
        self._writer = parquet.ParquetWriter(pyarrow.PythonFile(stream, mode="w"), self._schema)
        self._columns: list[list] = [[] for _ in self._fields]
        self._stream = stream

    def write(self, rows: Sequence[object]) -> None:
        columns = self._columns
        for row in rows:
            for column, value in zip(columns, self._values(row)):
                column.append(value)
        if len(columns[0]) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._columns[0]:
            return
        self._writer.write_batch(self._pyarrow.record_batch(self._columns, schema=self._schema))
        self._columns = [[] for _ in self._fields]

    def close(self) -> None:
        self._flush()
        self._writer.close()
        self._stream.flush()
