"""Output streams and files at their edges: short writes, readers that leave, paths that cannot be
files, modes that cannot be kept, leftovers of killed runs swept while other runs sweep too."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.output import files as output_files
from rulesengine.output.diagram_words import duration
from rulesengine.output.files import AtomicFile, Output, OutputError, same_file, sweep_leftovers

ROOT = Path(__file__).resolve().parents[2]
FLOW = str(ROOT / "tests" / "flows" / "c03_transfer.jsonl")


class Trickle(io.RawIOBase):
    """A stream that takes at most `size` bytes a write, and none at all once `limit` have come."""

    def __init__(self, size: int, limit: int | None = None) -> None:
        self.taken = bytearray()
        self._size = size
        self._limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        room = self._size if self._limit is None else min(self._size, self._limit - len(self.taken))
        self.taken += bytes(data[:room])
        return len(data[:room])


def test_a_stream_taking_part_of_each_write_is_given_the_rest() -> None:
    stream = Trickle(3)
    assert Output(stream, "standard output").write(b"0123456789") == 10
    assert bytes(stream.taken) == b"0123456789"


def test_a_stream_that_stops_taking_bytes_is_an_error_naming_the_output() -> None:
    with pytest.raises(OutputError) as raised:
        Output(Trickle(4, limit=6), "standard output").write(b"0123456789")
    assert str(raised.value) == "cannot write standard output: the output took no more bytes"


def test_a_reader_gone_before_the_last_flush_is_a_broken_pipe_not_an_output_error() -> None:
    """`run | head` whose reader left: the command stops quietly, so the pipe's error must stay one."""
    reading, writing = os.pipe()
    os.close(reading)
    stream = os.fdopen(writing, "wb")
    output = Output(stream, "standard output")
    output.write(b"rows\n")
    with pytest.raises(BrokenPipeError):
        output.flush()
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def test_a_fifo_whose_reader_left_is_a_broken_pipe_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    target = AtomicFile(str(fifo))
    assert target.temporary is None
    target.write(b'{"interaction":"c1"}\n')
    os.close(reader)
    with pytest.raises(BrokenPipeError):
        target.commit()
    target.discard()
    assert fifo.is_fifo()
    assert os.listdir(tmp_path) == ["rows.fifo"]


def test_an_output_below_a_file_is_one_line_naming_it(capsysbinary, tmp_path: Path) -> None:
    """`-o notes.txt/rows.jsonl`: neither an output nor a pair of outputs is checked past the file."""
    (tmp_path / "notes.txt").write_text("kept\n")
    target = tmp_path / "notes.txt" / "rows.jsonl"
    assert not same_file(str(target), str(target))
    code = main(["run", FLOW, "-o", str(target), "--rejects", str(target)])
    out, err = capsysbinary.readouterr()
    assert (code, out) == (2, b"")
    assert err.decode() == f"rulesengine run: error: cannot write {target}: Not a directory\n"
    assert os.listdir(tmp_path) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "kept\n"


def test_a_mode_that_cannot_be_kept_leaves_the_old_file_and_nothing_else(
        capsysbinary, tmp_path: Path, monkeypatch) -> None:
    """A file system that refuses chmod (some network mounts): the old file stays as it was, and
    neither the temporary file nor its descriptor outlives the refusal."""
    target = tmp_path / "rows.jsonl"
    target.write_text("old\n")

    def refused(fd: int, mode: int) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(output_files.os, "fchmod", refused)
    descriptors = set(os.listdir("/proc/self/fd"))
    code = main(["run", FLOW, "-o", str(target)])
    out, err = capsysbinary.readouterr()
    assert (code, out) == (2, b"")
    assert err.decode() == f"rulesengine run: error: cannot write {target}: Operation not permitted\n"
    assert os.listdir(tmp_path) == ["rows.jsonl"]
    assert target.read_text() == "old\n"
    assert set(os.listdir("/proc/self/fd")) <= descriptors


def leftover(folder: Path, pid: int | str, tag: str = "0123abcd") -> Path:
    path = folder / f".rulesengine-{os.uname().nodename}-{pid}-{tag}.part"
    path.write_text("half a file")
    return path


def ended_pid() -> int:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def test_a_leftover_another_run_removes_first_does_not_stop_the_sweep(tmp_path: Path, monkeypatch) -> None:
    """Two runs starting in one folder sweep it together: what one removes, the other finds gone."""
    pid = ended_pid()
    taken, remaining = leftover(tmp_path, pid, "0123abcd"), leftover(tmp_path, pid, "89abcdef")
    scandir = os.scandir

    def listed_then_taken(folder: str) -> list[os.DirEntry]:
        entries = sorted(scandir(folder), key=lambda entry: entry.name)
        taken.unlink()
        return entries

    monkeypatch.setattr(output_files.os, "scandir", listed_then_taken)
    sweep_leftovers(str(tmp_path))
    assert not remaining.exists()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("answer", [None, PermissionError])
def test_a_leftover_of_a_process_that_may_still_run_is_kept(tmp_path: Path, monkeypatch, answer) -> None:
    """A pid no process can have (the name was not written by a run), or another user's process
    (signal 0 is refused): either may be writing still, so the file stays."""
    if answer is None:
        kept = leftover(tmp_path, 10 ** 20)
    else:
        kept = leftover(tmp_path, ended_pid())

        def refused(pid: int, signal: int) -> None:
            raise answer(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(output_files.os, "kill", refused)
    sweep_leftovers(str(tmp_path))
    assert kept.read_text() == "half a file"


def test_where_no_process_can_be_asked_about_nothing_is_swept(tmp_path: Path, monkeypatch) -> None:
    """Without signal 0 (Windows) a leftover's writer cannot be known to have ended."""
    kept = leftover(tmp_path, ended_pid())
    monkeypatch.setattr(output_files.os, "name", "nt")
    sweep_leftovers(str(tmp_path))
    monkeypatch.undo()
    assert kept.exists()
    sweep_leftovers(str(tmp_path))
    assert not kept.exists()


@pytest.mark.parametrize(("ms", "shown"), [
    (3_000, "3s"),
    (125_000, "2m05s"),
    (3_607_250, "1h00m07.25s"),
    (7_200_001, "2h00m00.001s"),
    (183_600_000, "2d03h00m00s"),
    (86_400_500, "1d00h00m00.5s"),
])
def test_a_span_shows_days_and_hours_only_when_it_has_them(ms: int, shown: str) -> None:
    assert duration(ms) == shown
