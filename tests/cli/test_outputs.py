"""Where `run` writes: one clear line and exit 2 for an output it cannot write, never a
temporary file left behind, never two outputs in one file, modes like any other file's,
and a quiet stop when the reader of standard output leaves."""

from __future__ import annotations

import errno
import io
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rulesengine.cli import BROKEN_PIPE, main
from rulesengine.output import files as output_files

ROOT = Path(__file__).resolve().parents[2]
FLOW = str(ROOT / "tests" / "flows" / "c03_transfer.jsonl")
BROKEN = str(ROOT / "tests" / "events" / "broken" / "bad_json.jsonl")
FORMATS = ["jsonl", "csv", "table", "parquet"]


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(["run", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


class FullDisk(io.RawIOBase):
    """A file on a full disk: every write fails with ENOSPC, once `room` bytes are written."""

    def __init__(self, fd: int, room: int = 0) -> None:
        self._fd = fd
        self._room = room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return len(data)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def refusing_writes(real_fdopen: Callable[..., Any], room: int = 0) -> Callable[..., Any]:
    """`os.fdopen` on a full disk: a file opened for writing refuses its bytes (past `room` of
    them, unbuffered then, so that the write that fails is the one that passes it), any other is
    opened as usual (so the caches of parsed rules, written the same way, fail as quietly as
    they do on a full disk, whatever ran before)."""
    def fdopen(fd: int, mode: str = "r", buffering: int = -1, *args: object, **kwargs: object) -> Any:
        if "w" not in mode:
            return real_fdopen(fd, mode, buffering, *args, **kwargs)
        size = 1 if room else (buffering if buffering > 0 else io.DEFAULT_BUFFER_SIZE)
        return io.BufferedWriter(FullDisk(fd, room), size)

    return fdopen


@pytest.fixture
def full_disk(monkeypatch) -> None:
    """Every output file is created, then refuses its bytes."""
    monkeypatch.setattr(output_files.os, "fdopen", refusing_writes(os.fdopen))


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.usefixtures("full_disk")
def test_a_full_disk_is_one_line_exit_2_and_no_temporary_file(capsysbinary, tmp_path, output_format) -> None:
    target = tmp_path / "rows.out"
    code, out, err = run(capsysbinary, FLOW, "--format", output_format, "-o", str(target))
    assert (code, out) == (2, b"")
    assert err == f"rulesengine run: error: cannot write {target}: No space left on device\n"
    assert os.listdir(tmp_path) == []


def test_a_full_disk_met_by_a_parquet_row_group_mid_run_is_one_line_exit_2(capsysbinary, tmp_path,
                                                                           monkeypatch) -> None:
    """A row group written before the end fails; the writer is then closed without writing
    again into the stream pyarrow closed (which once raised over the disk's error: exit 1)."""
    monkeypatch.setattr(output_files.os, "fdopen", refusing_writes(os.fdopen, room=1000))
    monkeypatch.setattr("rulesengine.output.parquet.BATCH_ROWS", 1)
    target = tmp_path / "rows.parquet"
    code, out, err = run(capsysbinary, FLOW, "-o", str(target))
    assert (code, out) == (2, b"")
    assert err == f"rulesengine run: error: cannot write {target}: No space left on device\n"
    assert os.listdir(tmp_path) == []


def test_a_full_disk_met_by_convert_s_parquet_row_group_is_one_line_exit_2(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(output_files.os, "fdopen", refusing_writes(os.fdopen, room=1000))
    monkeypatch.setattr("rulesengine.output.events.GROUP_ROWS", 1)
    target = tmp_path / "events.parquet"
    assert main(["convert", FLOW, "-o", str(target)]) == 2
    assert capsys.readouterr().err == f"rulesengine convert: error: cannot write {target}: No space left on device\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.usefixtures("full_disk")
def test_a_full_disk_under_the_rejects_is_one_line_too(capsysbinary, tmp_path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    code, _, err = run(capsysbinary, BROKEN, "--rejects", str(rejects))
    assert code == 2
    assert err.splitlines()[-1] == f"rulesengine run: error: cannot write {rejects}: No space left on device"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["run", "convert"])
def test_an_output_that_cannot_be_written_leaves_the_others_as_they_were(capsysbinary, tmp_path, command) -> None:
    """The rows are put in place only once the rejects are written too (and the other way
    round): a failed run leaves every file it would have replaced as it was."""
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(b"yesterday's rows\n")
    assert main([command, BROKEN, "-o", str(rows), "--rejects", "/dev/full"]) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.splitlines()[-1] == f"rulesengine {command}: error: cannot write /dev/full: No space left on device"
    assert rows.read_bytes() == b"yesterday's rows\n"
    assert os.listdir(tmp_path) == ["rows.jsonl"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_full_standard_output_or_device_is_one_line(tmp_path, output_format) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "rulesengine", "run", FLOW, "--format", output_format],
                              stdout=full, stderr=subprocess.PIPE, check=False)
    assert done.returncode == 2
    assert done.stderr.decode() == "rulesengine run: error: cannot write standard output: No space left on device\n"
    done = subprocess.run([sys.executable, "-m", "rulesengine", "run", FLOW, "--format", output_format,
                           "-o", "/dev/full"], capture_output=True, check=False)
    assert (done.returncode, done.stderr.decode()) == (
        2, "rulesengine run: error: cannot write /dev/full: No space left on device\n")


@pytest.mark.parametrize("option", ["-o", "--rejects"])
def test_an_output_that_cannot_be_made_is_one_line(capsysbinary, tmp_path, monkeypatch, option) -> None:
    missing = tmp_path / "missing" / "out.jsonl"
    assert run(capsysbinary, FLOW, option, str(missing))[::2] == (
        2, f"rulesengine run: error: cannot write {missing}: No such file or directory\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert run(capsysbinary, FLOW, option, str(folder))[::2] == (
        2, f"rulesengine run: error: cannot write {folder}: it is a directory\n")
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(output_files.os, "open", read_only)
    target = tmp_path / "out.jsonl"
    assert run(capsysbinary, FLOW, option, str(target))[::2] == (
        2, f"rulesengine run: error: cannot write {target}: Read-only file system\n")
    assert sorted(os.listdir(tmp_path)) == ["a-folder"]


@pytest.mark.parametrize("link", ["same name", "hard link", "symbolic link", "input"])
def test_two_outputs_or_an_output_and_an_input_in_one_file_are_refused(capsysbinary, tmp_path, link) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(Path(FLOW).read_bytes())
    rows, rejects = tmp_path / "same.jsonl", tmp_path / "other.jsonl"
    if link == "same name":
        rejects = rows
    elif link == "hard link":
        rows.write_text("kept\n")
        os.link(rows, rejects)
    elif link == "symbolic link":
        rejects.symlink_to(rows)  # rows does not exist yet
    else:
        rows = events
    code, out, err = run(capsysbinary, str(events), "-o", str(rows), "--rejects", str(rejects))
    assert (code, out) == (2, b"")
    if link == "input":
        assert err == f"rulesengine run: error: --output {rows} is the same file as the input {events}\n"
        assert events.read_bytes() == Path(FLOW).read_bytes()
    else:
        assert err == f"rulesengine run: error: --rejects {rejects} is the same file as --output {rows}\n"
    assert not any(name.endswith(".part") for name in os.listdir(tmp_path))
    assert run(capsysbinary, str(events), "-o", os.devnull, "--rejects", os.devnull)[0] == 0


@pytest.mark.parametrize("command", ["report", "explain", "graph", "run"])
@pytest.mark.parametrize("given", ["events", "rules", "rules folder"])
def test_no_command_writes_over_what_it_reads(capsysbinary, tmp_path, monkeypatch, command, given) -> None:
    """`-o` naming the events read, or a rule file of `--rules` (given as itself or by its
    folder), is refused before anything is written: report, explain and graph once replaced
    the events with their page, exit 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_bytes(Path(FLOW).read_bytes())
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "s.rules").write_text('rule site.x "x" for agent set result Completed priority 1\n')
    target = {"events": "./in.jsonl", "rules": "site/s.rules", "rules folder": "site/s.rules"}[given]
    rules = "site" if given == "rules folder" else "site/s.rules"
    before = {path: path.read_bytes() for path in (tmp_path / "in.jsonl", tmp_path / "site" / "s.rules")}
    assert main([command, "in.jsonl", "--rules", rules, "-o", target]) == 2
    err = capsysbinary.readouterr().err.decode()
    shown = "in.jsonl" if given == "events" else "site/s.rules"
    assert err.splitlines()[-1] == (f"rulesengine {command}: error: --output {target} is the same file as the "
                                    f"input {shown}")
    assert {path: path.read_bytes() for path in before} == before


def test_the_outputs_of_test_write_over_neither_a_test_file_nor_each_other(capsysbinary, tmp_path,
                                                                            monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    cases = (ROOT / "rulesengine" / "rules" / "chat.rulestest").read_bytes()
    (tmp_path / "t" / "a.rulestest").write_bytes(cases)
    assert main(["test", "t", "--junit", "t/a.rulestest"]) == 2
    assert main(["test", "t", "--junit", "j.xml", "--coverage-file", "./j.xml"]) == 2
    err = capsysbinary.readouterr().err.decode().splitlines()
    assert err == ["rulesengine test: error: --junit t/a.rulestest is the same file as the input t/a.rulestest",
                   "rulesengine test: error: --coverage-file ./j.xml is the same file as --junit j.xml"]
    assert (tmp_path / "t" / "a.rulestest").read_bytes() == cases and not (tmp_path / "j.xml").exists()


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_027")
def test_a_new_output_honours_the_umask_and_a_replaced_one_keeps_its_mode(capsysbinary, tmp_path) -> None:
    new, kept = tmp_path / "new.jsonl", tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o644)
    if os.geteuid() == 0:
        os.chown(kept, 65534, 65534)  # another user's file, as the run found it
    assert run(capsysbinary, FLOW, "-o", str(new), "--rejects", str(kept))[0] == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644 and kept.read_text() == ""


def test_parquet_is_not_written_to_a_terminal(capsysbinary, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run(capsysbinary, FLOW, "--format", "parquet")
    assert (code, out) == (2, b"")
    assert err == ("rulesengine run: error: Parquet is binary and standard output is a terminal: "
                   "give --output FILE.parquet, or redirect standard output\n")


@pytest.mark.parametrize("output_format", ["jsonl", "csv", "table"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_leaves_early_ends_the_run_quietly(output_format, jobs) -> None:
    """`rulesengine run ... | head -c 100`: no traceback, no summary claiming rows it never
    wrote, and the status of a process that SIGPIPE ended."""
    process = subprocess.Popen([sys.executable, "-m", "rulesengine", "run", "--sample", "--format", output_format,
                                "--jobs", jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert len(process.stdout.read(100)) == 100
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == BROKEN_PIPE == 141
    assert err == b""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_parquet_output_of_a_failed_run_goes_quietly(tmp_path, jobs) -> None:
    """An input that cannot be read discards the Parquet file being written: the error is the one
    line, with nothing from pyarrow closing its writer into the discarded file afterwards."""
    target = tmp_path / "rows.parquet"
    done = subprocess.run([sys.executable, "-m", "rulesengine", "run", str(tmp_path / "missing.jsonl"), FLOW,
                           "--jobs", jobs, "--output", str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == f"rulesengine: error: cannot read {tmp_path / 'missing.jsonl'}: no such file\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("state", [False, True])
def test_an_output_that_is_a_link_writes_the_file_it_names_and_stays_a_link(capsysbinary, tmp_path, state) -> None:
    """The temporary file was renamed over the link itself: the file it named kept yesterday's
    rows, and `-o /dev/stdout` made /dev/stdout a plain file."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    (warehouse / "rows.jsonl").write_bytes(b"yesterday\n")
    link = tmp_path / "rows.jsonl"
    link.symlink_to(warehouse / "rows.jsonl")
    extra = ["--state", str(tmp_path / "state")] if state else []
    assert run(capsysbinary, FLOW, "-o", str(link), *extra)[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(warehouse / "rows.jsonl")
    assert (warehouse / "rows.jsonl").read_bytes() == run(capsysbinary, FLOW)[1] != b""
    assert sorted(os.listdir(warehouse)) == ["rows.jsonl"]


def test_standard_output_named_as_a_file_link_gets_the_rows(tmp_path) -> None:
    """`-o /dev/stdout` with standard output sent to a file: the rows reach that file."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    captured = tmp_path / "captured.jsonl"
    with captured.open("wb") as out:
        done = subprocess.run([sys.executable, "-m", "rulesengine", "run", FLOW, "-o", str(link)], stdout=out,
                              stderr=subprocess.PIPE, check=False)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert captured.read_bytes().count(b"\n") == 4
