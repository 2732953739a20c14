"""Arrow arrays and scalars of plain Python values, made from their bytes.

Turning a Python value into an Arrow one (`pyarrow.array`, `pyarrow.scalar`, or a compute
function given a Python number or text) first has pyarrow ask whether the value is a pandas
object, and the first time it asks, pyarrow imports pandas if it is installed (the `spark`
extra brings it): 0.3 to 0.45 s in every process that reads Parquet, each `--jobs` worker
included. The Parquet reader's numbers, flags and texts are made here instead, straight
from their bytes, which asks nothing. pyarrow is imported by each function: only a process
that reads Parquet has it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any


def int64s(values: Iterable[int]) -> Any:
    """An int64 array of `values` (none of them None)."""
    import pyarrow

    data = array("q", values)
    return pyarrow.Array.from_buffers(pyarrow.int64(), len(data), [None, pyarrow.py_buffer(data)])


def optional_int64s(values: Sequence[int | None]) -> Any:
    """An int64 array of `values`, null where a value is None."""
    import pyarrow

    valid = bytearray((len(values) + 7) // 8)  # one bit a value, the first value's the lowest
    for at, value in enumerate(values):
        if value is not None:
            valid[at >> 3] |= 1 << (at & 7)
    data = array("q", [0 if value is None else value for value in values])
    return pyarrow.Array.from_buffers(pyarrow.int64(), len(data),
                                      [pyarrow.py_buffer(valid), pyarrow.py_buffer(data)])


def bools(values: Iterable[bool]) -> Any:
    """A boolean array of `values`."""
    import pyarrow

    data = array("b", values)
    return pyarrow.Array.from_buffers(pyarrow.int8(), len(data), [None, pyarrow.py_buffer(data)]).cast(
        pyarrow.bool_())


def int64(value: int) -> Any:
    """An int64 scalar."""
    return int64s((value,))[0]


def boolean(value: bool) -> Any:
    """A boolean scalar."""
    return bools((value,))[0]


def text(value: str) -> Any:
    """A string scalar."""
    import pyarrow

    data = value.encode("utf-8")
    ends = array("i", (0, len(data)))
    return pyarrow.Array.from_buffers(pyarrow.string(), 1,
                                      [None, pyarrow.py_buffer(ends), pyarrow.py_buffer(data)])[0]
