"""A real `--jobs 2` run stopped half way: by SIGTERM or SIGHUP it ends cleanly, and when its
parent is killed outright no worker outlives it, and the next run tidies up after it.

The run is a child process over a generated corpus; each test waits until both
workers are up and the temporary output exists, then signals it. Linux only: the
workers and their descriptors are read from /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rulesengine.output.files import sweep_leftovers

pytestmark = pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="reads processes from /proc")

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "tests" / "flows" / "c03_transfer.jsonl"
#: how long a killed run's workers may take to follow it
GRACE = 5.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "events.jsonl"
    subprocess.run([sys.executable, "-m", "rulesengine", "generate", "--count", "8000", "--seed", "11",
                    "-o", str(path)], check=True)
    return path


def start(corpus: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rulesengine", "run", str(corpus), "--jobs", "2",
         "-o", str(out / "rows.jsonl"), "--rejects", str(out / "rejects.jsonl")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended, whoever is left to reap it


def mid_run(process: subprocess.Popen, out: Path) -> list[int]:
    """The worker pids, once both workers are at work: rows reach the temporary output."""
    for _ in range(2400):
        workers = children(process.pid)
        if len(workers) == 2 and writing(out):
            return workers
        assert process.poll() is None, "the run ended before it could be stopped: make the corpus larger"
        time.sleep(0.025)
    raise AssertionError("the run never got going")


def writing(out: Path) -> bool:
    """Whether rows have reached a temporary output file in `out`."""
    for path in out.glob(".rulesengine-*.part"):
        try:
            if path.stat().st_size:
                return True
        except FileNotFoundError:
            pass
    return False


def survivors(workers: list[int]) -> list[int]:
    """The workers still alive after `GRACE` seconds at most."""
    deadline = time.monotonic() + GRACE
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in workers if alive(pid)]


def pipe_ends(pid: int) -> tuple[set[str], set[str]]:
    """The pipes `pid` holds open for reading, and those it holds open for writing."""
    reading, writing = set(), set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            flags = next(line for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
                         if line.startswith("flags:"))
        except OSError:
            continue
        if target.startswith("pipe:"):
            mode = int(flags.split()[1], 8) & os.O_ACCMODE
            (reading if mode == os.O_RDONLY else writing).add(target)
    return reading, writing


def assert_no_worker_keeps_a_result_pipe_open(parent: int, workers: list[int]) -> None:
    """A worker must hold no pipe the parent reads from but the one sentinel per worker forked
    before it (multiprocessing's, never written), and no pipe at both ends: else, with the
    parent gone, a worker's send waits forever on a pipe it keeps open itself."""
    parent_reads, _ = pipe_ends(parent)
    for forked_before, worker in enumerate(sorted(workers)):
        reading, writing = pipe_ends(worker)
        assert not reading & writing
        assert len(reading & parent_reads) <= forked_before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_run_like_ctrl_c(corpus, tmp_path, signum) -> None:
    process = start(corpus, tmp_path)
    workers = mid_run(process, tmp_path)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    assert err.decode() == f"rulesengine: stopped by {signal.Signals(signum).name}\n"
    assert os.listdir(tmp_path) == []  # no output, no temporary file
    assert survivors(workers) == []


def test_killing_the_parent_kills_its_workers_and_the_next_run_tidies_up(corpus, tmp_path) -> None:
    process = start(corpus, tmp_path)
    workers = mid_run(process, tmp_path)
    assert_no_worker_keeps_a_result_pipe_open(process.pid, workers)
    process.kill()
    process.wait(timeout=60)
    assert survivors(workers) == []
    assert any(name.endswith(".part") for name in os.listdir(tmp_path))  # nobody was left to remove it
    done = subprocess.run([sys.executable, "-m", "rulesengine", "run", str(FLOW), "-o", str(tmp_path / "rows.jsonl"),
                           "--rejects", str(tmp_path / "rejects.jsonl")], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["rejects.jsonl", "rows.jsonl"]


def test_only_leftovers_of_ended_writers_on_this_machine_are_removed(tmp_path) -> None:
    host = os.uname().nodename
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    names = {
        "ended": f".rulesengine-{host}-{ended.pid}-0123abcd.part",
        "running": f".rulesengine-{host}-{os.getpid()}-0123abcd.part",
        "elsewhere": f".rulesengine-otherhost-{ended.pid}-0123abcd.part",
        "not ours": ".rulesengine-notes.part",
        "link": f".rulesengine-{host}-{ended.pid}-89abcdef.part",
    }
    for what, name in names.items():
        if what == "link":
            (tmp_path / name).symlink_to(tmp_path / names["not ours"])
        else:
            (tmp_path / name).write_text(what)
    sweep_leftovers(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == sorted(name for what, name in names.items() if what != "ended")
