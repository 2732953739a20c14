"""Rows made into dicts by a function written for their column names: what `dict(zip(...))` gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rulesengine.speedups import row_dicts as module
from rulesengine.speedups.row_dicts import row_dicts

NAMES = st.lists(st.sampled_from(["interaction", "seq", "a0", "k0", "make", "lambda", "x y", "'", "\"}", ""]),
                 max_size=12)


@given(NAMES.flatmap(lambda names: st.tuples(st.just(names), st.integers(0, 5))))
def test_each_row_is_the_dict_of_its_names_and_values(case: tuple[list[str], int]) -> None:
    names, rows = case
    columns = [[f"{name}{row}" if row % 2 else None for row in range(rows)] for name in names]
    made = row_dicts(names, columns)
    expected = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] if names else []
    assert made == expected
    assert [list(record) for record in made] == [list(record) for record in expected]  # key order too


def test_a_name_given_twice_keeps_its_first_place_and_last_value() -> None:
    assert row_dicts(["a", "b", "a"], [[1], [2], [3]]) == [{"a": 3, "b": 2}]
    assert list(row_dicts(["a", "b", "a"], [[1], [2], [3]])[0]) == ["a", "b"]


def test_the_functions_kept_are_bounded() -> None:
    for number in range(module.MAKERS + 10):
        row_dicts([f"column{number}"], [[number]])
    assert module._maker.cache_info().currsize == module.MAKERS
