"""Rows given as columns, written as JSON lines and made into records without a dict per row.

The Parquet reader has each row's values as columns of Python values. Writing a row's
JSON line through a dict costs the dict (about 210 ns a row of ten values) and its
encoding; a msgspec struct whose fields are renamed to the column names is built from
the values in one positional call and encoded by the same encoder in the same order,
in about 200 ns for both. Making a record class's instance from keyword arguments
bound by name in a function written for its field names skips the dict that
`msgspec.convert` would read, once the values are known to fit (the reader checks
them column by column). The classes and functions are kept for the last `MAKERS`
lists of names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from keyword import iskeyword
from typing import Any

import msgspec

#: lists of names whose struct class or calling function is kept
MAKERS = 256

_encode_lines = msgspec.json.Encoder().encode_lines


def writable_names(names: Sequence[str]) -> bool:
    """Whether `row_lines` can write rows of these column names: distinct, and none holding
    a quote, a backslash or a control character (which msgspec does not take as a name)."""
    return _row_class(tuple(names)) is not None


def row_lines(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[bytes]:
    """The JSON line of each row, `{names[i]: columns[i][row], ...}` in the order of `names`,
    without its newline: what msgspec writes for that row's dict (`writable_names` must
    hold; at least one column)."""
    row_class = _row_class(tuple(names))
    if row_class is None:
        raise ValueError(f"no JSON line can be written for the columns {list(names)!r}")
    # msgspec 0.22 leaks memory on every `encode_lines` call given a tuple: always a list
    return _encode_lines(list(map(row_class, *columns))).split(b"\n")[:-1]


@lru_cache(maxsize=MAKERS)
def _row_class(names: tuple[str, ...]) -> type | None:
    if not names or len(set(names)) < len(names):
        return None
    fields = [f"f{at}" for at in range(len(names))]
    try:
        return msgspec.defstruct("Row", [(field, object) for field in fields],
                                 rename=dict(zip(fields, names, strict=True)), gc=False)
    except ValueError:  # a name msgspec does not take
        return None


@lru_cache(maxsize=MAKERS)
def keyword_caller(target: Callable[..., Any], names: tuple[str, ...]) -> Callable[..., Any]:
    """A function of as many positional arguments as `names`, which calls `target` with each
    one as the keyword argument of that name (names: identifiers, not keywords)."""
    if not all(name.isidentifier() and not iskeyword(name) for name in names):
        raise ValueError(f"not identifiers: {list(names)!r}")
    values = ", ".join(f"a{at}" for at in range(len(names)))
    keywords = ", ".join(f"{name}=a{at}" for at, name in enumerate(names))
    scope: dict[str, Any] = {}
    exec(f"def make(target):\n    return lambda {values}: target({keywords})", scope)
    caller: Callable[..., Any] = scope["make"](target)
    return caller
