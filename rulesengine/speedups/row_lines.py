"""Rows given as columns, as structs that stand for their JSON lines, and made into records
without a dict per row.

The Parquet reader has each row's values as columns of Python values. A msgspec struct
whose fields are renamed to the column names is built from a row's values in one
positional call, and the JSON encoder writes it as it would write the row's dict, in the
same order: the struct stands for the row's line, which is written only when someone
asks for it (`Event.raw`), where writing every line up front cost about 160 ns a row.
Making a record class's instance from keyword arguments bound by name in a function
written for its field names skips the dict that `msgspec.convert` would read, once the
values are known to fit (the reader checks them column by column). The classes and
functions are kept for the last `MAKERS` lists of names.

When every column of a row is a field its record holds as it is, the record itself has
all the line's values: then one `RowLayout` per list of names, shared by every such row,
stands for each row's line, and the struct is made only when the line is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from keyword import iskeyword
from typing import Any

import msgspec

#: lists of names whose struct class or calling function is kept
MAKERS = 256


def writable_names(names: Sequence[str]) -> bool:
    """Whether `line_structs` can stand for rows of these column names: distinct, and none
    holding a quote, a backslash or a control character (which msgspec does not take as a name)."""
    return _row_class(tuple(names)) is not None


def line_structs(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[msgspec.Struct]:
    """Each row as a struct whose JSON is its line, `{names[i]: columns[i][row], ...}` in the
    order of `names`: what msgspec writes for that row's dict (`writable_names` must hold; at
    least one column)."""
    return list(map(_writable_class(names), *columns))


class RowLayout:
    """The line of any record whose named attributes hold a row's values, the names in the
    row's column order: the struct `line_structs` would have made for it, made when asked
    (`writable_names` must hold)."""

    __slots__ = ("_names", "_row_class")

    def __init__(self, names: Sequence[str]) -> None:
        self._row_class = _writable_class(names)
        self._names = tuple(names)

    def row_of(self, record: object) -> msgspec.Struct:
        """The struct whose JSON is the line of `record`'s values under the layout's names."""
        return self._row_class(*[getattr(record, name) for name in self._names])


@lru_cache(maxsize=MAKERS)
def row_layout(names: tuple[str, ...]) -> RowLayout:
    """The layout of rows of these column names, one for every group that has them."""
    return RowLayout(names)


def _writable_class(names: Sequence[str]) -> type:
    """The struct class of rows of these column names, which writes their lines."""
    row_class = _row_class(tuple(names))
    if row_class is None:
        raise ValueError(f"no JSON line can be written for the columns {list(names)!r}")
    return row_class


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
