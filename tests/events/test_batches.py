"""Lines read and assembled a batch at a time give exactly what reading and assembling them one by one gives."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events.assemble import Assembler, Interaction, Rejection, StreamStats, assemble, assemble_lines
from rulesengine.events.read import BATCH_LINES, LoadedLine, ReadCounts, read_batches, read_lines

from .builders import loaded, record, routed, transfer, write


def numbered_one_by_one(paths: list[str]) -> list[tuple[int, object]]:
    """Each line `read_lines` produces, with the line `counts` is at as it is produced."""
    counts = ReadCounts()
    return [(counts.lines, line) for line in read_lines(paths, counts)]


def numbered_by_batches(paths: list[str]) -> tuple[list[list[int]], list[tuple[int, object]], int]:
    counts = ReadCounts()
    batches = list(read_batches(paths, counts))
    return ([numbers for numbers, _ in batches],
            [pair for numbers, lines in batches for pair in zip(numbers, lines, strict=True)], counts.lines)


def many_interactions(count: int) -> list[dict]:
    return [item for number in range(count) for item in (routed if number % 2 else transfer)(f"i{number}")]


def test_batches_hold_at_most_batch_lines_numbered_as_the_lines_are(tmp_path):
    items: list[dict | str] = [*many_interactions(40)]
    items[3:3] = ["", "# a comment"]
    items[300:300] = ['{"interaction": "broken"', "   "]
    items[BATCH_LINES + 1]["ts"] = "soon"  # a line the decoder refuses, just past the first batch
    path = str(write(tmp_path / "events.jsonl", items))
    sizes, pairs, total = numbered_by_batches([path])
    assert max(map(len, sizes)) == BATCH_LINES
    assert sum(map(len, sizes)) == len(items) - 3  # blank and comment lines hold no event
    assert pairs == numbered_one_by_one([path])
    assert [number for number, _ in pairs][:4] == [1, 2, 3, 6]
    assert total == len(items)
    refused = [line for _, line in pairs if type(line) is LoadedLine]
    assert [(line.position.line, line.diagnostics[0].code) for line in refused] == [
        (BATCH_LINES + 2, "E105"), (301, "E101")]


def test_a_batch_never_holds_lines_of_two_sources(tmp_path):
    first = str(write(tmp_path / "a.jsonl", routed("a")))
    second = str(write(tmp_path / "b.jsonl", ["", *routed("b")]))
    sizes, pairs, total = numbered_by_batches([first, second])
    assert sizes == [list(range(1, 10)), list(range(11, 20))]
    assert pairs == numbered_one_by_one([first, second])
    assert total == 19


def test_an_empty_file_gives_no_batch_and_counts_its_lines(tmp_path):
    path = str(write(tmp_path / "empty.jsonl", ["", "# nothing here"]))
    assert numbered_by_batches([path]) == ([], [], 2)


def described(item: Interaction | Rejection) -> tuple:
    if isinstance(item, Rejection):
        return ("rejection", item.interaction, item.kind, tuple((d.code, str(d.position)) for d in item.diagnostics))
    return ("interaction", item.id, item.provisional, tuple(item.events))


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=1, max_value=60), late=st.integers(min_value=0, max_value=12),
       window=st.integers(min_value=0, max_value=900), rnd=st.randoms(use_true_random=False))
def test_assembling_by_batches_is_assembling_line_by_line(count: int, late: int, window: int, rnd: random.Random):
    """Late events fall in or out of the window by the number of the line that brought them, so the
    numbers a batch carries must be those the lines had, wherever a batch starts or ends."""
    stream = many_interactions(count)
    for number in range(late):  # a late customer.left of an interaction already ended
        at = rnd.randint(0, len(stream))
        stream.insert(at, record(f"i{rnd.randrange(count)}", 40 + number, "customer.left", at=40))
    with tempfile.TemporaryDirectory() as folder:
        path = str(write(Path(folder) / "events.jsonl", stream))
        batched_stats, single_stats = StreamStats(), StreamStats()
        batched = list(map(described, assemble([path], late_window=window, stats=batched_stats)))
        counts = ReadCounts()
        single = list(map(described, assemble_lines(
            read_lines([path], counts), Assembler(late_window=window, stats=single_stats, counts=counts))))
    assert batched == single
    assert batched_stats == single_stats
    assert batched_stats.lines == len(stream)


def test_take_batch_gives_what_it_completes_with_the_line_that_completed_it():
    lines = [*routed("a"), *routed("b", ended=False)]
    assembler = Assembler()
    completed = assembler.take_batch([number * 2 for number in range(1, len(lines) + 1)], loaded(lines))
    assert [(number, item.id) for number, item in completed] == [(18, "a")]
    assert assembler.counts.lines == 2 * len(lines)
    assert assembler.open_count == 1
