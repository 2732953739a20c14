"""The state folder of `run --state DIR`: what one batch leaves open for the next, kept safe.

DIR holds `state` (the interactions still open, the ids a later event could find
late, the line count, and which input files the last batch was), `lock` (held for
a whole run, so two runs never share one folder) and, only while a batch is being
committed or after a run was killed, `journal` and `state.new`.

A batch's outputs and its new state become visible together (`Batch.commit`): the
outputs are written under temporary names and the new state beside the old, then
the journal is marked committed (one rename: the commit point), then everything is
renamed into place and the journal removed. The next run finishes a committed
journal (`recover`) or removes what an uncommitted one lists, before it reads the
state. So a killed run leaves either the old state and none of its outputs, or the
new state and all of them; rerunning the same batch then gives what an
uninterrupted run gives, because a state remembers the input files (path, size,
modification time) of the batch that made it, and a run given those same files
again writes nothing.

The file is one JSON line, the header (`{"format": "rulesengine-state", "version":
1, ...}`), then one MessagePack document: data only, nothing in it can run code.
Events are kept as their text and place and read again on loading, so a resumed
interaction is exactly the one the earlier batch held.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import signal
import stat
from collections.abc import Sequence
from typing import IO

import msgspec

from rulesengine.diagnostics import Diagnostic, Position, Severity
from rulesengine.events.assemble import Carried, OpenInteraction
from rulesengine.events.contract import AnyEvent
from rulesengine.events.read import STDIN, LoadedLine, read_line
from rulesengine.output.files import AtomicFile

FORMAT = "rulesengine-state"
VERSION = 1
#: the suffix of a run's output files until committed: not `.part`, which other runs sweep away
STAGED = ".batch"
#: stop (SIGKILL) at a named point of the commit, for the crash tests: `POINT@DIR`, DIR as given
#: to `--state`, resolved; nothing else sets it, and it acts on that one folder only
KILL_AT = "RULESENGINE_TEST_KILL_AT"
POINTS = ("before-outputs", "before-commit", "after-commit", "after-outputs", "after-state")

#: the input files of a batch: (absolute path, size, modification time in ns) each
Identity = list[tuple[str, int, int]]


class StateError(Exception):
    """A state folder that cannot be used: in use, unreadable, damaged or of another version."""


class _Header(msgspec.Struct):
    format: str
    version: int
    lines: int = 0
    open: int = 0
    remembered: int = 0
    batch: Identity | None = None
    #: a digest of each input file's content (`contents`); none in a state written before them
    contents: list[str] | None = None


class _Line(msgspec.Struct, array_like=True):
    path: str
    line: int
    raw: bytes


class _Problem(msgspec.Struct, array_like=True):
    severity: str
    code: str
    message: str
    path: str | None
    line: int
    col: int
    source_line: str | None
    hint: str | None


class _Held(msgspec.Struct, array_like=True):
    id: str
    events: list[_Line]
    broken: bool
    problems: list[_Problem]
    seen: dict[str, int]


class _Body(msgspec.Struct):
    lines: int
    open: list[_Held]
    recent: list[tuple[int, int]]


_encode_header = msgspec.json.Encoder().encode
_decode_header = msgspec.json.Decoder(_Header).decode
_encode_body = msgspec.msgpack.Encoder().encode
_decode_body = msgspec.msgpack.Decoder(_Body).decode


class _Journal(msgspec.Struct):
    committed: bool
    outputs: list[tuple[str, str]]  # (temporary, final)


def identity(sources: Sequence[str]) -> Identity | None:
    """Which input files a batch is, to recognise it run again; None for standard input, or
    for a named pipe or a device, whose size and time say nothing of what they hold."""
    if STDIN in sources:
        return None
    found = []
    for source in sources:
        info = os.stat(source)
        if not stat.S_ISREG(info.st_mode):
            return None
        found.append((os.path.abspath(source), info.st_size, info.st_mtime_ns))
    return found


def contents(sources: Sequence[str]) -> list[str]:
    """A digest of each input file's first and last `_SAMPLED` bytes: a file of another batch
    copied under the same name, with the same size and time (`cp -p`, `rsync -t`), differs."""
    digests = []
    for source in sources:
        digest = hashlib.blake2b(digest_size=16)
        with open(source, "rb") as handle:
            digest.update(handle.read(_SAMPLED))
            size = os.fstat(handle.fileno()).st_size
            if size > _SAMPLED:
                handle.seek(max(_SAMPLED, size - _SAMPLED))
                digest.update(handle.read(_SAMPLED))
        digests.append(digest.hexdigest())
    return digests


#: how much of each end of an input file `contents` reads
_SAMPLED = 1 << 20


class StateFolder:
    """One `--state` folder, locked for as long as this object is open (`close`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            os.makedirs(path, exist_ok=True)
            # held open, and locked, until `close`: the lock lasts as long as the file stays open
            self._lock: IO[bytes] | None = open(os.path.join(path, "lock"), "ab")  # noqa: SIM115
        except OSError as problem:
            raise StateError(f"cannot use state folder {path}: {problem.strerror or problem}") from None
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as problem:
            self.close()
            if problem.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StateError(f"state folder {path} is in use by another run (it holds {path}/lock); "
                                 "run batches on one state one after another") from None
            raise StateError(f"cannot lock state folder {path}: {problem.strerror or problem}") from None
        self.batch: Identity | None = None
        self.contents: list[str] | None = None
        self.committed = False
        self._staged: list[tuple[str, str]] = []

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    def _file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def recover(self) -> None:
        """Finish the commit a killed run had reached, or undo the one it had not."""
        try:
            with open(self._file("journal"), "rb") as handle:
                journal = msgspec.json.decode(handle.read(), type=_Journal)
        except FileNotFoundError:
            _remove(self._file("state.new"))
            return
        except (OSError, msgspec.DecodeError) as problem:
            raise StateError(f"cannot read {self._file('journal')}: {problem}") from None
        if journal.committed:
            self._apply(journal)
        else:
            for temporary, _ in journal.outputs:
                _remove(temporary)
            _remove(self._file("state.new"))
            _remove(self._file("journal"))

    def load(self) -> Carried:
        """What the last batch left, or nothing in a new folder; `batch` says which files it was."""
        try:
            with open(self._file("state"), "rb") as handle:
                head, body = handle.readline(), handle.read()
        except FileNotFoundError:
            return Carried()
        except OSError as problem:
            raise StateError(f"cannot read {self._file('state')}: {problem.strerror or problem}") from None
        try:
            header = _decode_header(head)
        except msgspec.DecodeError:
            raise StateError(f"{self._file('state')} is not a rulesengine state") from None
        if header.format != FORMAT:
            raise StateError(f"{self._file('state')} is not a rulesengine state (format {header.format!r})")
        if header.version != VERSION:
            raise StateError(f"{self._file('state')} is a state of version {header.version}; this rulesengine "
                             f"reads version {VERSION}: finish it with the rulesengine that wrote it")
        try:
            carried = unpack(body)
        except (msgspec.DecodeError, ValueError) as problem:
            raise StateError(f"{self._file('state')} is damaged: {problem}") from None
        self.batch = header.batch
        self.contents = header.contents
        return carried

    def begin(self, staged: Sequence[tuple[str, str]]) -> None:
        """Say which temporary files this run writes (each with the output it becomes), before it
        makes them, so that a killed run's are removed."""
        self._staged = list(staged)
        self._write_journal(_Journal(False, self._staged))

    def commit(self, carried: Carried, batch: Identity | None, outputs: Sequence[AtomicFile],
               digests: list[str] | None = None) -> None:
        """Make the new state and the outputs visible together (see the module's notes)."""
        _stop_at("before-outputs", self.path)
        renames = _renames(outputs)
        for output in outputs:
            output.complete()
        header = _Header(FORMAT, VERSION, carried.lines, len(carried.open), len(carried.recent), batch, digests)
        with open(self._file("state.new"), "wb") as handle:
            handle.write(_encode_header(header) + b"\n")
            handle.write(pack(carried))
            handle.flush()
            os.fsync(handle.fileno())
        _stop_at("before-commit", self.path)
        journal = _Journal(True, renames)
        self._write_journal(journal)
        self.committed = True
        _stop_at("after-commit", self.path)
        self._apply(journal)

    def abandon(self) -> None:
        """This run failed before its commit point: its outputs are discarded, even those already
        complete (which their own `discard` leaves alone), and its journal goes (once committed,
        the journal stays for the next run to finish)."""
        if self.committed:
            return
        for temporary, _ in self._staged:
            _remove(temporary)
        _remove(self._file("state.new"))
        _remove(self._file("journal"))

    def _apply(self, journal: _Journal) -> None:
        for temporary, final in journal.outputs:
            if os.path.exists(temporary):
                os.replace(temporary, final)
                _sync_folder(os.path.dirname(os.path.abspath(final)))
        _stop_at("after-outputs", self.path)
        if os.path.exists(self._file("state.new")):
            os.replace(self._file("state.new"), self._file("state"))
        _sync_folder(self.path)
        _stop_at("after-state", self.path)
        _remove(self._file("journal"))
        _sync_folder(self.path)

    def _write_journal(self, journal: _Journal) -> None:
        """Replace the journal in one rename, on disk before this returns."""
        written = self._file("journal.new")
        with open(written, "wb") as handle:
            handle.write(msgspec.json.encode(journal))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(written, self._file("journal"))
        _sync_folder(self.path)


def pack(carried: Carried) -> bytes:
    """`carried` as MessagePack: the body of a state file, and what a `--jobs` worker hands back."""
    return _encode_body(_Body(carried.lines, [_held(held) for held in carried.open],
                              [(mark, line) for mark, line in carried.recent]))


def unpack(data: bytes | memoryview) -> Carried:
    """What `pack` packed; `msgspec.DecodeError` or `ValueError` when it cannot be that."""
    saved = _decode_body(data)
    return Carried(saved.lines, tuple(map(_restored, saved.open)), tuple((mark, line) for mark, line in saved.recent))


def _renames(outputs: Sequence[AtomicFile]) -> list[tuple[str, str]]:
    return [(output.temporary, output.replaced) for output in outputs if output.temporary is not None]


def _held(held: OpenInteraction) -> _Held:
    events = [_Line(*_source(event), event.raw) for event in held.events]
    problems = [_Problem(problem.severity.value, problem.code, problem.message,
                         *_place(problem.position), problem.source_line, problem.hint)
                for problem in held.problems]
    return _Held(held.id, events, held.broken, problems, held.seen)


def _source(event: AnyEvent) -> tuple[str, int]:
    if event.source is None:  # only events built in code lack one, and those never reach a batch
        raise ValueError(f"an event of {event.interaction!r} has no place to be read again from")
    return event.source.path, event.source.line


def _place(position: Position | None) -> tuple[str | None, int, int]:
    return (None, 0, 0) if position is None else (position.path, position.line, position.col)


def _restored(held: _Held) -> OpenInteraction:
    """An open interaction as it was saved: each event read again from its text, at its place."""
    events: list[AnyEvent] = []
    for line in held.events:
        event = read_line(line.raw, line.path, line.line)
        if type(event) is LoadedLine or event.interaction != held.id:
            raise ValueError(f"an event of {held.id!r} no longer reads as one ({line.path}:{line.line})")
        events.append(event)
    problems = tuple(Diagnostic(Severity(problem.severity), problem.code, problem.message,
                                None if problem.path is None else Position(problem.path, problem.line, problem.col),
                                problem.source_line, problem.hint) for problem in held.problems)
    return OpenInteraction(held.id, tuple(events), problems, held.seen, held.broken)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync_folder(path: str) -> None:
    """Put a folder's renames on disk (a rename is only durable once its folder is)."""
    fd = os.open(path or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stop_at(point: str, folder: str) -> None:
    """Die here, as a crash would, when the crash tests ask for this point in this folder."""
    if os.environ.get(KILL_AT) == f"{point}@{os.path.realpath(folder)}":
        os.kill(os.getpid(), signal.SIGKILL)
