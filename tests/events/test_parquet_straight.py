"""Parquet rows made straight from their columns (no dict per row) read as their JSON lines do.

A group of rows of one event type whose every column is known, column by column, to hold
what its record class takes is made without `msgspec.convert`; any doubt sends the group
to conversion, and a row conversion refuses to the line reader. Either way, each row must
be exactly what its JSON line gives.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
import pyarrow
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec import inspect

from rulesengine.events import parquet as parquet_io
from rulesengine.events.contract import INTENTS, READER_FIELDS, RECORDS, VISIBILITIES, AnyEvent
from rulesengine.events.parquet import read_batch
from rulesengine.events.read import MAX_NESTING, LoadedLine
from rulesengine.speedups.row_lines import RowLayout
from tests.events.test_parquet_rows import TEXTS, TIMES, as_lines, line_of, same

#: the fields of each record class a row gives it, required ones first
FIELDS = {record.event: [name for name in record.__struct_fields__ if name not in (*READER_FIELDS, "data")]
          for record in RECORDS}
WORDS = st.sampled_from(["queue", "strategy", "workbin", "agent", *INTENTS, *VISIBILITIES, "", "Queue", "nobody"])
SEQS = st.sampled_from([(pyarrow.int64(), st.integers(-2, 2**40)), (pyarrow.int32(), st.integers(0, 9)),
                        (pyarrow.uint32(), st.integers(0, 9)), (pyarrow.uint64(), st.integers(2**63 - 2, 2**63 + 2)),
                        (pyarrow.bool_(), st.booleans()), (pyarrow.float64(), st.floats(0, 9))])
DATA = st.sampled_from([
    (pyarrow.string(), st.sampled_from(['{"flow":"x"}', "{}", '{"a":{"b":[1,2]}}', "[1]", "7", "not json",
                                        '{"a":' * 600 + "1" + "}" * 600])),
    (pyarrow.struct([("flow", pyarrow.string())]), st.fixed_dictionaries({"flow": TEXTS})),
    (pyarrow.struct([("score", pyarrow.float64())]), st.fixed_dictionaries({"score": st.floats()})),
    (pyarrow.map_(pyarrow.string(), pyarrow.int64()), st.lists(st.tuples(TEXTS, st.integers(0, 9)), max_size=2)),
])


def _column(draw: st.DrawFn, name: str, rows: int) -> pyarrow.Array:
    """One column of a uniform table: values of the type the field takes, mostly valid."""
    if name == "seq":
        arrow_type, values = draw(SEQS)
    elif name == "ts":
        arrow_type, values = pyarrow.string(), TIMES
    elif name in ("kind", "intent", "visibility"):
        arrow_type, values = pyarrow.string(), WORDS
    elif name == "data":
        arrow_type, values = draw(DATA)
    else:
        arrow_type, values = draw(st.sampled_from([pyarrow.string(), pyarrow.large_string()])), TEXTS
    nulls = draw(st.sampled_from([0, 0, 0, 1]))  # now and then a column partly null
    return pyarrow.array([None if nulls and row % 3 == 0 else draw(values) for row in range(rows)], arrow_type)


@st.composite
def uniform_tables(draw: st.DrawFn) -> pyarrow.Table:
    """Rows of one event type, with its fields as columns (now and then one left out, or a field
    of another type, `data`, or a column outside the contract), in any column order."""
    event = draw(st.sampled_from(sorted(FIELDS)))
    rows = draw(st.integers(1, 30))
    names = [name for name in FIELDS[event] if draw(st.integers(0, 9)) > 0]
    names += draw(st.lists(st.sampled_from(["data", "media", "party", "kind", "extra", "ms"]), max_size=2, unique=True))
    names = draw(st.permutations(list(dict.fromkeys([*names, "event"]))))
    columns = {}
    for name in names:
        if name == "event":
            columns[name] = pyarrow.array([event] * rows)
        elif name == "extra":
            columns[name] = pyarrow.array([draw(TEXTS) for _ in range(rows)])
        elif name == "ms":
            columns[name] = pyarrow.array([draw(st.integers(0, 9)) for _ in range(rows)])
        else:
            columns[name] = _column(draw, name, rows)
    return pyarrow.table(columns)


def reads_as_its_lines(table: pyarrow.Table) -> list[AnyEvent | LoadedLine]:
    read = list(read_batch(table, "u.parquet"))
    expected = as_lines(table, "u.parquet")
    assert len(read) == len(expected)
    for got, want in zip(read, expected, strict=True):
        same(got, want)
    return read


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uniform_tables())
def test_rows_of_one_event_type_read_as_their_json_lines(table: pyarrow.Table) -> None:
    reads_as_its_lines(table)


def invitations(rows: int = 6, **changed: list) -> pyarrow.Table:
    """Valid `party.invited` rows (one group), with some columns replaced."""
    columns = {
        "interaction": ["c1"] * rows, "seq": list(range(2, rows + 2)),
        "ts": [f"2026-03-02T10:00:{row:02d}.250Z" for row in range(rows)], "event": ["party.invited"] * rows,
        "party": [f"c1.a{row}" for row in range(rows)], "kind": ["agent"] * rows,
        "resource": ["Agent 7"] * rows, "by": ["c1.q1"] * rows, "intent": ["route"] * rows,
        "visibility": ["conference"] * rows, "data": ['{"skill":"billing"}'] * rows,
    }
    columns.update(changed)
    return pyarrow.table({name: values for name, values in columns.items() if values is not None})


def made_straight(table: pyarrow.Table) -> bool:
    """Whether the table's one group is made straight from its columns."""
    batch = table.combine_chunks().to_batches()[0]
    _, groups = parquet_io._groups(batch)
    [(_, end, group, record_class)] = groups
    places = [parquet_io.Position("u.parquet", row) for row in range(1, end + 1)]
    return parquet_io._made(group, record_class, True, places, [0] * end, {}) is not None


def test_a_group_of_valid_rows_is_made_straight_from_its_columns() -> None:
    table = invitations()
    assert made_straight(table)
    read = reads_as_its_lines(table)
    assert read[0].raw == (b'{"interaction":"c1","seq":2,"ts":"2026-03-02T10:00:00.250Z","event":"party.invited",'
                           b'"party":"c1.a0","kind":"agent","resource":"Agent 7","by":"c1.q1","intent":"route",'
                           b'"visibility":"conference","data":{"skill":"billing"}}')
    last = read[5]
    assert (last.seq, last.party, dict(last.data), last.source.line) == (7, "c1.a5", {"skill": "billing"}, 6)


@pytest.mark.parametrize(("why", "changed", "broken"), [
    ("an empty text", {"resource": ["Agent 7"] * 5 + [""]}, [5]),
    ("a kind of another event type", {"kind": ["agent"] * 5 + ["queue"]}, [5]),
    ("an intent of no event type", {"intent": ["route"] * 5 + ["Route"]}, [5]),
    ("a visibility of no event type", {"visibility": ["conference"] * 5 + ["hidden"]}, [5]),
    ("a negative seq", {"seq": [2, 3, 4, 5, 6, -1]}, [5]),
    ("a seq past 64 bits signed", {"seq": pyarrow.array([2, 3, 4, 5, 6, 2**63], pyarrow.uint64())}, []),
    ("a seq that is a boolean", {"seq": [True] * 6}, list(range(6))),
    ("a text that is a number", {"by": [1] * 6}, list(range(6))),
    ("a required field missing", {"by": None}, list(range(6))),
    ("a field of another event type", {"media": ["chat"] * 6}, []),
    ("a column name JSON must escape", {'say "hi"': ["x"] * 6}, []),
    ("data that is no object", {"data": ['{"skill":"billing"}'] * 5 + ["[1]"]}, [5]),
    ("data that is no JSON", {"data": ['{"skill":"billing"}'] * 5 + ["{skill"]}, [5]),
])
def test_a_group_with_any_doubt_is_converted_and_each_row_reads_as_its_line(why: str, changed: dict,
                                                                             broken: list) -> None:
    table = invitations(**changed)
    assert not made_straight(table), why
    read = reads_as_its_lines(table)
    assert [at for at, item in enumerate(read) if type(item) is LoadedLine] == broken


def test_a_group_with_a_column_partly_null_is_converted(monkeypatch) -> None:
    """Rows that leave more columns null than the grouping tells apart share a group with a
    column partly null: it is converted, row by row as need be."""
    monkeypatch.setattr(parquet_io, "KEY_COLUMNS", 0)
    table = invitations(reason=["busy"] * 5 + [None])
    assert not made_straight(table)
    read = reads_as_its_lines(table)
    assert [item.reason for item in read] == ["busy"] * 5 + [None]


@pytest.mark.parametrize(("why", "changed", "broken"), [
    ("a timestamp that does not read", {"ts": ["2026-03-02T10:00:00Z"] * 5 + ["2026-02-30T10:00:00Z"]}, [5]),
    ("data nested too deep", {"data": ['{"skill":"billing"}'] * 5 + ['{"a":' * 600 + "1" + "}" * 600]}, [5]),
    ("an extra column nested too deep", {"extra": ['{"a":' * 600 + "1" + "}" * 600] * 6}, []),
])
def test_a_row_made_straight_that_may_not_read_is_read_as_its_line(why: str, changed: dict, broken: list) -> None:
    table = invitations(**changed)
    assert made_straight(table), why
    read = reads_as_its_lines(table)
    assert [at for at, item in enumerate(read) if type(item) is LoadedLine] == broken


def test_a_row_made_straight_writes_its_line_only_when_asked() -> None:
    """Its event keeps a struct of its values, which writes the line the row stands for each time
    `raw` is read: most rows are never asked for theirs."""
    read = reads_as_its_lines(invitations())
    assert all(type(event._raw) is not bytes for event in read)
    assert read[1].raw == read[1].raw == line_of(parquet_io._records(invitations())[1])


@pytest.mark.parametrize(("why", "changed", "shared"), [
    ("every column a field the event holds", {"data": None}, True),
    ("a column the contract does not know", {"data": None, "extra": ["x"] * 6}, False),
    ("data, which the event holds read-only", {}, False),
])
def test_rows_whose_event_holds_every_value_share_what_writes_their_lines(why: str, changed: dict,
                                                                         shared: bool) -> None:
    """When each column of a group is a field its record class holds as it is, the event has its
    line's values: one layout for the whole group writes each row's line from its event. Any
    other group keeps a struct of each row's values."""
    table = invitations(**changed)
    assert made_straight(table), why
    read = reads_as_its_lines(table)
    kept = {id(event._raw) for event in read}
    assert (len(kept) == 1) is shared, why
    assert (type(read[0]._raw) is RowLayout) is shared, why
    assert [event.raw for event in read] == [line_of(record) for record in parquet_io._records(table)]


def nested_data(depth: int) -> str:
    """A `data` object whose JSON nests `depth` levels deep."""
    return '{"a":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(("why", "data", "broken"), [
    ("long, shallow texts", ['{"note":"' + "x" * 600 + '"}'] * 6, []),
    ("a line nesting as deep as a line may", [nested_data(MAX_NESTING - 1)] * 6, []),
    ("a line nesting one level deeper", [nested_data(MAX_NESTING - 1)] * 5 + [nested_data(MAX_NESTING)], [5]),
    ("data as a struct, each row's line checked",
     pyarrow.array([{"skill": "billing"}] * 6, pyarrow.struct([("skill", pyarrow.string())])), []),
])
def test_only_data_that_may_nest_too_deep_has_its_line_written_to_be_checked(why: str, data: object,
                                                                           broken: list) -> None:
    """A row's line nests one level deeper than its `data`, whose JSON text cannot nest deeper than
    it is long: a text shorter than the limit needs no line written to know it reads."""
    table = invitations(data=data)
    assert made_straight(table), why
    read = reads_as_its_lines(table)
    assert [at for at, item in enumerate(read) if type(item) is LoadedLine] == broken


def test_rows_of_several_groups_come_back_in_the_order_of_the_batch() -> None:
    """Groups are read sorted by event type and null columns; the rows are handed on in the
    batch's own order, row N at line N."""
    events = ["party.left", "interaction.created", "party.accepted", "customer.left"] * 50
    table = pyarrow.table({
        "interaction": ["c1"] * 200, "seq": list(range(200)), "ts": ["2026-03-02T10:00:00Z"] * 200,
        "event": events,
        "party": [None if event in ("interaction.created", "customer.left") else "c1.a1" for event in events],
        "media": ["chat" if event == "interaction.created" else None for event in events],
    })
    read = reads_as_its_lines(table)
    assert [item.event for item in read] == events
    assert [item.source.line for item in read] == list(range(1, 201))
    assert [item.seq for item in read] == list(range(200))


@pytest.mark.parametrize("field_type", [
    Annotated[str, msgspec.Meta(min_length=2)], Annotated[str, msgspec.Meta(max_length=9)],
    Annotated[str, msgspec.Meta(pattern="^c")], Annotated[int, msgspec.Meta(le=9)], int | str, float,
    Literal[1, 2], dict[str, int],
])
def test_a_field_type_the_checks_cannot_tell_column_wise_leaves_its_groups_to_conversion(field_type) -> None:
    """The checks are read off the record classes: a type they do not know (none of the contract's
    today) gets none, so that a group holding such a field is converted, as msgspec checks it."""
    assert parquet_io._fit(inspect.type_info(field_type)) is None


def test_the_checks_a_field_type_gets() -> None:
    text, whole = pyarrow.string(), pyarrow.int32()
    type_fits, values_fit = parquet_io._fit(inspect.type_info(Annotated[int, msgspec.Meta(ge=3)]))
    assert (type_fits(whole), type_fits(text), values_fit([3, 4]), values_fit([3, 2])) == (True, False, True, False)
    type_fits, values_fit = parquet_io._fit(inspect.type_info(int))
    assert (type_fits(pyarrow.uint64()), type_fits(pyarrow.bool_()), values_fit([-5])) == (False, False, True)
    type_fits, values_fit = parquet_io._fit(inspect.type_info(Literal["a", "b"] | None))
    assert (type_fits(text), values_fit(["a", "b"]), values_fit(["a", "c"])) == (True, True, False)
    assert parquet_io._words(inspect.type_info(Literal["a", "b"] | None)) == ("a", "b")
    assert parquet_io._words(inspect.type_info(str)) == ()
