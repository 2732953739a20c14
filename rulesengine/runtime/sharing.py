"""Which worker of `--jobs N` takes which input line, worked out once per block.

An interaction belongs to one worker (`owner`: a CRC-32 of its id, modulo N), so
every worker reads every input file, in the same blocks, and keeps its own lines.
Working out the owner of every line is most of what skipping lines costs, so it is
not done N times over: blocks are dealt round-robin, and the worker a block is
dealt to splits it into lines, works out their owners (`owners`, one byte per line)
and sends each other worker its own lines, with their places in the block
(`SharedScan`). The others never split the block: only their own lines of it.

A worker deals with its own blocks `READ_AHEAD` blocks before it hands them on, so
the others find their lines waiting rather than wait for them. What a worker sends a
peer is written at once as far as the pipe takes it, and the rest by a thread of the
outbox's own (`_Outbox`), so it reaches the peer whatever the worker waits on meanwhile: a
peer, or the parent taking its results, which may itself be waiting for that peer.

A Parquet file is dealt a row group at a time in the same turn (`events.parquet_dealing`):
the worker a row group is dealt to decodes it and sends every other worker its own rows, so
each row group is decoded, and the owner of each of its rows found, once. What an outbox
holds stays bounded without waiting for the peer: a worker deals at most
`parquet_dealing.AHEAD` batches ahead of its own, and the parent's merge keeps every worker
within a few batches of results of the slowest.
"""

from __future__ import annotations

import fcntl
import os
import queue
import select
import struct
import threading
import zlib
from array import array
from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from itertools import compress
from operator import methodcaller

from rulesengine.events.read import INTERACTION_ID, InputError, lines_of, parse_line
from rulesengine.events.salvage import has_unicode_escape

#: blocks (of about 256 KiB) a worker reads ahead of the one it hands on
READ_AHEAD = 2
#: the most workers `owners` can name in its one byte per line
MAX_JOBS = 256
#: bytes a pipe between workers holds (`peer_pipes`; Linux's default is 64 KiB, its usual limit 1 MiB)
PIPE_BYTES = 1 << 20
_PREFIX = b'{"interaction":"'
_LINE_START = b"\n" + _PREFIX
_KEY = b'"interaction"'
_LENGTH = struct.Struct("<I")
#: what a block's dealer tells a peer before its lines: the block's size in bytes, its number of
#: lines, and how many of them are the peer's
_SHARE = struct.Struct("<QII")
#: the array type of the indices in the block of a peer's lines, and its bytes per index
_INDICES = "I"
_INDEX_BYTES = array(_INDICES).itemsize
#: an id's bytes, as `owner_of_id` checksums them
_UTF8 = methodcaller("encode", "utf-8", "surrogatepass")


def peer_pipes(jobs: int) -> dict[tuple[int, int], tuple[int, int]]:
    """A pipe from every worker to every other, `(dealer, taker)` → (read end, write end), each
    enlarged to `PIPE_BYTES` where the system allows, so that a batch's rows for a peer are
    written in one go rather than a pipe's 64 KiB at a time as the peer reads them."""
    pipes = {(dealer, taker): os.pipe() for dealer in range(jobs) for taker in range(jobs) if dealer != taker}
    for _, write_end in pipes.values():
        with suppress(OSError, AttributeError):  # not Linux, or a lower limit
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return pipes


class PeerLost(Exception):
    """Another worker stopped before sending what this one needs (it reports why itself)."""


def owner(raw: bytes, jobs: int) -> int:
    """The worker that owns a raw line: the same for every line of one interaction.

    The key is the interaction id exactly as the loader will read it. Most lines
    hold it unescaped, under the only `"interaction"` key of the line (and no `\\u`
    escape could spell a second one); any other line is parsed to find it. Lines
    with no readable id stand alone (they reject only themselves) and go to worker 0,
    as do blank and comment lines, which worker 0 then skips like any reader.
    """
    stripped = raw.strip()
    if not stripped or stripped[:1] == b"#":
        return 0
    raw = raw.rstrip(b"\r\n")
    plain = INTERACTION_ID.search(raw) if raw.count(_KEY) == 1 and not has_unicode_escape(raw) else None
    if plain is not None:
        # the one "interaction" key (no \u escape spells another), its value unescaped: a
        # valid line's id; from a broken line the loader salvages this same id, or none
        # when the key is not the line's own (then the line stands alone, whoever takes it)
        key: str | None = plain.group(1).decode("utf-8", "replace") or None
    else:
        key = parse_line(raw, "", 0).interaction
    return 0 if key is None else owner_of_id(key, jobs)


def owner_of_id(interaction: str, jobs: int) -> int:
    """The worker that owns an interaction, by its id (what `owner` finds in its lines)."""
    return zlib.crc32(interaction.encode("utf-8", "surrogatepass")) % jobs


def owners(lines: list[bytes], jobs: int, text: bytes | None = None) -> bytes:
    """`owner` of every line of a block, one byte each, most of it done in C.

    When every line starts with its id (`{"interaction":"...`), holds one
    `"interaction"` key and no `\\u` escape, and the ids are ASCII without escapes,
    each id is its own bytes: the checks run once over the whole block and the checksums in one `map`.
    Any other block goes line by line. The checks read the `text` the lines were split
    from at their newlines, when given: joining the lines instead adds about a fifth.
    """
    start = len(_PREFIX)
    keys = [raw[start:raw.find(b'"', start)] for raw in lines]
    ids = b"".join(keys)
    # lines with their endings or without: either way, one line start per line
    joined = text if text is not None else b"\n".join(lines)
    if (lines[0].startswith(_PREFIX) and joined.count(_LINE_START) == len(lines) - 1
            and joined.count(_KEY) == len(lines) and ids.isascii() and b"\\" not in ids and all(keys)
            and not has_unicode_escape(joined)):
        return bytes(map(jobs.__rmod__, map(zlib.crc32, keys)))
    return bytes([owner(raw, jobs) for raw in lines])


class SharedScan:
    """One worker's lines of every block (an `events.read.Select`): each block split, and the owners
    of its lines worked out, by one worker in turn.

    `receiving` and `sending` map each other worker to the pipe end it reads from
    or writes to. Blocks are numbered across all sources, as every worker reads the
    same sources in the same blocks; block b is dealt to worker b mod `jobs`.
    """

    def __init__(self, worker: int, jobs: int, receiving: dict[int, int], sending: dict[int, int]) -> None:
        if jobs > MAX_JOBS:
            raise ValueError(f"at most {MAX_JOBS} workers can share a scan, not {jobs}")
        self.worker = worker
        self.jobs = jobs
        #: per worker, what `owners` gives translated to 1 for each of its lines, 0 for any other
        self._takes = [bytes(owner == taker for owner in range(MAX_JOBS)) for taker in range(jobs)]
        self._dealt = 0
        self._inboxes = {peer: _Inbox(fd) for peer, fd in receiving.items()}
        self._outboxes = {peer: _Outbox(fd) for peer, fd in sending.items()}

    def __call__(self, blocks: Iterator[bytes]) -> Iterator[tuple[int, list[int], list[bytes]]]:
        ahead: deque[tuple[int, int, tuple[int, list[int], list[bytes]] | None]] = deque()
        for text in blocks:
            ahead.append(self._deal(text))
            if len(ahead) > READ_AHEAD:
                yield self._mine(*ahead.popleft())
        while ahead:
            yield self._mine(*ahead.popleft())

    def owns(self, interaction: object) -> bool:
        """Whether this worker takes the Parquet rows holding this `interaction` value (an
        `events.parquet.RowShare`)."""
        return self.owner(interaction) == self.worker

    def owner(self, interaction: object) -> int:
        """The worker that takes the Parquet rows holding this `interaction` value: its owner's,
        by the id the loader reads; a row with no id it can read (not text, or empty) stands
        alone, and worker 0 takes it."""
        if type(interaction) is not str or not interaction:
            return 0
        return owner_of_id(interaction, self.jobs)

    def owners_of(self, interactions: list[object]) -> bytes:
        """`owner` of each of several `interaction` values, one byte each (an
        `events.parquet_dealing.DealtRows`): the checksums in one `map` when every value is text
        (an empty one's is 0, worker 0's), else value by value."""
        if {*map(type, interactions)} <= {str}:
            return bytes(map(self.jobs.__rmod__, map(zlib.crc32, map(_UTF8, interactions))))
        return bytes(map(self.owner, interactions))

    def dealer(self) -> int:
        """The worker the next block or row group is dealt to (every worker asks once for each,
        in the same order)."""
        dealer = self._dealt % self.jobs
        self._dealt += 1
        return dealer

    def send(self, peer: int, message: bytes) -> None:
        """Send `peer` one message (part of a row group dealt to this worker)."""
        self._outboxes[peer].put(_framed(message))

    def receive(self, dealer: int) -> bytes:
        """The next message from `dealer`, waiting for it."""
        inbox = self._inboxes[dealer]
        while (message := inbox.take()) is None:
            inbox.fill()
        return message

    def poll(self, dealer: int) -> bytes | None:
        """The next message from `dealer` if it has all arrived, else None, without waiting."""
        inbox = self._inboxes[dealer]
        while (message := inbox.take()) is None and inbox.readable():
            inbox.fill()
        return message

    def finish(self) -> None:
        """Wait until everything sent to the peers is in their pipes: a worker's pipes close as it
        ends, and what they hold by then is still read."""
        for outbox in self._outboxes.values():
            outbox.close()

    def _deal(self, text: bytes) -> tuple[int, int, tuple[int, list[int], list[bytes]] | None]:
        """Deal a block: to this worker, its lines are split, their owners found, and every peer
        sent its own lines; to another, it waits to be sent this worker's lines (`_mine`)."""
        dealer = self.dealer()
        if dealer != self.worker:
            return dealer, len(text), None
        lines = lines_of(text)
        found = owners(lines, self.jobs, text)
        for peer, outbox in self._outboxes.items():
            taken = found.translate(self._takes[peer])
            numbers = array(_INDICES, compress(range(len(lines)), taken))
            outbox.put(_framed(_SHARE.pack(len(text), len(lines), len(numbers)), numbers.tobytes(),
                               b"\n".join(compress(lines, taken))))
        taken = found.translate(self._takes[self.worker])
        return dealer, len(text), (len(lines), list(compress(range(len(lines)), taken)), list(compress(lines, taken)))

    def _mine(self, dealer: int, size: int,
              dealt: tuple[int, list[int], list[bytes]] | None) -> tuple[int, list[int], list[bytes]]:
        """This worker's lines of a block of `size` bytes: as it dealt them itself, or as its
        dealer sent them, which read the block at the same size, or the input changed."""
        if dealt is not None:
            return dealt
        message = self.receive(dealer)
        read, count, taken = _SHARE.unpack_from(message)
        if read != size:
            raise InputError(f"worker {self.worker} read a block of {size} bytes where worker {dealer} read "
                             f"{read}: an input changed while it was read")
        numbers = array(_INDICES)
        end = _SHARE.size + _INDEX_BYTES * taken
        with memoryview(message) as whole:
            numbers.frombytes(whole[_SHARE.size:end])
        return count, numbers.tolist(), message[end:].split(b"\n") if taken else []


class _Inbox:
    """Length-prefixed messages from one peer, read as they come."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._ready = _watching(fd, select.POLLIN)

    def fileno(self) -> int:
        return self._fd

    def readable(self) -> bool:
        """Whether reading would not wait: bytes have arrived, or the peer has closed its end."""
        return bool(self._ready.poll(0))

    def fill(self) -> None:
        data = os.read(self._fd, PIPE_BYTES)
        if not data:
            raise PeerLost("a worker process stopped before sending what it was dealt")
        self._buffer += data

    def take(self) -> bytes | None:
        """The next whole message, or None until it has all arrived."""
        if len(self._buffer) < _LENGTH.size:
            return None
        (size,) = _LENGTH.unpack_from(self._buffer)
        end = _LENGTH.size + size
        if len(self._buffer) < end:
            return None
        with memoryview(self._buffer) as whole:
            message = bytes(whole[_LENGTH.size:end])
        del self._buffer[:end]
        return message


class _Outbox:
    """Messages to one peer, in order. A message is written at once, without blocking, when
    nothing is waiting before it; what the pipe cannot take yet is written by a thread of the
    outbox's own, which waits for the pipe while the worker goes on. So the usual small message
    costs one write, and no message ever waits on what the worker waits on."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fd = fd
        self._writable = _watching(fd, select.POLLOUT)
        self._queue: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        #: messages handed to the thread and not yet written whole
        self._waiting = 0
        self._lost = False
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def fileno(self) -> int:
        return self._fd

    def put(self, message: bytes) -> None:
        if self._lost:
            raise _lost()
        view = memoryview(message)
        with self._lock:
            if not self._waiting:
                try:
                    view = view[os.write(self._fd, view):]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    raise _lost() from None
                if not view:
                    return
            self._waiting += 1
        self._queue.put(view)

    def close(self) -> None:
        """Wait until every message is written."""
        self._queue.put(None)
        self._writer.join()
        if self._lost:
            raise _lost()

    def _write(self) -> None:
        while (view := self._queue.get()) is not None:
            try:
                while view:
                    self._writable.poll()  # until the pipe takes more, or the peer's end is closed
                    with suppress(BlockingIOError):
                        view = view[os.write(self._fd, view):]
            except OSError:  # the peer's end is closed: it has stopped
                self._lost = True
                return
            with self._lock:
                self._waiting -= 1


def _watching(fd: int, events: int) -> select.poll:
    """What waits for `events` on one descriptor. `poll` rather than `select`, which refuses
    descriptors from 1024 on: a program that holds many files open may start a run whose pipes
    get such numbers."""
    watch = select.poll()
    watch.register(fd, events)
    return watch


def _framed(*parts: bytes) -> bytes:
    """A message as `_Inbox.take` reads it: its length, then its parts, in one piece."""
    return b"".join((_LENGTH.pack(sum(map(len, parts))), *parts))


def _lost() -> PeerLost:
    return PeerLost("a worker process stopped before taking what it was sent")
