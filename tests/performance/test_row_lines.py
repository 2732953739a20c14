"""Rows as structs per list of names, whose JSON is what encoding each row's dict gives; and
records made from positional values by a function that names them."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulesengine.speedups import row_lines as module
from rulesengine.speedups.row_lines import keyword_caller, line_structs, writable_names

NAMES = st.lists(st.sampled_from(["interaction", "seq", "f0", "f1", "make", "lambda", "x y", "'", "}", "é", ""]),
                 min_size=1, max_size=12, unique=True)
VALUES = st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats() | st.text() \
    | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)


@given(NAMES.flatmap(lambda names: st.tuples(st.just(names), st.lists(st.lists(VALUES, min_size=len(names),
                                                                               max_size=len(names)),
                                                                      min_size=1, max_size=5))))
def test_each_line_is_the_encoded_dict_of_its_row(case: tuple[list[str], list[list[object]]]) -> None:
    names, rows = case
    assert writable_names(names)
    columns = [list(column) for column in zip(*rows, strict=True)]
    structs = line_structs(names, columns)
    assert [msgspec.json.encode(struct) for struct in structs] == [
        msgspec.json.encode(dict(zip(names, row, strict=True))) for row in rows]


@pytest.mark.parametrize("names", [[], ["a", "a"], ['say "hi"'], ["back\\slash"], ["tab\there"]])
def test_names_msgspec_cannot_write_are_refused(names: list[str]) -> None:
    assert not writable_names(names)
    with pytest.raises(ValueError, match="no JSON line can be written"):
        line_structs(names, [[1]] * len(names))


class Point(msgspec.Struct, kw_only=True):
    x: int
    y: int = 0


def test_a_keyword_caller_names_each_value_for_its_target() -> None:
    assert list(map(keyword_caller(Point, ("y", "x")), [1, 2], [3, 4])) == [Point(x=3, y=1), Point(x=4, y=2)]
    with pytest.raises(ValueError, match="not identifiers"):
        keyword_caller(Point, ("x", "y=0, **{}) or print(1) or dict(z"))
    with pytest.raises(ValueError, match="not identifiers"):
        keyword_caller(Point, ("lambda",))


def test_the_classes_and_functions_kept_are_bounded() -> None:
    for number in range(module.MAKERS + 10):
        line_structs([f"column{number}"], [[number]])
        keyword_caller(Point, ("x",) if number % 2 else ("y", "x"))
    assert module._row_class.cache_info().currsize == module.MAKERS
