"""Parquet rows read straight from their columns give what their JSON lines give, row for row."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import msgspec
import pyarrow
import pyarrow.parquet as parquet
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.diagnostics import Position
from rulesengine.events import parquet as parquet_io
from rulesengine.events.contract import EVENT_TYPES, INTENTS, KINDS, VISIBILITIES
from rulesengine.events.parquet import read_batch, read_rows, record_lines
from rulesengine.events.read import BATCH_LINES, InputError, LoadedLine, ReadCounts, parse_line, read_line
from rulesengine.events.rfc3339 import timestamp_ms

TEXTS = st.sampled_from(["c1", "c2", "c1.a1", "c1.q1", "", "Agent 7", "é\u2028\"\\", "\x00\x1f", "x" * 600])
TIMES = st.sampled_from(["2026-03-02T10:00:00Z", "2026-03-02T10:00:59.999Z", "2026-03-02T10:00:60Z",
                         "2026-02-30T10:00:00Z", "2026-03-02T10:00:00.5Z", "2026-03-02T10:00:00+01:00",
                         "2026-03-02t10:00:00z", "2026-03-02T10:00:0\uff15Z", "yesterday", "", "2026-03-02T10:61:00Z"])
WORDS = st.sampled_from([*EVENT_TYPES, *KINDS, *INTENTS, *VISIBILITIES, "party.lef", "nobody"])
NESTED = st.recursive(st.none() | st.booleans() | st.integers(-5, 2**40) | TEXTS,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
                      max_leaves=8)

#: each column a strategy for its Arrow type and values
COLUMNS = {
    "interaction": st.sampled_from([(pyarrow.string(), TEXTS), (pyarrow.int64(), st.integers(0, 9))]),
    "seq": st.sampled_from([(pyarrow.int64(), st.integers(-2, 9)), (pyarrow.uint64(), st.just(2**64 - 1)),
                            (pyarrow.float64(), st.floats(0, 9)), (pyarrow.string(), st.just("3"))]),
    "ts": st.sampled_from([(pyarrow.string(), TIMES),
                           (pyarrow.timestamp("ms", tz="UTC"),
                            st.datetimes(timezones=st.just(datetime.UTC)))]),
    "event": st.sampled_from([(pyarrow.string(), WORDS), (pyarrow.large_string(), WORDS)]),
    "party": st.just((pyarrow.string(), TEXTS)),
    "kind": st.just((pyarrow.string(), WORDS)),
    "resource": st.just((pyarrow.string(), TEXTS)),
    "by": st.just((pyarrow.string(), TEXTS)),
    "intent": st.just((pyarrow.string(), WORDS)),
    "visibility": st.just((pyarrow.string(), WORDS)),
    "reason": st.sampled_from([(pyarrow.string(), TEXTS), (pyarrow.bool_(), st.booleans())]),
    "media": st.just((pyarrow.string(), TEXTS)),
    "data": st.sampled_from([
        (pyarrow.string(), st.sampled_from(['{"flow":"x"}', "{}", "[1]", "not json", '{"a":' * 600])),
        (pyarrow.struct([("flow", pyarrow.string()), ("n", pyarrow.int64())]),
         st.fixed_dictionaries({"flow": TEXTS, "n": st.integers(0, 9)})),
        (pyarrow.struct([("score", pyarrow.float64())]), st.fixed_dictionaries({"score": st.floats()})),
        (pyarrow.map_(pyarrow.string(), pyarrow.string()), st.lists(st.tuples(TEXTS, TEXTS), max_size=2)),
        (pyarrow.list_(pyarrow.string()), st.lists(TEXTS, max_size=2)),
        (pyarrow.dictionary(pyarrow.int32(), pyarrow.string()), st.just('{"flow":"y"}')),
    ]),
    "extra": st.sampled_from([(pyarrow.string(), TEXTS), (pyarrow.binary(), st.binary(max_size=3))]),
    "ms": st.just((pyarrow.int64(), st.integers(0, 9))),
}


@st.composite
def tables(draw: st.DrawFn) -> pyarrow.Table:
    """A table of rows that are mostly valid events: the contract's columns and others, of the
    expected types and others, some values null."""
    rows = draw(st.integers(1, 40))
    names = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, unique=True))
    columns = {}
    for name in names:
        arrow_type, values = draw(COLUMNS[name])
        nullable = draw(st.booleans())
        columns[name] = pyarrow.array([draw(st.none() | values if nullable else values) for _ in range(rows)],
                                      arrow_type)
    return pyarrow.table(columns)


def line_of(record: dict) -> bytes:
    return msgspec.json.encode(record)


def as_lines(table: pyarrow.Table, path: str) -> list:
    """What reading each row's JSON line gives."""
    return [read_line(raw, path, number) for number, raw in enumerate(map(line_of, parquet_io._records(table)),
                                                                     start=1)]


def same(read, expected) -> None:
    assert type(read) is type(expected)
    if isinstance(read, LoadedLine):
        assert read == expected
    else:
        assert (read, read.source, read.raw, read.ms, dict(read.data)) == \
            (expected, expected.source, expected.raw, expected.ms, dict(expected.data))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_each_row_reads_as_its_json_line(table: pyarrow.Table) -> None:
    read = list(read_batch(table, "t.parquet"))
    expected = as_lines(table, "t.parquet")
    assert len(read) == len(expected)
    for got, want in zip(read, expected, strict=True):
        same(got, want)


def valid_rows(count: int) -> pyarrow.Table:
    """`count` valid events of a few types, in groups large enough to be split by their nulls."""
    events = ["interaction.created", "party.entered", "party.left", "customer.left"]
    return pyarrow.table({
        "interaction": [f"c{row % 7}" for row in range(count)],
        "seq": list(range(count)),
        "ts": [f"2026-03-02T10:{row % 60:02d}:{row % 59:02d}.{row % 1000:03d}Z" for row in range(count)],
        "event": [events[row % 4] for row in range(count)],
        "party": [None if row % 4 in (0, 3) else f"c{row % 7}.q1" for row in range(count)],
        "kind": [("queue" if row % 3 else "workbin") if row % 4 == 1 else None for row in range(count)],
        "resource": ["Support" if row % 4 == 1 else None for row in range(count)],
        "reason": ["done" if row % 8 == 2 else None for row in range(count)],
        "media": ["chat" if row % 4 == 0 else None for row in range(count)],
        "data": ['{"flow":"x"}' if row % 8 == 0 else None for row in range(count)],
    })


def reads_as_its_lines(table: pyarrow.Table) -> None:
    read = list(read_batch(table, "v.parquet", first_line=10))
    assert all(not isinstance(item, LoadedLine) for item in read)
    for got, want in zip(read, [read_line(line_of(record), "v.parquet", number)
                                for number, record in enumerate(parquet_io._records(table), start=10)], strict=True):
        same(got, want)


def test_groups_of_rows_that_leave_columns_null_alike_read_as_their_lines() -> None:
    reads_as_its_lines(valid_rows(1000))


def test_rows_leaving_more_columns_null_than_the_grouping_tells_apart_read_as_their_lines(monkeypatch) -> None:
    monkeypatch.setattr(parquet_io, "KEY_COLUMNS", 1)
    reads_as_its_lines(valid_rows(1000))


def test_rows_with_no_columns_read_as_empty_objects() -> None:
    table = pyarrow.table({"seq": [1, 2]}).select([])
    assert [(item.position.line, item.raw, item.diagnostics[0].code) for item in read_batch(table)] == \
        [(1, b"{}", "E102"), (2, b"{}", "E102")]


def test_a_table_of_several_batches_numbers_its_rows_on() -> None:
    table = pyarrow.concat_tables([valid_rows(5), valid_rows(5)])
    assert len(table.to_batches()) == 2
    assert [item.source.line for item in read_batch(table, "p", first_line=3)] == list(range(3, 13))


def test_rows_of_a_batch_from_different_places_are_read_each_at_its_own() -> None:
    """Each row is what reading its line at its place gives: the event's place, and the place a
    broken row's diagnostics point at (the Spark executor's rows come from several files)."""
    broken = pyarrow.table({"seq": [1]})
    batch = pyarrow.concat_tables([valid_rows(6), broken], promote_options="default").combine_chunks()
    places = [Position(f"part-{row % 3}.parquet", 100 - row) for row in range(batch.num_rows)]
    read = parquet_io.read_placed(batch.to_batches()[0], places)
    expected = [read_line(line_of(record), place.path, place.line)
                for record, place in zip(parquet_io._records(batch), places, strict=True)]
    for got, want in zip(read, expected, strict=True):
        same(got, want)
    assert [item.source for item in read[:-1]] == places[:-1]
    assert read[-1].position == places[-1] and read[-1].diagnostics[0].code == "E102"
    with pytest.raises(ValueError, match="7 rows need as many places, not 6"):
        parquet_io.read_placed(batch.to_batches()[0], places[:6])


@given(st.lists(st.text(alphabet="0123456789-:TZ.+z ", min_size=0, max_size=26) | TIMES, min_size=1, max_size=20))
@settings(deadline=None)
def test_timestamps_read_column_wise_as_one_at_a_time(texts: list[str]) -> None:
    ms = parquet_io._millis(pyarrow.record_batch({"ts": texts}))
    assert ms.to_pylist() == [timestamp_ms(text) for text in texts]


PLAIN_TIMES = st.sampled_from(["2026-03-02T10:00:00Z", "2026-03-02T10:00:59.999Z", "0001-01-01T00:00:00.000Z",
                               "9999-12-31T23:59:59.999Z", "2024-02-29T12:00:00.001Z", "0000-01-01T00:00:00Z",
                               "2026-02-29T10:00:00Z", "2026-03-02T24:00:00Z", "2026-13-02T10:00:00Z",
                               "2026-03-02 10:00:00Z", "+2026-03-02T10:00Z"])


@given(st.lists(PLAIN_TIMES, min_size=1, max_size=20))
def test_a_batch_of_plain_timestamps_read_by_arrow_at_once_reads_as_one_at_a_time(texts: list[str]) -> None:
    """Arrow reads a year 0 and days that do not exist otherwise, or not at all: such a batch
    is read the other way, and every batch gives what `timestamp_ms` gives."""
    ms = parquet_io._millis(pyarrow.record_batch({"ts": texts}))
    assert ms.to_pylist() == [timestamp_ms(text) for text in texts]
    taken_at_once = parquet_io._plain_millis(pyarrow.array(texts))
    assert (taken_at_once is not None) == all(timestamp_ms(text) is not None for text in texts)


class _Odd:
    def owns(self, interaction: object) -> bool:
        return interaction in (None, "c1", 1)


def test_a_share_takes_its_rows_whatever_the_id_column_holds(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    parquet.write_table(pyarrow.table({"interaction": ["c1", "c2", None, "c1"], "seq": [1, 2, 3, 4]}), path)
    counts = ReadCounts()
    assert [item.position.line for item in read_rows(str(path), counts, _Odd())] == [1, 3, 4]
    assert counts.lines == 4
    for table in (pyarrow.table({"interaction": [1, 2]}), pyarrow.table({"seq": [1, 2]}),
                  pyarrow.table([pyarrow.array(["c2", "c2"]), pyarrow.array(["c1", "c2"])],
                                names=["interaction", "interaction"])):
        parquet.write_table(table, path)
        assert [item.position.line for item in read_rows(str(path), ReadCounts(), _Odd())] == \
            [number for number, record in enumerate(parquet_io._records(table), start=1)
             if _Odd().owns(record.get("interaction"))]


def test_rows_come_in_batches_of_at_most_batch_lines_numbered_across_sources(tmp_path: Path) -> None:
    """Rows are read 8,192 at a time and handed on in batches of `BATCH_LINES`, each row with
    its line number counted from the lines read before the file."""
    path = tmp_path / "many.parquet"
    parquet.write_table(valid_rows(BATCH_LINES * 40 + 3), path, row_group_size=5000)
    counts = ReadCounts(lines=7)
    batches = list(parquet_io.row_batches(str(path), counts, _Odd()))
    assert max(len(numbers) for numbers, _ in batches) == BATCH_LINES
    numbers = [number for batch, _ in batches for number in batch]
    assert numbers == [7 + event.source.line for _, events in batches for event in events]
    assert numbers == [7 + row for row in range(1, BATCH_LINES * 40 + 4) if (row - 1) % 7 == 1]
    assert counts.lines == 7 + BATCH_LINES * 40 + 3


def test_rows_are_shared_out_only_by_a_row_share(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    parquet.write_table(valid_rows(3), path)
    with pytest.raises(TypeError, match="no RowShare"):
        list(read_rows(str(path), ReadCounts(), lambda blocks: blocks))


def test_a_damaged_parquet_file_is_an_input_error_at_the_batch_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "damaged.parquet"
    parquet.write_table(valid_rows(5000), path, compression="snappy", row_group_size=1000)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = os.urandom(2000)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(read_rows(str(path), ReadCounts()))


def test_a_data_column_of_lists_is_refused_row_by_row_not_the_whole_file():
    """A `data` column of lists (not a map, not JSON text) gives each row its E-diagnostic, as
    its JSON line does, instead of stopping the read."""
    table = pyarrow.table({"interaction": ["c1", "c1"], "seq": [1, 2], "ts": ["2026-03-02T10:00:00Z"] * 2,
                           "event": ["interaction.created"] * 2, "media": ["chat"] * 2,
                           "data": pyarrow.array([[], ["c1.a1"]], pyarrow.list_(pyarrow.string()))})
    read = list(read_batch(table, "t.parquet"))
    assert [type(item).__name__ for item in read] == ["LoadedLine", "LoadedLine"]
    assert all(any("data" in problem.message for problem in item.diagnostics) for item in read)
    assert [item.diagnostics for item in read] == [parse_line(raw, "t.parquet", line).diagnostics
                                                   for line, raw in enumerate(record_lines(table), 1)]
