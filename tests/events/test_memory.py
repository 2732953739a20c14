"""Memory is bounded by the interactions still open, never by the size of the input."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

from rulesengine.events.assemble import Assembler, Interaction, StreamStats
from rulesengine.events.read import LoadedLine, parse_line
from rulesengine.output.rows import JsonLinesWriter, Row

from .builders import line, routed


def overlapping(count: int, concurrent: int) -> Iterator[LoadedLine]:
    """`count` interactions, `concurrent` at a time, their lines taken round-robin."""
    waiting = (routed(f"i{number:06d}") for number in range(count))
    active: list[list[dict]] = []
    number = 0
    while True:
        while len(active) < concurrent:
            group = next(waiting, None)
            if group is None:
                break
            active.append(group)
        if not active:
            return
        for group in list(active):
            number += 1
            yield parse_line(line(group.pop(0)), "big.jsonl", number)
            if not group:
                active.remove(group)


def test_open_set_stays_small_on_a_long_stream():
    stats = StreamStats()
    assembler = Assembler(late_window=450, stats=stats)
    most_open = most_remembered = produced = 0
    for loaded in overlapping(3_000, concurrent=5):
        for item in assembler.feed(loaded):
            assert isinstance(item, Interaction)
            produced += 1
        most_open = max(most_open, assembler.open_count)
        most_remembered = max(most_remembered, assembler.remembered_count)
    assert list(assembler.finish()) == []
    assert produced == stats.evaluated == 3_000
    assert most_open <= 5
    # five interactions run side by side and end together every 45 lines: 11 such rounds end within 450 lines
    assert most_remembered == 5 * (450 // 45 + 1)
    assert stats.events == 27_000


def test_a_completed_interaction_is_forgotten():
    assembler = Assembler()
    lines = [parse_line(line(item), "t", number) for number, item in enumerate(routed("a"), start=1)]
    for loaded in lines:
        list(assembler.feed(loaded))
    assert (assembler.open_count, assembler.remembered_count) == (0, 1)


def test_writing_rows_keeps_no_memory():
    """Rows come in tuples; the JSON lines writer must not keep anything of them.

    msgspec 0.22's `encode_lines` leaks on every call given a tuple, which once made
    the peak of a million-interaction run grow by 45 MB.
    """
    rows = [Row(f"i{n}", "p", "agent", "A", "IRF", "t0", "t1", 1, 2, "RoutedTo", "Unspecified", "Completed",
                "Unspecified", "r", "r.rules:1", False) for n in range(4)]
    writer = JsonLinesWriter(io.BytesIO())
    tracemalloc.start()
    try:
        writer.write(tuple(rows))
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            writer.write(tuple(rows))
            writer._stream.seek(0)
            writer._stream.truncate()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000
