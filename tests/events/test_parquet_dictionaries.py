"""Parquet text columns as dictionaries: the word columns of every file are read as such, and a
producer may write any text column so (a pandas categorical, say). Either way each row reads as
its JSON line does, and a group of rows is still made straight from its columns."""

from __future__ import annotations

import pyarrow
import pyarrow.parquet
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.events import parquet as parquet_io
from rulesengine.events.parquet import read_batch
from rulesengine.events.read import ReadCounts, read_line
from tests.events.test_parquet_rows import as_lines, line_of, same, tables
from tests.events.test_parquet_straight import invitations, made_straight, reads_as_its_lines, uniform_tables

WORD_COLUMNS = ["event", "kind", "intent", "visibility"]


def encoded(table: pyarrow.Table, names: list[str]) -> pyarrow.Table:
    """The table with its text columns of `names` as dictionaries."""
    return pyarrow.table([column.combine_chunks().dictionary_encode()
                          if name in names and pyarrow.types.is_string(column.type) else column
                          for name, column in zip(table.column_names, table.columns, strict=True)],
                         names=table.column_names)


@st.composite
def encoded_tables(draw: st.DrawFn, made: st.SearchStrategy[pyarrow.Table]) -> pyarrow.Table:
    table = draw(made)
    return encoded(table, draw(st.lists(st.sampled_from(table.column_names), unique=True)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(encoded_tables(uniform_tables()))
def test_rows_of_one_event_type_with_dictionary_columns_read_as_their_json_lines(table: pyarrow.Table) -> None:
    reads_as_its_lines(table)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(encoded_tables(tables()))
def test_any_rows_with_dictionary_columns_read_as_their_json_lines(table: pyarrow.Table) -> None:
    expected = as_lines(table, "t.parquet")
    read = list(read_batch(table, "t.parquet"))
    assert len(read) == len(expected)
    for got, want in zip(read, expected, strict=True):
        same(got, want)


def test_a_group_with_dictionary_columns_is_made_straight_with_the_words_a_line_gives() -> None:
    resources = ["Agent 7", "Agent 8", "Agent 7", "Agent 9", "Agent 8", "Agent 7"]
    table = encoded(invitations(resource=resources), [*WORD_COLUMNS, "resource", "interaction"])
    assert made_straight(table)
    read = reads_as_its_lines(table)
    assert [event.resource for event in read] == resources
    from_line = read_line(line_of(parquet_io._records(table)[0]), "u.parquet", 1)
    assert (read[0].kind, read[0].intent, read[0].visibility) == ("agent", "route", "conference")
    assert read[0].kind is from_line.kind and read[0].intent is from_line.intent  # the class's own words


@pytest.mark.parametrize("name", ["kind", "resource", "ts", "interaction"])
def test_a_dictionary_holding_a_null_reads_as_its_lines(name: str) -> None:
    """A row whose index points at a null value of the dictionary has no value there, as a line
    without that field."""
    values = invitations().column(name).combine_chunks()
    dictionary = pyarrow.array([values[0].as_py(), None])
    column = pyarrow.DictionaryArray.from_arrays(pyarrow.array([0, 0, 1, 0, 0, 0], pyarrow.int32()), dictionary)
    table = invitations(**{name: column})
    read = reads_as_its_lines(table)
    assert type(read[2]) is not type(read[0])  # the row without the field is read as its line, and refused


def test_a_files_word_columns_are_read_as_dictionaries(tmp_path) -> None:
    path = tmp_path / "events.parquet"
    table = invitations(rows=40)
    pyarrow.parquet.write_table(table, path)
    source = parquet_io._opened(str(path))
    types = {field.name: field.type for field in source.schema_arrow}
    assert [name for name, kind in types.items() if pyarrow.types.is_dictionary(kind)] == WORD_COLUMNS
    read = list(parquet_io.read_rows(str(path), ReadCounts()))
    expected = as_lines(table, str(path))
    for got, want in zip(read, expected, strict=True):
        same(got, want)


def test_an_id_is_one_text_in_every_batch_of_its_row_group(tmp_path, monkeypatch) -> None:
    """A file's ids and names are read as the dictionaries Parquet stores them in, and every batch
    of a row group is given that row group's whole dictionary: its values are made once, so an id
    is one text in all the batches of a row group, and still reads as its lines do."""
    monkeypatch.setattr(parquet_io, "BATCH_ROWS", 3)
    path = tmp_path / "events.parquet"
    table = invitations(rows=12, interaction=["chat-0001", "chat-0002"] * 6, by=["chat-0001.q1", "chat-0002.q1"] * 6)
    pyarrow.parquet.write_table(table, path, row_group_size=6)
    source = parquet_io._opened(str(path), shared_texts=True)
    kinds = {field.name: field.type for field in source.schema_arrow}
    assert all(pyarrow.types.is_dictionary(kinds[name]) for name in parquet_io.SHARED_TEXTS)
    read = list(parquet_io.read_rows(str(path), ReadCounts()))
    for got, want in zip(read, as_lines(table, str(path)), strict=True):
        same(got, want)
    first_group, second_group = read[:6], read[6:]
    assert first_group[0].interaction is first_group[4].interaction  # rows 1 and 5: batches 1 and 2
    assert first_group[1].by is first_group[5].by
    assert second_group[0].interaction is second_group[2].interaction is second_group[4].interaction
    assert [event.interaction for event in read] == ["chat-0001", "chat-0002"] * 6


@pytest.mark.parametrize("values", [
    pyarrow.array([{"skill": "billing"}, {"skill": "chat"}]),
    pyarrow.array([1, 2]),
    pyarrow.array(['{"skill":"billing"}', '{"skill":"chat"}']),
])
def test_a_dictionary_of_any_values_reads_as_its_lines(values: pyarrow.Array) -> None:
    """`data`, or any column, as a dictionary of structs, of numbers or of text."""
    column = pyarrow.DictionaryArray.from_arrays(pyarrow.array([0, 1, 0, 0, 1, 0], pyarrow.int32()), values)
    for name in ("data", "extra"):
        reads_as_its_lines(invitations(**{name: column}))


class _Odd:
    """Owns the rows of interactions whose id ends in an odd digit, and those without an id."""

    def owns(self, interaction: object) -> bool:
        return not isinstance(interaction, str) or int(interaction[-1]) % 2 == 1


def test_a_worker_keeps_the_rows_of_its_interactions_from_a_dictionary_id_column() -> None:
    """The owner of each id is asked once per dictionary value (a value may be there twice, or be
    null), and a row's id is the value its index points at."""
    ids = pyarrow.DictionaryArray.from_arrays(pyarrow.array([0, 1, 2, 3, None, 1], pyarrow.int32()),
                                              pyarrow.array(["c1", "c2", "c1", None]))
    batch = pyarrow.RecordBatch.from_arrays([ids, pyarrow.array(range(6))], names=["interaction", "seq"])
    kept, lines = parquet_io._owned(batch, range(1, 7), _Odd())
    assert lines == [1, 3, 4, 5]
    assert kept.column(1).to_pylist() == [0, 2, 3, 4]


def test_an_id_or_name_repeated_down_a_batch_is_one_text_for_all_its_rows() -> None:
    """`interaction`, `party`, `by` and `resource` are read as dictionaries, whatever the file
    holds: the rows of a batch that hold one value share one text, across event types too."""
    table = pyarrow.table({
        "interaction": ["c1", "c1", "c2", "c1", "c2"], "seq": [1, 2, 1, 3, 2],
        "ts": ["2026-03-02T10:00:00Z"] * 5,
        "event": ["interaction.created", "party.entered", "interaction.created", "party.invited", "party.entered"],
        "media": ["chat", None, "chat", None, None],
        "party": [None, "c1.q1", None, "c1.a1", "c2.q1"],
        "kind": [None, "queue", None, "agent", "queue"],
        "resource": [None, "Chat_Sales", None, "Agent 7", "Chat_Sales"],
        "by": [None, None, None, "c1.q1", None], "intent": [None, None, None, "route", None],
    })
    read = reads_as_its_lines(table)
    assert [type(event).__name__ for event in read] == [
        "InteractionCreated", "PartyEntered", "InteractionCreated", "PartyInvited", "PartyEntered"]
    assert read[0].interaction is read[1].interaction is read[3].interaction
    assert read[2].interaction is read[4].interaction
    assert read[1].resource is read[4].resource
    assert read[0].interaction == "c1" and read[4].interaction == "c2" and read[4].resource == "Chat_Sales"
