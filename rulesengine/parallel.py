"""The main job on all cores: interactions shared out among worker processes by their id.

Every worker reads every input file but parses only the lines of its own
interactions (`owner`: a CRC-32 of the interaction id, modulo the number of
workers), so an interaction is assembled and evaluated whole by one worker and
nothing but results crosses a process boundary. Reading a line just to skip it
costs a fraction of parsing it, and no process feeds the others, so the work
divides evenly. Workers write their rows in the output format themselves and send
bytes; the parent only forwards them, keeping up with any number of workers.

The rows are those of one process, in another order: interactions come out as
each worker completes them. Sorting (`--sort`) restores the single-process order
exactly. Each worker remembers the last `late_window` interactions of its own
share, so a late event is recognised at least as long after as by one process.
Workers are forked, so they share the compiled rules without pickling them;
stdin cannot be read twice, and platforms without `fork` run on one process.
"""

from __future__ import annotations

import io
import multiprocessing
import traceback
import zlib
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import IO

import attrs

from rulesengine.assemble import Rejection, StreamStats
from rulesengine.decision import Evaluator
from rulesengine.diagnostics import Diagnostic
from rulesengine.loader import STDIN, InputError, parse_line
from rulesengine.output import RowWriter
from rulesengine.pipeline import RunStats, evaluate

#: interactions a worker collects before sending them in one message
BATCH = 200
_PREFIX = b'{"interaction":"'

WriterFactory = Callable[[IO[bytes]], RowWriter]


@attrs.frozen
class Rendered:
    """One interaction's rows, already written in the output format, and what went wrong."""

    interaction: str
    data: bytes
    rows: int
    problems: tuple[Diagnostic, ...] = attrs.field(converter=tuple)
    undecided: tuple[str, ...] = attrs.field(converter=tuple)


def can_share(sources: Sequence[str]) -> bool:
    """Whether these inputs can be read by several workers at once."""
    return STDIN not in sources and "fork" in multiprocessing.get_all_start_methods()


def owner(raw: bytes, jobs: int) -> int:
    """The worker that owns a raw line: the same for every line of one interaction.

    The key is the interaction id exactly as the loader will read it. Most lines
    start with it, unescaped and alone; any other line is parsed to find it. Lines
    with no readable id stand alone (they reject only themselves) and go to worker 0.
    """
    if raw.startswith(_PREFIX) and raw.count(b'"interaction"') == 1:
        end = raw.find(b'"', len(_PREFIX))
        if end > len(_PREFIX) and b"\\" not in raw[len(_PREFIX):end]:
            key: str | None = raw[len(_PREFIX):end].decode("utf-8", "replace")
        elif end == len(_PREFIX):
            key = None
        else:
            key = parse_line(raw, "", 0).interaction
    else:
        key = parse_line(raw, "", 0).interaction
    if key is None:
        return 0
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % jobs


def share(worker: int, jobs: int) -> Callable[[bytes], bool]:
    """Whether a raw line belongs to `worker`: `owner` with its common case inlined.

    Every worker runs this on every line of the input, so the usual line costs a
    prefix test, a count, a find and a checksum, and no further call.
    """
    start = len(_PREFIX)

    def keep(raw: bytes) -> bool:
        if raw.startswith(_PREFIX) and raw.count(b'"interaction"') == 1:
            end = raw.find(b'"', start)
            if end > start and raw.isascii() and b"\\" not in raw:
                return zlib.crc32(raw[start:end]) % jobs == worker
        return owner(raw, jobs) == worker

    return keep


def evaluate_parallel(sources: Sequence[str], evaluator: Evaluator, writer: WriterFactory, *,
                      jobs: int, include_open: bool = False,
                      stats: RunStats | None = None) -> Iterator[Rendered | Rejection]:
    """Rendered rows and rejections of every interaction, from `jobs` forked workers.

    `writer` makes the output format's writer over a stream; whatever it writes
    before the first row (a CSV header) is left to the caller's own writer. `stats`
    holds the merged counts once the iterator is exhausted. Raises `InputError` if
    a source cannot be read, before anything is produced.
    """
    stats = stats if stats is not None else RunStats()
    context = multiprocessing.get_context("fork")
    receivers: list[Connection] = []
    workers = []
    try:
        for worker in range(jobs):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_work, daemon=True,
                args=(sender, share(worker, jobs), sources, evaluator, writer,
                      include_open))
            process.start()
            sender.close()
            receivers.append(receiver)
            workers.append(process)
        finished: list[RunStats] = []
        live = list(receivers)
        while live:
            for receiver in wait(live):
                try:
                    tag, payload = receiver.recv()
                except EOFError:
                    raise RuntimeError("a worker process ended without finishing its share") from None
                if tag == "items":
                    for item in payload:
                        yield item if isinstance(item, Rejection) else Rendered(*item)
                elif tag == "done":
                    finished.append(payload)
                    live.remove(receiver)
                elif tag == "input":
                    raise InputError(payload)
                else:
                    raise RuntimeError(f"a worker process failed:\n{payload}")
        merge_stats(stats, finished)
    finally:
        for process in workers:
            if process.is_alive():
                process.terminate()
            process.join()
        for receiver in receivers:
            receiver.close()


def merge_stats(total: RunStats, parts: Sequence[RunStats]) -> None:
    """Add the workers' counts into `total`; lines were read by every worker, so count them once."""
    for part in parts:
        total.rows += part.rows
        total.undecided += part.undecided
        total.problems += part.problems
        for field in attrs.fields(StreamStats):
            if field.name != "lines":
                setattr(total.stream, field.name,
                        getattr(total.stream, field.name) + getattr(part.stream, field.name))
    total.stream.lines = max((part.stream.lines for part in parts), default=0)


def _work(sender: Connection, keep: Callable[[bytes], bool], sources: Sequence[str],
          evaluator: Evaluator, writer: WriterFactory, include_open: bool) -> None:
    """One worker: evaluate its share, send rendered rows in batches, then its counts."""
    try:
        stats = RunStats()
        buffer = io.BytesIO()
        rows_out = writer(buffer)
        buffer.seek(0)
        buffer.truncate()
        batch: list = []
        for item in evaluate(sources, evaluator, include_open=include_open, stats=stats, keep=keep):
            if isinstance(item, Rejection):
                batch.append(item)
            else:
                rows_out.write(item.rows)
                batch.append((item.interaction, buffer.getvalue(), len(item.rows), item.problems,
                              item.undecided))
                buffer.seek(0)
                buffer.truncate()
            if len(batch) >= BATCH:
                sender.send(("items", batch))
                batch = []
        sender.send(("items", batch))
        sender.send(("done", stats))
    except InputError as problem:
        sender.send(("input", str(problem)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()
