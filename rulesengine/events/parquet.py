"""Parquet events in, through pyarrow (the optional `parquet` extra).

Input: a Parquet file with one row per event and the contract's field names as
columns (`data` as a struct, a map or JSON text). Each row is turned back into the
JSON line it stands for and read by the same loader, so a Parquet file is
validated, assembled and reported exactly like the JSON lines it holds, with the
row number as the line number. Rows are read a batch at a time, so memory stays
flat however large the file.

pyarrow is imported only when Parquet is used (`pyarrow_modules`), so the rest of
the engine neither needs it nor pays for its import; rows are written as Parquet
by `output.parquet`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

import orjson

SUFFIX = ".parquet"
#: rows read per batch
BATCH_ROWS = 65_536
_INSTALL_HINT = "Parquet needs pyarrow: pip install 'rulesengine[parquet]'"


class ParquetUnavailable(Exception):
    """pyarrow is not installed; the message says how to install it."""


def is_parquet(path: str | None) -> bool:
    return path is not None and path.lower().endswith(SUFFIX)


def pyarrow_modules() -> tuple[ModuleType, ModuleType]:
    """pyarrow and pyarrow.parquet, or `ParquetUnavailable` saying how to install them."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(_INSTALL_HINT) from None
    return pyarrow, pyarrow.parquet


def event_lines(path: str) -> Iterator[bytes]:
    """The events of a Parquet file as JSON lines (without line endings), one per row."""
    _, parquet = pyarrow_modules()
    with parquet.ParquetFile(path) as source:
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            yield from record_lines(batch)


def record_lines(batch: Any) -> Iterator[bytes]:
    """The rows of an Arrow record batch or table of events as JSON lines, one per row
    (Spark hands its executors Arrow tables of the same columns)."""
    for record in batch.to_pylist():
        yield orjson.dumps({key: _plain(key, value) for key, value in record.items() if value is not None})


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
    pyarrow, parquet = pyarrow_modules()
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
