"""Rows as a Parquet file, through pyarrow (the optional `parquet` extra).

`ParquetWriter` is a row writer like the others: it buffers a batch of rows and
writes it as a row group, the columns being the row fields it is given, with
nulls where JSON lines has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from operator import attrgetter
from typing import Any

from rulesengine.events.parquet import pyarrow_modules
from rulesengine.output.files import BinarySink, OutputError

#: rows per row group
BATCH_ROWS = 65_536
_INTEGER_FIELDS = frozenset({"alert_ms", "engage_ms"})


def column_type(field: str) -> str:
    """The Arrow type of a row field's column, by its name in pyarrow (`int64`, `bool_`, `string`):
    one answer for this writer and for the rows Spark makes (`rulesengine.spark`)."""
    if field in _INTEGER_FIELDS:
        return "int64"
    return "bool_" if field == "provisional" else "string"


class ParquetWriter:
    """Rows as a Parquet file: a row group per `BATCH_ROWS` rows, written to a binary stream."""

    def __init__(self, stream: BinarySink, fields: Sequence[str]):
        pyarrow, parquet = pyarrow_modules()
        self._pyarrow = pyarrow
        self._fields = tuple(fields)
        self._values = attrgetter(*self._fields)
        self._schema = pyarrow.schema([(name, getattr(pyarrow, column_type(name))()) for name in self._fields])
        self._writer = parquet.ParquetWriter(pyarrow.PythonFile(stream, mode="w"), self._schema)
        self._columns: list[list] = [[] for _ in self._fields]
        self._stream = stream

    def write(self, rows: Sequence[object]) -> None:
        columns = self._columns
        for row in rows:
            for column, value in zip(columns, self._values(row), strict=True):
                column.append(value)
        if len(columns[0]) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._columns[0]:
            return
        self._writer.write_batch(self._pyarrow.record_batch(self._columns, schema=self._schema))
        self._columns = [[] for _ in self._fields]

    def close(self) -> None:
        """Write what is held and the file's footer; again, nothing."""
        if self._writer.is_open:
            self._flush()
            self._writer.close()
            self._stream.flush()

    def discard(self) -> None:
        """On a failed run's way out, before its output is discarded (`closed_quietly`)."""
        self._columns = [[] for _ in self._fields]
        closed_quietly(self._writer)


def closed_quietly(writer: Any) -> None:
    """Close a pyarrow `ParquetWriter` whose output a failed run discards, without writing what
    is held, rather than leave pyarrow to close it when collected, into a stream closed by
    then. The stream may be what failed (a full disk: pyarrow has closed it since), so what
    closing says then is no news: the failure already raised is the one to report."""
    if writer.is_open:
        with suppress(OSError, ValueError, OutputError):  # pyarrow's ArrowIOError, ArrowInvalid
            writer.close()
