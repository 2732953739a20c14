"""A Parquet file's row groups taken in turn by the workers of `--jobs N`.

Every worker needs the rows of its own interactions from every row group, but a row
group need not be decoded by all of them: the worker it is dealt to decodes it, finds
the owner of each row, keeps its own rows and sends every other worker theirs (rows
and their numbers, in Arrow's stream format). So each row group is decoded, and each of
its ids looked up, once in all, rather than once per worker.

The worker a row group is dealt to has more to do with it than the others, which would
then wait for its rows. So a worker that finds the rows it needs next not there yet deals
its own next row groups meanwhile, up to `AHEAD` batches, keeping its own rows of them
for their turn: no worker waits while it has work of its own.
"""

from __future__ import annotations

import struct
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from rulesengine.events.read import InputError

#: batches of its own row groups a worker may deal, and hold its rows of, ahead of their turn
AHEAD = 4
#: the count of rows that starts a message between workers (`_message`)
_COUNT = struct.Struct("<I")

#: a batch's rows, and the number of each in its file (its line, as JSON lines count them)
Part = tuple[Any, list[int]]
#: the owner of each row of a batch (an Arrow int64 array), given the owners of `interaction` values
Owners = Callable[[Any, Callable[[list[Any]], bytes]], Any]


@runtime_checkable
class DealtRows(Protocol):
    """How the workers share a file's row groups out.

    Every worker asks `dealer` once per row group, in order, and gets the same answer:
    the worker that decodes it. That worker finds each row's owner (`owners_of` a list of
    `interaction` values: one byte each, a worker, the same for every row of an interaction,
    and worker 0 for a value that is no id) and `send`s each peer its rows; the peer
    `receive`s them, waiting for them, or `poll`s, which answers None at once while they
    have not all arrived.
    """

    worker: int
    jobs: int

    def dealer(self) -> int: ...

    def owners_of(self, interactions: list[Any]) -> bytes: ...

    def send(self, peer: int, message: bytes) -> None: ...

    def receive(self, dealer: int) -> bytes: ...

    def poll(self, dealer: int) -> bytes | None: ...


def dealt_parts(group_rows: list[int], decoded: Callable[[int], Iterable[Any]], owners: Owners,
                share: DealtRows, path: str) -> Iterator[Part]:
    """This worker's rows of a file, a batch at a time, with their numbers (from 1).

    `group_rows` holds how many rows each row group has, `decoded(group)` gives the record
    batches of one, `owners(batch, owners_of)` the owner of each row of a batch (an Arrow int64
    array). Row groups dealt to this worker are decoded here, the others' rows received.
    """
    firsts = [1]
    for size in group_rows:
        firsts.append(firsts[-1] + size)
    dealers = [share.dealer() for _ in group_rows]
    own = _OwnGroups(
        (_dealt_out(decoded(group), range(firsts[group], firsts[group + 1]), owners, share), group)
        for group, dealer in enumerate(dealers) if dealer == share.worker)
    for group, dealer in enumerate(dealers):
        if dealer == share.worker:
            yield from own.parts(group)
            continue
        rows = range(firsts[group], firsts[group + 1])
        while message := _next_message(share, dealer, own):
            batch, lines = _unpacked(message)
            if lines[0] not in rows or lines[-1] not in rows:
                raise InputError(f"cannot read {path}: worker {dealer} sent rows {lines[0]} to {lines[-1]} "
                                 f"for rows {rows.start} to {rows.stop - 1}: an input changed while it was read")
            yield batch, lines


def _next_message(share: DealtRows, dealer: int, own: _OwnGroups) -> bytes:
    """The next message from `dealer`; while it has not arrived, this worker's next row groups
    dealt ahead, as far as `AHEAD` allows."""
    while (message := share.poll(dealer)) is None:
        if not own.deal_one():
            return share.receive(dealer)
    return message


class _OwnGroups:
    """The row groups dealt to this worker, each dealt (`_dealt_out`) in its turn or ahead of it."""

    def __init__(self, groups: Iterable[tuple[Iterator[Part], int]]) -> None:
        self._groups = iter(groups)
        self._dealing: tuple[Iterator[Part], int] | None = None
        #: this worker's rows of row groups dealt ahead of their turn, by row group
        self._kept: dict[int, deque[Part]] = {}
        self._held = 0

    def deal_one(self) -> bool:
        """Deal one more batch ahead of its turn; False when there is none, or `AHEAD` are held."""
        while self._held < AHEAD:
            if self._dealing is None:
                self._dealing = next(self._groups, None)
                if self._dealing is None:
                    return False
            parts, group = self._dealing
            kept = self._kept.setdefault(group, deque())
            part = next(parts, None)
            if part is None:  # the row group is dealt whole
                self._dealing = None
                continue
            kept.append(part)
            self._held += 1
            return True
        return False

    def parts(self, group: int) -> Iterator[Part]:
        """This worker's rows of its next row group, `group`: those dealt ahead, then the rest."""
        begun = group in self._kept
        kept = self._kept.pop(group, deque())
        self._held -= len(kept)
        yield from kept
        if self._dealing is not None and self._dealing[1] == group:
            parts, _ = self._dealing
            self._dealing = None
            yield from parts
        elif not begun:
            parts, _ = next(self._groups)
            yield from parts


def _dealt_out(batches: Iterable[Any], rows: range, owners: Owners, share: DealtRows) -> Iterator[Part]:
    """A row group dealt to this worker, a batch at a time: each batch's rows sent to the workers
    that own them (`_message`), its own produced; then an empty message to each peer, which
    ends the row group for it."""
    import pyarrow
    import pyarrow.compute as compute

    from rulesengine.speedups import arrow_values

    start = rows.start
    peers = [peer for peer in range(share.jobs) if peer != share.worker]
    for batch in batches:
        owned_by = owners(batch, share.owners_of)
        for peer in [*peers, share.worker]:
            taken = compute.equal(owned_by, arrow_values.int64(peer))
            at = compute.cast(compute.indices_nonzero(taken), pyarrow.int64())
            numbers = compute.add(at, arrow_values.int64(start))
            if peer == share.worker:
                yield batch.filter(taken), numbers.to_pylist()
            elif len(numbers):
                share.send(peer, _message(batch.filter(taken), numbers))
        start += batch.num_rows
    for peer in peers:
        share.send(peer, b"")


def _message(part: Any, numbers: Any) -> bytes:
    """Rows of a batch for another worker, with their numbers (an Arrow int64 array): how many
    (4 bytes), the numbers (8 bytes each, as Arrow holds them), then the rows in Arrow's stream
    format, which carries their dictionaries."""
    import pyarrow

    sink = pyarrow.BufferOutputStream()
    with pyarrow.ipc.new_stream(sink, part.schema) as writer:
        writer.write_batch(part)
    first, count = numbers.offset, len(numbers)
    held = memoryview(numbers.buffers()[1])[8 * first:8 * (first + count)]
    return b"".join((_COUNT.pack(count), held, sink.getvalue()))


def _unpacked(message: bytes) -> Part:
    """The rows and their numbers that `_message` packed."""
    import pyarrow

    (count,) = _COUNT.unpack_from(message)
    end = _COUNT.size + 8 * count
    lines = array("q", message[_COUNT.size:end]).tolist()
    return pyarrow.ipc.open_stream(pyarrow.py_buffer(message)[end:]).read_next_batch(), lines
