"""Reading only what may be one interaction's: every line counted, only those that may hold its id
read, and every line read for an id a line may hold only escaped."""

from __future__ import annotations

import pytest

from rulesengine.events.one_interaction import OneInteraction
from rulesengine.events.read import ReadCounts, read_lines

LINES = [b'{"interaction":"c1","seq":1}', b'{"interaction":"c2","seq":1}', b'{"interaction":"c12","seq":2}',
         b'{"interaction":"c\\u0031","seq":3}', b'{"interaction":"c3","data":{"about":"c1"}}']


def test_a_block_with_neither_the_id_nor_a_backslash_is_counted_and_not_split() -> None:
    only = OneInteraction("c1")
    with_ending, without = b"\n".join(LINES[1:2] * 3) + b"\n", b"\n".join(LINES[1:2] * 3)
    assert list(only([with_ending, without])) == [(3, [], []), (3, [], [])]


def test_the_lines_that_hold_the_id_or_an_escape_are_read_with_their_places() -> None:
    block = b"\n".join(LINES) + b"\n"
    assert list(OneInteraction("c1")([block])) == [(5, [0, 2, 3, 4], [LINES[0], LINES[2], LINES[3], LINES[4]])]
    assert list(OneInteraction("c2")([block])) == [(5, [1, 3], [LINES[1], LINES[3]])]


@pytest.mark.parametrize("interaction", ["", 'say "hi"', "back\\slash", "tab\there", "\x00", "\ufffd",
                                         chr(0xDC80)])  # the last a lone surrogate
def test_an_id_a_line_may_hold_only_escaped_has_every_line_read(interaction: str) -> None:
    block = b"\n".join(LINES) + b"\n"
    assert list(OneInteraction(interaction)([block])) == [(5, [0, 1, 2, 3, 4], LINES)]


def test_parquet_rows_are_taken_by_their_interaction_value() -> None:
    only = OneInteraction("c1")
    assert [only.owns(value) for value in ("c1", "c12", None, 1, "")] == [True, False, False, False, False]


def test_lines_keep_their_numbers_and_the_count_reaches_every_line(tmp_path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join([*LINES[1:2] * 20_000, *LINES]) + b"\n")  # blocks of no c1 first
    counts = ReadCounts()
    read = list(read_lines([str(path)], counts, OneInteraction("c1")))
    assert [line.position.line for line in read] == [20_001, 20_003, 20_004, 20_005]  # none of them valid
    assert counts.lines == 20_005
