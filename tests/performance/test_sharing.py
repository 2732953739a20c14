"""Which worker takes which line: owners worked out once per block and shared among workers."""

from __future__ import annotations

import fcntl
import os
import resource
import threading
import time
import zlib
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rulesengine.events.read import parse_line
from rulesengine.events.salvage import has_unicode_escape
from rulesengine.runtime.sharing import READ_AHEAD, PeerLost, SharedScan, owner, owners


def expected_owner(raw: bytes, jobs: int) -> int:
    key = parse_line(raw, "", 0).interaction
    return 0 if key is None else zlib.crc32(key.encode("utf-8", "surrogatepass")) % jobs


IDS = st.sampled_from(["c1", "c2", "é1", "", "a\\u00e91", "a\\\"b", "\\ud800x"])
SHAPES = st.sampled_from([
    '{{"interaction":"{id}","seq":1,"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}',
    '{{"seq":1,"interaction":"{id}","event":"customer.left"}}',
    '{{ "interaction" : "{id}", "seq": 1}}',
    '{{"interaction":"{id}","data":{{"interaction":"other"}}}}',
    '{{"interaction":"{id}","interaction":"second"}}',
    '{{"interaction":"{id}","\\u0069nteraction":"second"}}',
    '{{"source":"gw","interaction":"{id}","seq":1}}',
    '{{"interaction":"{id}","seq":1,',
    '{{"interaction":{id_raw}}}',
    '["interaction","{id}"]',
])


PLAIN = '{{"interaction":"{id}","seq":1,"ts":"2026-03-02T10:00:00Z","event":"customer.left"}}'
LINES = st.tuples(st.one_of(SHAPES, st.just(PLAIN)), IDS | st.sampled_from(["c3", "c4", "c5"]),
                  st.sampled_from(["utf-8", "latin-1"]), st.sampled_from(["\n", "\r\n", ""]))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=12), jobs=st.integers(1, 5), plain=st.booleans())
def test_every_line_goes_to_the_worker_of_its_interaction(lines: list, jobs: int, plain: bool) -> None:
    """Blocks of plain lines take the block-wide short cut, any other block goes line by line.
    Latin-1 makes `é` invalid UTF-8: the loader salvages such an id from the broken line."""
    if plain:
        lines = [(PLAIN, key, "utf-8", "\n") for _, key, _, _ in lines if "\\" not in key]
    block = [(shape.format(id=key, id_raw=7) + end).encode(encoding) for shape, key, encoding, end in lines]
    assume(block)
    for raw in block:
        assert owner(raw, jobs) == expected_owner(raw.rstrip(b"\r\n"), jobs)
    expected = bytes(expected_owner(raw.rstrip(b"\r\n"), jobs) for raw in block)
    assert owners(block, jobs) == owners(block, jobs, b"".join(block)) == expected




def scans(jobs: int, past: int = 0) -> list[SharedScan]:
    """The scans of `jobs` workers, joined by pipes as `decide_parallel` joins them; with `past`,
    their descriptors numbered from there on."""
    pipes = {(dealer, taker): (numbered(read_end, past), numbered(write_end, past))
             for dealer in range(jobs) for taker in range(jobs) if dealer != taker
             for read_end, write_end in [os.pipe()]}
    return [SharedScan(worker, jobs,
                       {dealer: ends[0] for (dealer, taker), ends in pipes.items() if taker == worker},
                       {taker: ends[1] for (dealer, taker), ends in pipes.items() if dealer == worker})
            for worker in range(jobs)]


def numbered(fd: int, past: int) -> int:
    """The descriptor moved to the lowest free number from `past` on (where it is, for 0)."""
    if not past:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, past)
    os.close(fd)
    return moved


def close_all(workers: list[SharedScan], closed: set[int]) -> None:
    """Close the pipe ends of every scan but those in `closed`."""
    for scan in workers:
        for box in [*scan._inboxes.values(), *scan._outboxes.values()]:
            if box.fileno() not in closed:
                os.close(box.fileno())


def taken_by_each(blocks: list[list[bytes]], jobs: int, sources: int = 1,
                  slow: float = 0.0, past: int = 0) -> list[list[tuple[int, int, bytes]]]:
    """What every worker takes, `(block, index, line)`, each worker on a thread of its own.

    Each block's lines, which end with their newline, are read as one text. The blocks are
    read as `sources` files in a row, the way `read_lines` calls a scan once per source. The
    last worker takes `slow` seconds over each block. `past`: as in `scans`."""
    taken: list[list[tuple[int, int, bytes]]] = [[] for _ in range(jobs)]
    cut = max(1, len(blocks) // sources)
    files = [blocks[start:start + cut] for start in range(0, len(blocks), cut)]

    def work(scan: SharedScan) -> None:
        number = 0
        for source in files:
            for size, indices, lines in scan(b"".join(block) for block in source):
                assert size == len(blocks[number])
                taken[scan.worker].extend((number, index, raw) for index, raw in zip(indices, lines, strict=True))
                number += 1
                if scan.worker == jobs - 1:
                    time.sleep(slow)
        scan.finish()

    on_threads(jobs, work, past)
    return taken


def on_threads(jobs: int, work: Callable[[SharedScan], None], past: int = 0) -> None:
    """`work` on the scan of each of `jobs` workers (`scans`), each on a thread of its own; the
    first error raised again here. A worker that fails closes its pipes, as a worker process's
    close when it ends, so that its peers stop too rather than wait for it. Every pipe is closed
    at the end, so that a long run of examples does not pile descriptors up."""
    errors: list[BaseException] = []
    closed: set[int] = set()

    def run(scan: SharedScan) -> None:
        try:
            work(scan)
        except BaseException as problem:  # noqa: BLE001 - raised again in the test's thread
            errors.append(problem)
            for outbox in scan._outboxes.values():
                closed.add(outbox.fileno())
                os.close(outbox.fileno())

    workers = scans(jobs, past)
    threads = [threading.Thread(target=run, args=(scan,)) for scan in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a worker waited for ever"
    close_all(workers, closed)
    if errors:
        raise errors[0]


def plain(interaction: str) -> bytes:
    return f'{{"interaction":"{interaction}","seq":1,"event":"customer.left"}}\n'.encode()


@settings(max_examples=40, deadline=None)
@given(blocks=st.lists(st.lists(st.sampled_from([plain("c1"), plain("c2"), plain("c3"), plain("é4"), b"\n",
                                                 b'{"seq":1,"interaction":"c2"}\n']),
                                min_size=1, max_size=6), min_size=1, max_size=12),
       jobs=st.integers(1, 4), sources=st.integers(1, 3), ragged=st.booleans())
def test_every_worker_takes_exactly_the_lines_it_owns(blocks: list[list[bytes]], jobs: int, sources: int,
                                                      ragged: bool) -> None:
    """Every line goes to one worker, whole, blank or not, however many of a block's lines its
    peers take (none too); `ragged` ends the last block without a newline, as a file may end
    (after a line with something in it: a file's last newline ends a line, it opens none)."""
    if ragged and blocks[-1][-1] != b"\n":
        blocks[-1][-1] = blocks[-1][-1].removesuffix(b"\n")
    taken = taken_by_each(blocks, jobs, sources)
    for worker in range(jobs):
        assert taken[worker] == [(number, index, raw.removesuffix(b"\n")) for number, block in enumerate(blocks)
                                 for index, raw in enumerate(block) if owner(raw, jobs) == worker]


def test_lines_larger_than_a_pipe_reach_a_slow_peer_whole(monkeypatch) -> None:
    """Blocks of 50,000 lines make messages of about a megabyte (a peer's lines and their
    indices), more than a pipe holds. A worker writes a message itself while the pipe takes it;
    what it cannot take yet is written by the outbox's own thread, which waits for the pipe
    while its worker goes on."""
    writers: list[str] = []
    sizes: list[int] = []
    write = os.write

    def recorded(fd: int, data: memoryview) -> int:
        writers.append(threading.current_thread().name)
        sizes.append(len(data))
        return write(fd, data)

    monkeypatch.setattr(os, "write", recorded)
    lines = [plain(f"c{number}") for number in range(50_000)]
    blocks = [lines] * (2 * READ_AHEAD + 6)
    taken = taken_by_each(blocks, 2, slow=0.05)
    by_outbox = [name.endswith("(_write)") for name in writers]
    assert max(sizes) >= 50_000 and any(by_outbox) and not all(by_outbox)
    assert sum(map(len, taken)) == len(blocks) * len(lines)
    assert {raw for _, _, raw in taken[0]}.isdisjoint(raw for _, _, raw in taken[1])


@pytest.mark.parametrize("past", [0, 1500])
def test_a_peer_that_stops_is_seen_to_stop(past: int) -> None:
    first, second = workers = scans(2, high_enough(past))
    os.close(first._outboxes[1].fileno())  # worker 0 ends without dealing block 0
    blocks = iter([plain("c1"), plain("c2")])
    with pytest.raises(PeerLost):
        list(second(blocks))
    close_all(workers, {first._outboxes[1].fileno()})


def high_enough(past: int) -> int:
    """`past`, with this process allowed to open descriptors that far (its soft limit raised
    within the hard one), or as far as it may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = past + 64
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return past if soft == resource.RLIM_INFINITY else min(past, soft - 64)


def test_pipes_numbered_past_what_select_takes_still_carry_every_line() -> None:
    """`select()` refuses descriptors from 1024 on, and a program holding many files open would
    give a run's pipes such numbers: workers wait on their pipes with `poll`, which takes any.
    Blocks of 50,000 lines fill the pipes, so that the outbox's own thread waits on one too."""
    past = high_enough(1500)
    lines = [plain(f"c{number}") for number in range(50_000)]
    blocks = [lines] * (2 * READ_AHEAD + 2)
    taken = taken_by_each(blocks, 2, slow=0.02, past=past)
    assert sum(map(len, taken)) == len(blocks) * len(lines)
    for worker in range(2):
        assert all(owner(raw, 2) == worker for _, _, raw in taken[worker])


def test_more_workers_than_one_byte_can_name_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 256"):
        SharedScan(0, 257, {}, {})


@pytest.mark.parametrize(("text", "found"), [
    (rb'{"interaction":"c1"}', False),
    (rb'{"\u0069nteraction":"c1"}', True),
    (rb'{"note":"a\\u"}', False),        # an escaped backslash, then a plain u
    (rb'{"note":"a\\\u00e9"}', True),   # an escaped backslash, then an escape
    (rb'{"note":"a\"b"}', False),
    (b"ends with \\", False),
])
def test_a_unicode_escape_is_told_from_an_escaped_backslash(text: bytes, found: bool) -> None:
    assert has_unicode_escape(text) is found
