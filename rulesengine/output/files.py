"""Where rows and rejects are written: atomic files, standard output, and what goes wrong there.

An output file is written under a temporary name beside it and renamed over its
final name only once complete, so a crash, a signal or an unreadable input never
leaves a half-written file under that name. Its mode follows the umask like any
new file's, or stays that of the file it replaces. A name ending in `.gz`, `.bz2` or
`.xz` is written compressed in that format (`events.compressed`).

Every failure to write (a missing folder, a directory in the way, a read-only file
system, a full disk) is an `OutputError` naming the output, and the temporary file
is removed. A run killed outright (`kill -9`) cannot remove its own, so the
temporary name says which process on which machine wrote it
(`.rulesengine-HOST-PID-RANDOM.part`), and a later run writing into the same
folder removes those of its own machine whose writer has ended (`sweep_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Sequence
from typing import IO, Protocol

from rulesengine.events.compressed import by_suffix

#: bytes gathered before each write to an output file: a system call per megabyte,
#: not per 8 KiB
OUTPUT_BUFFER = 1 << 20
_PREFIX = ".rulesengine-"
_SUFFIX = ".part"
_LEFTOVER = re.compile(r"\.rulesengine-(?P<host>[A-Za-z0-9_.-]+)-(?P<pid>[0-9]+)-[0-9a-f]{8}\.part")
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class OutputError(Exception):
    """An output that cannot be written: which one, and why, in one line."""

    def __init__(self, name: str, problem: OSError | str) -> None:
        why = problem if isinstance(problem, str) else (problem.strerror or str(problem))
        super().__init__(f"cannot write {name}: {why}")


class BinarySink(Protocol):
    """Where a row writer puts its bytes: a binary stream, or an `Output` naming its failures."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class Output:
    """A binary stream for rows or rejects whose every failure is an `OutputError` naming it.

    A write is whole or fails: a buffered stream may take part of a large write and
    report an error on the rest only when asked again, so the rest is asked for. A
    broken pipe stays a `BrokenPipeError`: its reader left, which is no failure.
    """

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self.name = name

    def write(self, data: bytes | memoryview) -> int:
        try:
            written = self._stream.write(data)
            while written is not None and written < len(data):
                more = self._stream.write(memoryview(data)[written:])
                if not more:
                    raise OSError(errno.EIO, "the output took no more bytes")
                written += more
        except BrokenPipeError:
            raise
        except OSError as problem:
            raise OutputError(self.name, problem) from None
        return len(data)

    @property
    def closed(self) -> bool:
        return self._stream.closed

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as problem:
            raise OutputError(self.name, problem) from None


class AtomicFile(Output):
    """A file that appears under its final name only once completely written (`commit`).

    Only a regular file (or a new name) can be replaced that way: a device, a pipe or a
    socket given as the output (`-o /dev/null`, a FIFO) is written to in place, since
    renaming over it would replace the device itself with a plain file. A symbolic link is
    followed, as writing through it would be: the file it names is replaced (`replaced`),
    never the link (`-o /dev/stdout` into a file, a warehouse's linked layout).
    """

    def __init__(self, path: str, *, suffix: str = _SUFFIX, temporary: str | None = None) -> None:
        self.path = path
        #: what `commit` renames the temporary file onto: the path, or the file a link names
        self.replaced = replaced_path(path)
        self._suffix = suffix  # another than `.part` keeps the file from `sweep_leftovers`
        self._planned = temporary  # the temporary name to use, when the caller chose it (`temporary_name`)
        self._temporary: str | None = None
        self._file: IO[bytes] | None = None
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as problem:
            raise OutputError(path, problem) from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(path, "it is a directory")
        try:
            self._file = stream = self._open(info)
            compression = by_suffix(path)
            if compression is not None:
                stream = compression.writer(stream)  # type: ignore[assignment]
        except OSError as problem:
            self.discard()
            raise OutputError(path, problem) from None
        super().__init__(stream, path)

    def _open(self, found: os.stat_result | None) -> IO[bytes]:
        """A FIFO or a device is written in place (it cannot be replaced); anything else through
        a temporary file that `commit` puts under the final name."""
        if found is not None and not stat.S_ISREG(found.st_mode):
            return open(self.path, "wb", buffering=OUTPUT_BUFFER)
        return self._create_temporary(found)

    @property
    def temporary(self) -> str | None:
        """Where the file is being written until it is put in place (None: in place, or done)."""
        return self._temporary

    def _create_temporary(self, replaced: os.stat_result | None) -> IO[bytes]:
        """A new file beside `path`: mode 0666 less the umask, or the mode of the file it replaces."""
        temporary = self._planned or temporary_name(self.replaced, self._suffix)
        fd = os.open(temporary, _CREATE, 0o666)
        self._temporary = temporary
        try:
            if replaced is not None:
                os.fchmod(fd, stat.S_IMODE(replaced.st_mode) & 0o777)
            return os.fdopen(fd, "wb", buffering=OUTPUT_BUFFER)
        except OSError:
            os.close(fd)
            self.discard()
            raise

    def commit(self) -> None:
        """Write out what is buffered and put the file under its final name."""
        commit_together([self])

    def complete(self) -> str | None:
        """Write out what is buffered, on disk, and close the file; return its temporary name
        (None when written in place), for the caller to put in place itself. From then on
        `discard` leaves the temporary file alone."""
        file = self._file
        assert file is not None, "an AtomicFile has its file from the start"
        try:
            if self._stream is not file:
                self._stream.close()  # the compressed stream's end, written into the file
            file.flush()
            if self._temporary is not None:
                os.fsync(file.fileno())
            file.close()
        except BrokenPipeError:
            raise  # a FIFO's reader left
        except OSError as problem:
            raise OutputError(self.path, problem) from None
        temporary, self._temporary = self._temporary, None
        return temporary

    def discard(self) -> None:
        """Drop the temporary file, whatever its stream still holds; a no-op once committed."""
        for stream in (getattr(self, "_stream", None), self._file):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()  # flushes first; the descriptor is closed even when that fails
        if self._temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temporary)
            self._temporary = None


def replaced_path(path: str) -> str:
    """The file a new output at `path` replaces: the file a symbolic link names (followed, as
    writing through the link would be), else the path itself."""
    return os.path.realpath(path) if os.path.islink(path) else path


def temporary_name(path: str, suffix: str = _SUFFIX) -> str:
    """A new name beside `path` for the file that is to replace it: this host's, this process's,
    random (made with `O_EXCL`, so never one that exists)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.join(folder, f"{_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


def commit_together(targets: Sequence[AtomicFile | None]) -> None:
    """Put several outputs under their final names (None: an output not asked for) only once
    every one is written out: when one cannot be (the rejects on a full disk), none is put in
    place, and each file they would replace is left as it was."""
    written: list[tuple[AtomicFile, str | None]] = []
    try:
        written.extend((target, target.complete()) for target in targets if target is not None)  # up to a failure
        while written:
            target, temporary = written[0]
            if temporary is not None:
                try:
                    os.replace(temporary, target.replaced)
                except OSError as problem:
                    raise OutputError(target.path, problem) from None
            written.pop(0)
    finally:  # the temporary files not put in place
        for _, temporary in written:
            if temporary is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)


def sweep_leftovers(folder: str) -> None:
    """Remove the temporary files that runs killed on this machine left in `folder`.

    Only files named as `AtomicFile` names them, written on this host by a process
    that no longer exists, belonging to this user and plain files (not links) are
    removed; anything else is left alone, and a folder that cannot be read is skipped.
    """
    if os.name != "posix":
        return  # no signal 0 to ask whether a process is running
    host = _host()
    try:
        entries = list(os.scandir(folder or "."))
    except OSError:
        return
    for entry in entries:
        found = _LEFTOVER.fullmatch(entry.name)
        if found is None or found["host"] != host or _running(int(found["pid"])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                os.unlink(entry.path)
        except OSError:
            continue


def same_file(first: str, second: str) -> bool:
    """Whether two paths name one regular file (device and inode), or one file still to be made
    (the same resolved path). Devices and pipes never count: writing `/dev/null` twice is fine."""
    one, other = _identity(first), _identity(second)
    return one is not None and one == other


def _identity(path: str) -> tuple | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ("new", os.path.realpath(path))
    except OSError:
        return None
    return ("file", info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _host() -> str:
    """This machine's name, as it can appear in a temporary file's name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", os.uname().nodename if hasattr(os, "uname") else "") or "host"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number no process could have: leave the file
    return True
