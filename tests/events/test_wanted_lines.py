"""Reading only what may be some interactions' or name a party: every line counted, only those that
may hold the text read, and every line read for a text a line may hold only escaped."""

from __future__ import annotations

import pytest

from rulesengine.events.read import ReadCounts, read_lines
from rulesengine.events.wanted_lines import MOST_TEXTS, InteractionLines, PartyLines

LINES = [b'{"interaction":"c1","seq":1}', b'{"interaction":"c2","seq":1}', b'{"interaction":"c12","seq":2}',
         b'{"interaction":"c\\u0031","seq":3}', b'{"interaction":"c3","data":{"about":"c1"}}']
BLOCK = b"\n".join(LINES) + b"\n"


def test_a_block_with_neither_the_id_nor_a_backslash_is_counted_and_not_split() -> None:
    only = InteractionLines(["c1"])
    with_ending, without = b"\n".join(LINES[1:2] * 3) + b"\n", b"\n".join(LINES[1:2] * 3)
    assert list(only([with_ending, without])) == [(3, [], []), (3, [], [])]


def test_the_lines_that_hold_the_id_or_an_escape_are_read_with_their_places() -> None:
    assert list(InteractionLines(["c1"])([BLOCK])) == [(5, [0, 2, 3, 4], [LINES[0], LINES[2], LINES[3], LINES[4]])]
    assert list(InteractionLines(["c2"])([BLOCK])) == [(5, [1, 3], [LINES[1], LINES[3]])]


def test_the_lines_of_several_interactions_are_those_holding_any_of_them() -> None:
    assert list(InteractionLines(["c2", "c3"])([BLOCK])) == [(5, [1, 3, 4], [LINES[1], LINES[3], LINES[4]])]
    assert list(InteractionLines([])([BLOCK])) == [(5, [3], [LINES[3]])]  # an escape may be anything


def test_more_ids_than_are_looked_for_have_every_line_read() -> None:
    many = [f"x{number}" for number in range(MOST_TEXTS + 1)]
    assert list(InteractionLines(many)([BLOCK])) == [(5, [0, 1, 2, 3, 4], LINES)]
    assert list(InteractionLines(many[1:])([BLOCK])) == [(5, [3], [LINES[3]])]


@pytest.mark.parametrize("interaction", ["", 'say "hi"', "back\\slash", "tab\there", "\x00", "\ufffd",
                                         chr(0xDC80)])  # the last a lone surrogate
def test_an_id_a_line_may_hold_only_escaped_has_every_line_read(interaction: str) -> None:
    assert list(InteractionLines([interaction])([BLOCK])) == [(5, [0, 1, 2, 3, 4], LINES)]
    assert list(PartyLines(interaction)([BLOCK])) == [(5, [0, 1, 2, 3, 4], LINES)]


def test_the_lines_that_may_name_a_party_hold_its_text_or_an_escape() -> None:
    lines = [b'{"interaction":"c1","party":"c1.a1"}', b'{"interaction":"c2","party":"c2.a1"}',
             b'{"interaction":"c3","by":"c1.a1"}']
    assert list(PartyLines("c1.a1")([b"\n".join(lines)])) == [(3, [0, 2], [lines[0], lines[2]])]
    assert list(PartyLines("c1.a1")([lines[1]])) == [(1, [], [])]


def test_parquet_rows_are_taken_by_their_interaction_value() -> None:
    only = InteractionLines(["c1", "c3"])
    assert [only.owns(value) for value in ("c1", "c3", "c12", None, 1, "", ["c1"], {"c1": 1})] == [
        True, True, False, False, False, False, False, False]
    assert all(PartyLines("c1.a1").owns(value) for value in ("c1", None, ["c1"]))  # no text column is searched


def test_lines_keep_their_numbers_and_the_count_reaches_every_line(tmp_path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join([*LINES[1:2] * 20_000, *LINES]) + b"\n")  # blocks of no c1 first
    counts = ReadCounts()
    read = list(read_lines([str(path)], counts, InteractionLines(["c1"])))
    assert [line.position.line for line in read] == [20_001, 20_003, 20_004, 20_005]  # none of them valid
    assert counts.lines == 20_005
