"""Which worker of `--jobs N` takes which input line, worked out once per block.

An interaction belongs to one worker (`owner`: a CRC-32 of its id, modulo N), so
every worker reads every input file, in the same blocks, and keeps its own lines.
Working out the owner of every line is most of what skipping lines costs, so it is
not done N times over: blocks are dealt round-robin, and the worker a block is
dealt to works out its owners (`owners`, one byte per line) and sends them to the
other workers, which only pick their own lines out (`SharedScan`).

A worker deals with its own blocks `READ_AHEAD` blocks before it hands them on, so
the others find their owners waiting rather than wait for them. Pipes between
workers are written without blocking: what does not fit stays in an outbox, flushed
whenever the worker next deals or waits, so two workers can never wait on each other.
"""

from __future__ import annotations

import os
import select
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import compress

from rulesengine.events.read import INTERACTION_ID, Block, InputError, parse_line
from rulesengine.events.salvage import has_unicode_escape

#: blocks (of about 256 KiB) a worker reads ahead of the one it hands on
READ_AHEAD = 2
#: the most workers `owners` can name in its one byte per line
MAX_JOBS = 256
_PREFIX = b'{"interaction":"'
_LINE_START = b"\n" + _PREFIX
_KEY = b'"interaction"'
_LENGTH = struct.Struct("<I")


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
    """One worker's lines of every block (a `loader.Select`), owners worked out in turn with its peers.

    `receiving` and `sending` map each other worker to the pipe end it reads from
    or writes to. Blocks are numbered across all sources, as every worker reads the
    same sources in the same blocks; block b is dealt to worker b mod `jobs`.
    """

    def __init__(self, worker: int, jobs: int, receiving: dict[int, int], sending: dict[int, int]) -> None:
        if jobs > MAX_JOBS:
            raise ValueError(f"at most {MAX_JOBS} workers can share a scan, not {jobs}")
        self.worker = worker
        self.jobs = jobs
        self._is_mine = bytes(owner == worker for owner in range(MAX_JOBS))  # owners.translate: 1 where mine
        self._dealt = 0
        self._inboxes = {peer: _Inbox(fd) for peer, fd in receiving.items()}
        self._outboxes = [_Outbox(fd) for fd in sending.values()]

    def __call__(self, blocks: Iterator[Block]) -> Iterator[tuple[int, Iterable[tuple[int, bytes]]]]:
        ahead: deque[tuple[list[bytes], int, bytes | None]] = deque()
        for text, lines in blocks:
            ahead.append(self._deal(text, lines))
            if len(ahead) > READ_AHEAD:
                yield self._mine(*ahead.popleft())
        while ahead:
            yield self._mine(*ahead.popleft())

    def owns(self, interaction: object) -> bool:
        """Whether this worker takes the Parquet rows holding this `interaction` value (an
        `events.parquet.RowShare`): its owner's, by the id the loader reads; a row with no
        id it can read (not text, or empty) stands alone, and worker 0 takes it."""
        if type(interaction) is not str or not interaction:
            return self.worker == 0
        return owner_of_id(interaction, self.jobs) == self.worker

    def finish(self) -> None:
        """Send whatever the outboxes still hold, waiting for the peers to take it."""
        while any(outbox.pending for outbox in self._outboxes):
            self._wait(None)

    def _deal(self, text: bytes | None, lines: list[bytes]) -> tuple[list[bytes], int, bytes | None]:
        dealer = self._dealt % self.jobs
        self._dealt += 1
        if dealer != self.worker:
            return lines, dealer, None
        found = owners(lines, self.jobs, text)
        message = _LENGTH.pack(len(found)) + found
        for outbox in self._outboxes:
            outbox.put(message)
            outbox.flush()
        return lines, dealer, found

    def _mine(self, lines: list[bytes], dealer: int, found: bytes | None) -> tuple[int, Iterable[tuple[int, bytes]]]:
        if found is None:
            inbox = self._inboxes[dealer]
            while (found := inbox.take()) is None:
                self._wait(inbox)
            if len(found) != len(lines):  # never taken in part: each line has its one owner
                raise InputError(f"worker {self.worker} read {len(lines)} lines where worker {dealer} read "
                                 f"{len(found)}: an input changed while it was read")
        return len(lines), compress(enumerate(lines), found.translate(self._is_mine))

    def _wait(self, inbox: _Inbox | None) -> None:
        """Block until `inbox` has more to read or an outbox with something pending can be written."""
        writable = [outbox for outbox in self._outboxes if outbox.pending]
        readable, ready, _ = select.select([inbox] if inbox else [], writable, [])
        for outbox in ready:
            outbox.flush()
        for receiving in readable:
            receiving.fill()


class _Inbox:
    """Length-prefixed messages from one peer, read as they come."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()

    def fileno(self) -> int:
        return self._fd

    def fill(self) -> None:
        data = os.read(self._fd, 1 << 16)
        if not data:
            raise PeerLost("a worker process stopped before sending the owners of its blocks")
        self._buffer += data

    def take(self) -> bytes | None:
        """The next whole message, or None until it has all arrived."""
        if len(self._buffer) < _LENGTH.size:
            return None
        (size,) = _LENGTH.unpack_from(self._buffer)
        end = _LENGTH.size + size
        if len(self._buffer) < end:
            return None
        message = bytes(self._buffer[_LENGTH.size:end])
        del self._buffer[:end]
        return message


class _Outbox:
    """Messages to one peer, written as far as its pipe takes them without blocking."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fd = fd
        self._queue: deque[memoryview] = deque()

    def fileno(self) -> int:
        return self._fd

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    def put(self, message: bytes) -> None:
        self._queue.append(memoryview(message))

    def flush(self) -> None:
        queue = self._queue
        try:
            while queue:
                written = os.write(self._fd, queue[0])
                if written < len(queue[0]):
                    queue[0] = queue[0][written:]
                    return
                queue.popleft()
        except BlockingIOError:
            return
        except BrokenPipeError:
            raise PeerLost("a worker process stopped before taking the owners of its lines") from None
