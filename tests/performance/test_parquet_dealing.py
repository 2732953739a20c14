"""A Parquet file's row groups taken in turn by the workers: each row group decoded by one of
them, every worker given exactly the rows of its own interactions, numbered as one reader
numbers them."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow
import pyarrow.parquet as parquet
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.events import parquet as parquet_io
from rulesengine.events import parquet_dealing
from rulesengine.events.contract import AnyEvent
from rulesengine.events.parquet_dealing import _message, _OwnGroups, dealt_parts
from rulesengine.events.read import InputError, LoadedLine, ReadCounts, read_batches
from rulesengine.runtime.sharing import PIPE_BYTES, PeerLost, SharedScan, owner_of_id, peer_pipes
from tests.events.test_parquet_rows import valid_rows
from tests.performance.test_sharing import on_threads, scans


def owner_of_row(interaction: object, jobs: int) -> int:
    return owner_of_id(interaction, jobs) if isinstance(interaction, str) and interaction else 0


def events_file(tmp_path: Path, rows: int, group_rows: int) -> tuple[Path, list[object]]:
    """A Parquet file of `rows` valid events in row groups of `group_rows`, with a row without an
    id and one with an empty id among them; and each row's interaction."""
    table = valid_rows(rows)
    ids = table.column("interaction").to_pylist()
    ids[3], ids[rows // 2] = None, ""
    table = table.set_column(0, "interaction", pyarrow.array(ids, pyarrow.string()))
    path = tmp_path / "events.parquet"
    parquet.write_table(table, path, row_group_size=group_rows)
    return path, ids


def line_in_file(item: AnyEvent | LoadedLine) -> int:
    return item.position.line if isinstance(item, LoadedLine) else item.source.line


def read_by_each(sources: list[str], jobs: int, slow: float = 0.0) -> list[tuple[list[tuple[int, int]], int]]:
    """What each worker reads of `sources` (`read_batches` with its `SharedScan`), each on a thread
    of its own: its (number, line in its file) pairs and its count of lines at the end. The last
    worker takes `slow` seconds over each batch, so that the others deal ahead of their turn."""
    found: list[tuple[list[tuple[int, int]], int]] = [([], 0)] * jobs

    def work(scan: SharedScan) -> None:
        counts = ReadCounts()
        numbers = []
        for batch_numbers, lines in read_batches(sources, counts, scan):
            numbers.extend(zip(batch_numbers, map(line_in_file, lines), strict=True))
            if scan.worker == jobs - 1:
                time.sleep(slow)
        scan.finish()
        found[scan.worker] = (numbers, counts.lines)

    on_threads(jobs, work)
    return found


@pytest.mark.parametrize(("jobs", "group_rows", "slow"), [
    (1, 700, 0.0), (2, 700, 0.0), (2, 700, 0.01), (3, 500, 0.0), (3, 40_000, 0.01), (4, 300, 0.002)])
def test_every_worker_reads_exactly_its_rows_and_every_row_group_is_decoded_once(
        tmp_path: Path, monkeypatch, jobs: int, group_rows: int, slow: float) -> None:
    monkeypatch.setattr(parquet_io, "BATCH_ROWS", 100)  # several batches to a row group
    path, ids = events_file(tmp_path, 3_000, group_rows)
    decoded: list[tuple[str, list[int] | None]] = []
    batches = parquet_io._batches

    def recorded(source: object, where: str, groups: list[int] | None = None, rows: int = 0) -> Iterator[object]:
        decoded.append((threading.current_thread().name, groups))
        return batches(source, where, groups, rows)

    monkeypatch.setattr(parquet_io, "_batches", recorded)
    found = read_by_each([str(path)], jobs, slow)
    for worker, (numbers, lines) in enumerate(found):
        mine = [row for row, interaction in enumerate(ids, start=1) if owner_of_row(interaction, jobs) == worker]
        assert numbers == [(row, row) for row in mine]
        assert lines == len(ids)
    group_count = parquet.ParquetFile(path).num_row_groups
    assert sorted(group for _, groups in decoded for group in groups or []) == list(range(group_count))
    by_worker = {name: sorted(group for who, groups in decoded if who == name for group in groups or [])
                 for name, _ in decoded}
    assert sorted(by_worker.values()) == sorted(
        [group for group in range(group_count) if group % jobs == worker] for worker in range(jobs)
        if any(group % jobs == worker for group in range(group_count)))


def test_row_groups_are_dealt_in_the_same_turn_as_the_blocks_of_lines_around_them(tmp_path: Path, monkeypatch) -> None:
    """Lines, then Parquet, then lines: numbered across the three as one reader numbers them,
    each line and row read by the worker of its interaction."""
    monkeypatch.setattr(parquet_io, "BATCH_ROWS", 64)
    path, ids = events_file(tmp_path, 900, 200)
    lines = [f'{{"interaction":"c{row % 5}","seq":{row},"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}'
             for row in range(300)]
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    before.write_text("\n".join(lines) + "\n")
    after.write_text("\n".join(lines[:7]) + "\n")
    sources = [str(before), str(path), str(after)]
    alone = [number for numbers, _ in read_batches(sources, ReadCounts()) for number in numbers]
    every = [f"c{row % 5}" for row in range(300)] + ids + [f"c{row % 5}" for row in range(7)]
    assert alone == list(range(1, len(every) + 1))
    found = read_by_each(sources, 3, slow=0.001)
    for worker, (numbers, count) in enumerate(found):
        assert [number for number, _ in numbers] == [
            number for number, interaction in enumerate(every, start=1) if owner_of_row(interaction, 3) == worker]
        assert count == len(every)


def test_own_row_groups_are_dealt_ahead_whole_in_part_or_not_at_all(monkeypatch) -> None:
    """A worker waiting for a peer's rows deals its own next row groups meanwhile, up to `AHEAD`
    batches, and produces its rows of each in their turn."""
    monkeypatch.setattr(parquet_dealing, "AHEAD", 3)
    ended: list[int] = []

    def dealt(group: int, batches: int) -> Iterator[tuple[int, int]]:
        yield from ((group, batch) for batch in range(batches))
        ended.append(group)

    own = _OwnGroups([(dealt(0, 0), 0), (dealt(2, 2), 2), (dealt(4, 2), 4), (dealt(6, 1), 6)])
    assert [own.deal_one() for _ in range(4)] == [True, True, True, False]  # 3 batches held: as far as it goes
    assert ended == [0, 2]
    assert list(own.parts(0)) == []  # dealt whole ahead, none of its rows its own
    assert list(own.parts(2)) == [(2, 0), (2, 1)]  # dealt whole ahead
    assert own.deal_one() and ended == [0, 2]
    assert list(own.parts(4)) == [(4, 0), (4, 1)] and ended == [0, 2, 4]  # dealt in part ahead
    assert list(own.parts(6)) == [(6, 0)] and ended == [0, 2, 4, 6]  # not dealt ahead
    assert not own.deal_one()


class _Dealt:
    """Worker 1 of 2, every row group dealt to worker 0, which sends `messages`."""

    worker, jobs = 1, 2

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages

    def dealer(self) -> int:
        return 0

    def owners_of(self, interactions: list[object]) -> bytes:
        return bytes([1] * len(interactions))

    def send(self, peer: int, message: bytes) -> None:
        raise AssertionError("nothing is dealt to worker 1")

    def receive(self, dealer: int) -> bytes:
        return self.messages.pop(0)

    def poll(self, dealer: int) -> bytes | None:
        return None


def test_rows_sent_for_another_row_group_are_an_input_error() -> None:
    """Every worker reads the file's footer itself: rows numbered outside the row group they are
    sent for mean that the file changed between the workers' reads."""
    batch = pyarrow.record_batch({"interaction": ["c1"]})
    two, nine = pyarrow.array([1, 2, 9], pyarrow.int64()).slice(1, 1), pyarrow.array([9], pyarrow.int64())
    share = _Dealt([_message(batch, two), b"", _message(batch, nine), b""])
    parts = dealt_parts([5, 3], lambda group: iter(()), lambda batch, owner: None, share, "e.parquet")
    first, numbers = next(parts)
    assert (first.to_pylist(), numbers) == ([{"interaction": "c1"}], [2])
    with pytest.raises(InputError, match=r"^cannot read e.parquet: worker 0 sent rows 9 to 9 for rows 6 to 8: an "
                                         r"input changed while it was read$"):
        next(parts)


def test_a_worker_whose_dealer_stops_is_told_so(tmp_path: Path) -> None:
    path, _ = events_file(tmp_path, 50, 10)
    first, second = scans(2)
    os.close(first._outboxes[1].fileno())  # worker 0 stops before dealing row group 0
    with pytest.raises(PeerLost, match="stopped before sending what it was dealt"):
        list(read_batches([str(path)], ReadCounts(), second))


def test_pipes_between_workers_hold_a_batch_of_rows() -> None:
    pipes = peer_pipes(3)
    try:
        assert sorted(pipes) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        for _, write_end in pipes.values():
            assert fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) == min(PIPE_BYTES, limit)
    finally:
        for ends in pipes.values():
            for end in ends:
                os.close(end)


def test_a_file_without_rows_gives_every_worker_nothing_and_keeps_the_deal_in_step(tmp_path: Path) -> None:
    """No row group is dealt from a file without rows: the lines after it are dealt as if it
    were not there."""
    empty = tmp_path / "empty.parquet"
    parquet.write_table(valid_rows(0), empty)
    after = tmp_path / "after.jsonl"
    after.write_text("".join(f'{{"interaction":"c{row}","seq":1,"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}\n'
                             for row in range(40)))
    found = read_by_each([str(empty), str(after)], 2)
    assert sorted(number for numbers, _ in found for number, _ in numbers) == list(range(1, 41))
    assert [count for _, count in found] == [40, 40]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.sampled_from(["c1", "c2", "c3", "é4", "", None]), min_size=1, max_size=120),
       group_rows=st.integers(1, 50), batch_rows=st.integers(1, 40), jobs=st.integers(1, 4))
def test_any_file_shape_gives_every_worker_its_rows_and_nothing_else(
        tmp_path: Path, monkeypatch, ids: list[str | None], group_rows: int, batch_rows: int, jobs: int) -> None:
    """Row groups and batches of any size, ids of any worker, rows with no id (worker 0's)."""
    monkeypatch.setattr(parquet_io, "BATCH_ROWS", batch_rows)
    table = valid_rows(len(ids)).set_column(0, "interaction", pyarrow.array(ids, pyarrow.string()))
    path = tmp_path / f"shape-{len(ids)}-{group_rows}-{batch_rows}-{jobs}.parquet"
    parquet.write_table(table, path, row_group_size=group_rows)
    found = read_by_each([str(path)], jobs)
    for worker, (numbers, count) in enumerate(found):
        assert numbers == [(row, row) for row, interaction in enumerate(ids, start=1)
                           if owner_of_row(interaction, jobs) == worker]
        assert count == len(ids)
