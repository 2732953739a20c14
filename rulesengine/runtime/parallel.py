"""The main job on all cores: interactions shared out among worker processes by their id.

Every worker reads every input file but parses only the lines of its own
interactions (`sharing.owner`: a CRC-32 of the interaction id, modulo the number
of workers), so an interaction is assembled and evaluated whole by one worker.
Who owns each line is worked out once, by the worker each block is dealt to, which
sends each of the others its own lines (`sharing.SharedScan`); apart from that,
only results cross a process boundary. Reading a line just to skip it costs a
fraction of parsing it, and no process feeds the others, so the work divides
evenly. For streamable formats (JSON lines, CSV) workers write their rows
themselves and send bytes, so the parent only forwards them.

The output is that of one process, in the same order: each result carries the
place in the input of the line that completed it, and the parent merges the
workers' results by that place (what is still open at the end comes last, by
interaction id, as the assembler's `finish` gives it). Late events are judged by
the number of input lines since their interaction ended, which every worker
counts like one process, so they too are the same. Workers are forked, so they
share the compiled rules without pickling them; stdin cannot be read twice, and
platforms without `fork` run on one process.

Workers never outlive the run: the parent ends them on its way out (Ctrl-C,
SIGTERM, an error), and should the parent itself be killed outright, the kernel
kills them too (`PR_SET_PDEATHSIG` on Linux); elsewhere their next send fails, as
no worker keeps the parent's end of a result pipe open.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from multiprocessing.connection import Connection

import attrs
import msgspec

from rulesengine.decide.coverage import counting
from rulesengine.decide.decider import Decider
from rulesengine.diagnostics import Diagnostic
from rulesengine.events import parquet
from rulesengine.events.assemble import LATE_WINDOW, Assembler, Interaction, Rejection, StreamStats
from rulesengine.events.read import STDIN, InputError, ReadCounts, read_batches, sizes_now
from rulesengine.output.files import BinarySink
from rulesengine.output.rows import StreamWriter
from rulesengine.runtime.carry import CarryOver, merge, share
from rulesengine.runtime.pipeline import Evaluated, RunStats, decide_interaction
from rulesengine.runtime.sharing import MAX_JOBS, PeerLost, SharedScan, peer_pipes
from rulesengine.runtime.state import pack, unpack

#: interactions a worker collects before sending them in one message
BATCH = 200
#: messages received ahead from one worker while the merge waits on another
INBOX_BATCHES = 16
#: the tags of messages that carry results (any other is a worker's last)
_RESULTS = frozenset({"items", "rendered"})

WriterFactory = Callable[[BinarySink], StreamWriter]
#: what a worker does with each complete interaction it owns, counting into the stats it is given;
#: a `Rendered` result travels as columns, any other as it is (it must pickle)
Work = Callable[[Interaction, RunStats], object]


class WorkerLost(Exception):
    """A worker process ended without a word (killed outright: by the out-of-memory killer, say),
    so its share of the run is missing."""


class Rendered(msgspec.Struct, frozen=True, gc=False):
    """One interaction's rows, already written in the output format, and what went wrong."""

    interaction: str
    data: bytes
    rows: int
    problems: tuple[Diagnostic, ...]
    undecided: tuple[str, ...]


def can_share(sources: Sequence[str]) -> bool:
    """Whether these inputs can be read by several workers at once: every one a regular file.

    Each worker reads every input, so one that can be read only once (stdin, a pipe such as
    `<(zcat day.gz)`, a device) would be split among them: it is read by one process."""
    shared = all(source != STDIN and os.path.isfile(source) for source in sources)
    return shared and "fork" in multiprocessing.get_all_start_methods()


#: inputs smaller than this, all files together, run on one process when no `--jobs` is given:
#: forking workers and sharing the scan out costs more than they save on a few thousand lines
SMALL_INPUT = 1 << 20


def jobs_for(sources: Sequence[str], asked: int | None) -> int:
    """The processes to run on: those asked for, else one for a small input, else every core."""
    if asked is not None:
        return asked
    try:
        size = sum(os.stat(source).st_size for source in sources if source != STDIN)
    except OSError:
        return default_jobs()  # the read reports what is wrong with the file
    return 1 if size < SMALL_INPUT else default_jobs()


def default_jobs() -> int:
    """All the cores this process may run on, up to the most workers that can share a scan."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return min(cores, MAX_JOBS)


def decide_parallel(sources: Sequence[str], decider: Decider, writer: WriterFactory | None, *,
                      jobs: int, include_open: bool = False, stats: RunStats | None = None,
                      late_window: int = LATE_WINDOW, carry: CarryOver | None = None
                      ) -> Generator[Rendered | Evaluated | Rejection, None, None]:
    """What `pipeline.evaluate` gives, in the same order, from `jobs` forked workers.

    With a `writer` (a streamable format's writer over a stream) interactions come
    as `Rendered` bytes; whatever the writer writes before the first row (a CSV
    header) is left to the caller's own writer. Without one they come as
    `Evaluated` rows. `stats` holds the merged counts once the iterator is
    exhausted, and `carry` (a batch of several, as `pipeline.decide_sources` takes it)
    what the workers still hold. Raises `InputError` if a source cannot be read, before
    anything is produced.
    """
    render = writer(io.BytesIO()).render if writer is not None else None  # a header is the caller's

    def decide(interaction: Interaction, counts: RunStats) -> Evaluated | Rendered:
        evaluated = decide_interaction(interaction, decider, counts)
        if render is None:
            return evaluated
        return Rendered(evaluated.interaction, render(evaluated.rows), len(evaluated.rows), evaluated.problems,
                        evaluated.undecided)

    return run_parallel(sources, decide, jobs=jobs, include_open=include_open, stats=stats,
                        late_window=late_window, new_stats=lambda: RunStats(coverage=counting(decider)), carry=carry)  # type: ignore[return-value]


def run_parallel(sources: Sequence[str], work: Work, *, jobs: int, include_open: bool = False,
                 stats: RunStats | None = None, late_window: int = LATE_WINDOW,
                 new_stats: Callable[[], RunStats] = RunStats, carry: CarryOver | None = None) -> Iterator[object]:
    """`work`'s result for every complete interaction, and every rejection, in the order one
    process gives them (`pipeline.work_sources`), from `jobs` forked workers.

    `stats` holds the merged counts once the iterator is exhausted. Raises `InputError`
    if a source cannot be read, before anything is produced.
    """
    stats = stats if stats is not None else RunStats()
    context = multiprocessing.get_context("fork")
    _import_readers(sources)
    sys.stdout.flush()  # a forked worker flushes its copy of these buffers when it ends:
    sys.stderr.flush()  # they must be empty, or what they hold is written twice
    receivers: list[Connection] = []
    workers = []
    peers = peer_pipes(jobs)
    sizes = sizes_now(sources)  # every worker reads each file as it is now, however it grows meanwhile
    try:
        for worker in range(jobs):
            receiver, sender = context.Pipe(duplex=False)
            receivers.append(receiver)
            process = context.Process(
                target=_work, daemon=True,
                args=(sender, receivers, os.getpid(), worker, jobs, peers, sources, sizes, work, include_open,
                      late_window, new_stats, carry))
            process.start()
            sender.close()
            workers.append(process)
        _close_all(peers)
        finished: list[tuple[RunStats, bytes | None]] = []
        inboxes = [_inbox(receiver) for receiver in receivers]
        for _, item in heapq.merge(*(_results_of(inbox, finished) for inbox in inboxes)):
            yield item
        if len(finished) < jobs:  # a worker saw a peer stop, and no peer said why: its share is not all here
            raise InputError("a worker stopped waiting for another that had finished: the workers read the "
                             "input differently, so an input changed while it was read")
        merge_stats(stats, [counts for counts, _ in finished])
        if carry is not None:
            carry.end = merge(carry.start, [unpack(held) for _, held in finished if held is not None], late_window)
    finally:
        _close_all(peers)
        for process in workers:
            if process.is_alive():
                process.terminate()
            process.join()
        for receiver in receivers:
            receiver.close()


def _import_readers(sources: Sequence[str]) -> None:
    """Import what reading Parquet needs before the workers are forked, so that they share one
    import rather than each pay for its own (pyarrow's takes about a third of a second). If it
    cannot be imported, each worker says so when it opens the file."""
    if any(parquet.is_parquet(source) for source in sources):
        with contextlib.suppress(parquet.ParquetUnavailable):
            parquet.pyarrow_modules()


def _close_all(pipes: dict[tuple[int, int], tuple[int, int]]) -> None:
    """Close both ends of every pipe between workers, in the parent once they are forked.

    The pipes are taken out of `pipes` as they are closed, so that calling this again
    (it runs once more on the way out, for when forking failed half way) never
    closes a descriptor number the process has since opened for something else.
    """
    while pipes:
        for fd in pipes.popitem()[1]:
            os.close(fd)


def _inbox(receiver: Connection) -> queue.Queue:
    """A worker's messages, received as soon as they are sent by a thread of their own.

    The merge needs the workers' results in input order, so it waits on one worker
    at a time; receiving eagerly keeps the others from waiting on a full pipe
    meanwhile. The queue holds a few batches at most, so a worker far ahead waits.
    """
    inbox: queue.Queue = queue.Queue(maxsize=INBOX_BATCHES)

    def receive() -> None:
        while True:
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = ("lost", None)
            inbox.put(message)
            if message[0] not in _RESULTS:
                return

    threading.Thread(target=receive, daemon=True).start()
    return inbox


def _results_of(inbox: queue.Queue, finished: list[tuple[RunStats, bytes | None]]) -> Iterator[tuple]:
    """One worker's `(place, result)` pairs as they arrive; its counts, and what it holds for
    the next batch, go to `finished` at the end.

    Places are unique across workers (an interaction belongs to one), so merging
    never compares two results.
    """
    while True:
        tag, payload = inbox.get()
        if tag == "lost":
            raise WorkerLost("a worker process ended without finishing its share (killed, by the out-of-memory "
                             "killer perhaps): the run is incomplete")
        if tag == "items":
            yield from payload
        elif tag == "rendered":
            places, *fields = payload
            yield from zip(places, map(Rendered, *fields), strict=True)
        elif tag == "done":
            finished.append(payload)
            return
        elif tag == "input":
            raise InputError(payload)
        elif tag == "peer lost":  # another worker failed, and says why in its own messages
            return
        else:
            raise RuntimeError(f"a worker process failed:\n{payload}")


def merge_stats(total: RunStats, parts: Sequence[RunStats]) -> None:
    """Add the workers' counts into `total`; lines were read by every worker, so count them once."""
    for part in parts:
        total.rows += part.rows
        total.undecided += part.undecided
        total.problems += part.problems
        if total.coverage is not None and part.coverage is not None:
            total.coverage.add(part.coverage)
        for field in attrs.fields(StreamStats):
            if field.name != "lines":
                setattr(total.stream, field.name,
                        getattr(total.stream, field.name) + getattr(part.stream, field.name))
    total.stream.lines = max((part.stream.lines for part in parts), default=0)


def _work(sender: Connection, receivers: list[Connection], parent: int, worker: int, jobs: int,
          peers: dict[tuple[int, int], tuple[int, int]], sources: Sequence[str], sizes: Sequence[int | None],
          work: Work, include_open: bool, late_window: int, new_stats: Callable[[], RunStats],
          carry: CarryOver | None) -> None:
    """One worker: do `work` on its share and send results in batches, each with its place, then its
    counts (`new_stats()`, fresh in each worker, summed by the parent) and, with `carry`, what it
    still holds open.

    A result's place is `(0, line)` for one completed by the input line numbered
    `line` (counted across all sources) and `(1, interaction)` for one produced at
    the end of input, which is the order one process produces them in. `receivers`
    are the parent's ends of the result pipes forked so far, this worker's own
    among them: they are closed here, so that once the parent is gone a send fails
    rather than waits forever. `peers` holds the pipes between every two workers,
    `(dealer, taker)`: this worker keeps the ends it reads and writes and closes the
    others, so that a peer that stops is seen to have stopped. Each file is read up to its size in
    `sizes`, taken once before the workers were forked, so that every worker reads the same lines.
    """
    _end_with(parent)
    for receiver in receivers:
        receiver.close()
    # the parent handles Ctrl-C and hang-ups and ends the workers itself, with SIGTERM,
    # which must end a worker at once whatever handler the parent had when it forked
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    receiving = {dealer: ends[0] for (dealer, taker), ends in peers.items() if taker == worker}
    sending = {taker: ends[1] for (dealer, taker), ends in peers.items() if dealer == worker}
    for fd in {fd for ends in peers.values() for fd in ends} - {*receiving.values(), *sending.values()}:
        os.close(fd)
    try:
        scan = SharedScan(worker, jobs, receiving, sending)
        stats = new_stats()
        outgoing = _Outgoing(sender)

        def send(place: tuple, item: Interaction | Rejection) -> None:
            result = item if isinstance(item, Rejection) else work(item, stats)
            if isinstance(result, Rendered):
                outgoing.rendered(place, result)
            else:
                outgoing.item(place, result)

        counts = ReadCounts()
        assembler = Assembler(include_open=include_open, late_window=late_window, stats=stats.stream, counts=counts,
                              keep_open=carry is not None)
        if carry is not None:
            assembler.resume(share(carry.start, worker, jobs))
        for numbers, lines in read_batches(sources, counts, scan, sizes):
            for number, item in assembler.take_batch(numbers, lines):
                stats.stream.lines = number
                send((0, number), item)
        scan.finish()
        stats.stream.lines = counts.lines
        for item in assembler.finish():
            send((1, item.interaction if isinstance(item, Rejection) else item.id), item)
        outgoing.flush()
        sender.send(("done", (stats, pack(assembler.carry_over()) if carry is not None else None)))
    except InputError as problem:
        sender.send(("input", str(problem)))
    except PeerLost:
        sender.send(("peer lost", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()


def _end_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent ends, however it ends (Linux's
    `PR_SET_PDEATHSIG`); and if the parent ended before that was asked, end now.
    Elsewhere the closed pipe ends do it: the worker's next send fails."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


#: prctl's option for the signal a process gets when its parent ends
_PR_SET_PDEATHSIG = 1


class _Outgoing:
    """A worker's results on their way to the parent, `BATCH` at a time, in their order.

    Rendered rows, nearly every result, go as columns (places, ids, bytes, counts):
    lists of plain values pickle and unpickle several times faster than records,
    and the parent builds each `Rendered` in C. Other results go as they are.
    """

    def __init__(self, sender: Connection) -> None:
        self._sender = sender
        self._rendered: list[tuple] = []
        self._items: list[tuple] = []

    def rendered(self, place: tuple, result: Rendered) -> None:
        if self._items:
            self.flush()
        self._rendered.append((place, result.interaction, result.data, result.rows, result.problems,
                               result.undecided))
        if len(self._rendered) >= BATCH:
            self.flush()

    def item(self, place: tuple, item: object) -> None:
        if self._rendered:
            self.flush()
        self._items.append((place, item))
        if len(self._items) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self._rendered:
            self._sender.send(("rendered", tuple(zip(*self._rendered, strict=True))))
            self._rendered = []
        if self._items:
            self._sender.send(("items", self._items))
            self._items = []
