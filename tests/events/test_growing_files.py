"""A file is read as it was when reading began: lines appended meanwhile wait for the next run, a file that
shrinks meanwhile is an input error, and every `--jobs` worker reads the same lines however the file grows."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rulesengine.decide.ruleset import load_rules
from rulesengine.events import read
from rulesengine.events.read import InputError, ReadCounts, read_batches, sizes_now
from rulesengine.runtime import parallel
from rulesengine.runtime.parallel import decide_parallel
from rulesengine.runtime.pipeline import decide_sources
from rulesengine.runtime.sharing import SharedScan

from .builders import line, routed, transfer, write

RULES = load_rules().decider


def interactions(count: int, first: int = 0) -> list[dict]:
    return [item for number in range(first, first + count)
            for item in (routed if number % 2 else transfer)(f"i{number}")]


def test_lines_appended_while_a_file_is_read_wait_for_the_next_run(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in small blocks, the file grows after the first: what was there at the start is read, to its end."""
    monkeypatch.setattr(read, "_BLOCK", 256)
    path = write(tmp_path / "events.jsonl", interactions(60))
    before = path.read_bytes().count(b"\n")
    counts = ReadCounts()
    batches = read_batches([str(path)], counts)
    first = next(batches)
    with path.open("ab") as grown:
        grown.writelines(line(item) for item in interactions(3, first=60))
    rest = [numbers for numbers, _ in batches]
    assert [number for numbers in (first[0], *rest) for number in numbers] == list(range(1, before + 1))
    assert counts.lines == before


def test_a_file_that_shrinks_while_it_is_read_is_an_input_error(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_BLOCK", 256)
    path = write(tmp_path / "events.jsonl", interactions(60))
    batches = read_batches([str(path)], ReadCounts())
    next(batches)
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(InputError, match=f"^cannot read {path}: it became shorter while it was read "):
        list(batches)


def test_stdin_pipes_and_files_that_say_they_are_empty_have_no_size_to_keep_to(tmp_path: Path) -> None:
    path = write(tmp_path / "events.jsonl", interactions(1))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert sizes_now([str(path), "-", str(fifo), str(tmp_path / "missing.jsonl"), str(empty)]) == [
        path.stat().st_size, None, None, None, None]


def test_a_file_that_says_it_is_empty_is_still_read_to_its_end(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The files of /proc say they hold nothing and hold lines: what such a file holds is read."""
    path = write(tmp_path / "events.jsonl", interactions(2))
    stat_of = os.stat

    def says_empty(name: str, **options: object) -> os.stat_result:
        info = stat_of(name, **options)  # type: ignore[arg-type]
        return os.stat_result((*info[:6], 0, *info[7:])) if str(name) == str(path) else info

    monkeypatch.setattr(os, "stat", says_empty)
    counts = ReadCounts()
    lines = sum(len(lines) for _, lines in read_batches([str(path)], counts))
    assert lines == counts.lines == len(path.read_bytes().splitlines())


def test_every_worker_reads_each_file_to_the_size_it_had_before_they_started(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The sizes are taken once, before the workers fork: given as those of the first half of the file,
    two workers give what one process gives on that half, whatever the workers would find."""
    path = write(tmp_path / "events.jsonl", interactions(40))
    half = tmp_path / "half.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    half.write_bytes(b"".join(lines[:len(lines) // 2]))
    monkeypatch.setattr(parallel, "sizes_now", lambda sources: [half.stat().st_size for _ in sources])
    alone = [(item.interaction, item.rows) for item in decide_sources([str(half)], RULES) if hasattr(item, "rows")]
    shared = [(item.interaction, item.rows) for item in decide_parallel([str(path)], RULES, None, jobs=2)
              if hasattr(item, "rows")]
    assert shared == alone
    assert len(alone) >= 15


def test_workers_that_read_different_lines_stop_with_an_input_error() -> None:
    """Should two workers ever read a block differently (the second block is dealt to worker 1, which
    read it whole), the one that read less stops rather than leave lines to neither of them."""
    pipes = {(dealer, taker): os.pipe() for dealer in range(2) for taker in range(2) if dealer != taker}
    scans = [SharedScan(worker, 2, {dealer: ends[0] for (dealer, taker), ends in pipes.items() if taker == worker},
                        {taker: ends[1] for (dealer, taker), ends in pipes.items() if dealer == worker})
             for worker in range(2)]
    block = b"".join(line(item) + b"\n" for item in interactions(4))
    part = b"".join(block.splitlines(keepends=True)[:5])
    seen = {0: [block, part], 1: [block, block]}
    failures: dict[int, BaseException] = {}

    def scan(worker: int) -> None:
        try:
            list(scans[worker](iter(seen[worker])))
            scans[worker].finish()
        except BaseException as problem:  # noqa: BLE001 - looked at below
            failures[worker] = problem

    threads = [threading.Thread(target=scan, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert list(failures) == [0]
    assert isinstance(failures[0], InputError)
    assert str(failures[0]) == (f"worker 0 read a block of {len(part)} bytes where worker 1 read {len(block)}: "
                                "an input changed while it was read")


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.7])
def test_workers_that_read_different_lines_never_finish_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                cut: float) -> None:
    """Worker 1 made to read the whole file while worker 0 keeps to a part of it: however the blocks
    fall, the run stops with an error rather than leave the lines one of them read to no one."""
    path = write(tmp_path / "events.jsonl", interactions(80))
    monkeypatch.setattr(read, "_BLOCK", 2048)
    monkeypatch.setattr(parallel, "sizes_now", lambda sources: [int(path.stat().st_size * cut)])
    bounded = parallel.read_batches

    def skewed(sources: list[str], counts: ReadCounts, scan: SharedScan, sizes: list[int | None]) -> Iterator:
        return bounded(sources, counts, scan, [None] * len(sources) if scan.worker == 1 else sizes)

    monkeypatch.setattr(parallel, "read_batches", skewed)
    with pytest.raises(InputError, match=r"an input changed while it was read$"):
        list(decide_parallel([str(path)], RULES, None, jobs=2))
