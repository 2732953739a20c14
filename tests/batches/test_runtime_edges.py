"""The runtime at its edges: workers that die or lose a peer, owners larger than a pipe at the end,
ties found while deciding, and state folders that are locked, damaged or fail to commit."""

from __future__ import annotations

import builtins
import errno
import fcntl
import io
import json
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path

import msgspec
import pytest

from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.events.assemble import Interaction, Rejection
from rulesengine.events.read import lines_of
from rulesengine.output import files as output_files
from rulesengine.output.rows import JsonLinesWriter
from rulesengine.runtime import parallel
from rulesengine.runtime import state as state_module
from rulesengine.runtime.parallel import WorkerLost, decide_parallel, default_jobs, run_parallel
from rulesengine.runtime.pipeline import Evaluated, RunStats, decide_sources
from rulesengine.runtime.sharing import MAX_JOBS, PeerLost, owner
from rulesengine.runtime.state import StateFolder
from tests.batches.streams import cut, run, stream
from tests.cli.test_outputs import FullDisk
from tests.performance.test_sharing import plain, scans

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "tests" / "flows"
#: an interaction that worker 1 of 2 owns
SECOND_WORKERS = FLOWS / "c02_invitation_revoked.jsonl"


@pytest.mark.parametrize(("cores", "jobs"), [(3, 3), (None, 1), (1000, MAX_JOBS)])
def test_without_an_affinity_mask_every_core_counts(monkeypatch, cores: int | None, jobs: int) -> None:
    """macOS and the BSDs have no `sched_getaffinity`: the number of cores is all there is to go by."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert default_jobs() == jobs


def killed_on(interaction: str):
    def work(item: Interaction, counts: RunStats) -> str:
        if item.id == interaction:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return item.id

    return work


def test_a_worker_killed_outright_stops_the_run_with_an_error_saying_so() -> None:
    sources = [str(path) for path in sorted(FLOWS.glob("*.jsonl"))]
    with pytest.raises(WorkerLost, match=r"^a worker process ended without finishing its share \(killed, by the "
                                         r"out-of-memory killer perhaps\): the run is incomplete$"):
        list(run_parallel(sources, killed_on("c02_invitation_revoked"), jobs=2))
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("output", ["rows.jsonl", "-"])
def test_a_worker_killed_outright_ends_the_command_with_one_line_and_no_output_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], output: str) -> None:
    """The out-of-memory killer takes a worker: `run` says so on one line, exits 2 as for any run it
    could not complete, and leaves no output file, nor any temporary one, behind."""
    from rulesengine.cli import main

    decide = parallel.decide_interaction

    def killed(item: Interaction, decider: object, counts: RunStats) -> Evaluated:
        if item.id == "c02_invitation_revoked":
            os.kill(os.getpid(), signal.SIGKILL)
        return decide(item, decider, counts)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "decide_interaction", killed)
    folder = tmp_path / "out"
    folder.mkdir()
    sources = [str(path) for path in sorted(FLOWS.glob("*.jsonl"))]
    assert main(["run", *sources, "--jobs", "2", "-o", str(folder / output) if output != "-" else output]) == 2
    err = capsys.readouterr().err
    assert err.endswith("rulesengine run: error: a worker process ended without finishing its share (killed, by "
                        "the out-of-memory killer perhaps): the run is incomplete\n")
    assert "Traceback" not in err
    assert os.listdir(folder) == []
    assert multiprocessing.active_children() == []


def test_a_worker_failing_while_a_peer_waits_on_it_is_the_error_raised(tmp_path: Path) -> None:
    """Worker 1 fails on its first interaction, before it deals the owners of the blocks worker 0
    needs later: worker 0 stops for want of them, with nothing to send first. Its stop is no error
    of its own; the error raised is worker 1's."""
    events = tmp_path / "events.jsonl"
    padding = ("#" + "x" * 1023 + "\n") * 2048  # comment lines, 2 MiB: about 8 blocks
    events.write_text(SECOND_WORKERS.read_text(encoding="utf-8") + padding, encoding="utf-8")

    def fails(item: Interaction, counts: RunStats) -> str:
        raise ZeroDivisionError(f"cannot decide {item.id}")

    with pytest.raises(RuntimeError, match=r"(?s)^a worker process failed:.*ZeroDivisionError: cannot decide c02_"):
        list(run_parallel([str(events)], fails, jobs=2))


def test_a_peer_gone_before_taking_its_lines_is_seen_when_dealing() -> None:
    first, second = scans(2)
    os.close(second._inboxes[0].fileno())  # worker 1 ended without reading what worker 0 deals
    with pytest.raises(PeerLost, match="before taking what it was sent"):
        list(first(iter([plain("c1")])))


def test_a_peer_gone_while_the_outbox_thread_writes_to_it_is_seen_at_the_next_message_or_the_end() -> None:
    """A message larger than the pipe is left to the outbox's thread, which finds the peer gone;
    the worker hears of it at its next message to that peer, or when it finishes."""
    first, second = scans(2)
    first.send(1, bytes(1 << 20))  # more than the pipe holds: the rest waits for the thread
    os.close(second._inboxes[0].fileno())  # worker 1 ends without reading it
    first._outboxes[1]._writer.join(timeout=60)
    with pytest.raises(PeerLost, match="before taking what it was sent"):
        first.send(1, b"rows")
    with pytest.raises(PeerLost, match="before taking what it was sent"):
        first.finish()


def test_a_worker_at_its_end_waits_until_its_peers_have_taken_every_line_it_dealt() -> None:
    """A peer's lines of a last block of 200,000 lines are larger than a pipe holds; a worker's
    pipes close as it ends, so it may end only once its peer has them all."""
    first, second = scans(2)
    block = b"".join(plain(f"c{number % 7}") for number in range(200_000))
    ended: list[BaseException] = []

    def dealer() -> None:
        try:
            for _ in first(iter([block])):
                pass
            first.finish()
        except BaseException as problem:  # noqa: BLE001 - raised again in the test's thread
            ended.append(problem)
        finally:
            for outbox in first._outboxes.values():
                os.close(outbox.fileno())

    thread = threading.Thread(target=dealer)
    thread.start()
    taken = [pair for _, indices, lines in second(iter([block])) for pair in zip(indices, lines, strict=True)]
    thread.join(timeout=60)
    assert not thread.is_alive() and ended == []
    assert taken == [(index, raw) for index, raw in enumerate(lines_of(block)) if owner(raw, 2) == 1]


def ended_with(parent: int) -> int | None:
    """The exit code of a forked process that asks to end with `parent`, then returns."""
    process = multiprocessing.get_context("fork").Process(target=parallel._end_with, args=(parent,))
    process.start()
    process.join(timeout=60)
    return process.exitcode


def test_a_worker_whose_parent_already_ended_stops_at_once() -> None:
    """The parent was killed between forking the worker and the worker asking to die with it."""
    assert ended_with(os.getpid()) == 0
    assert ended_with(-1) == 1


@pytest.mark.parametrize("missing", [OSError, AttributeError])
def test_a_worker_starts_where_the_parent_death_signal_cannot_be_asked_for(monkeypatch, missing) -> None:
    """No `prctl` (macOS: not in libc; a libc that cannot be loaded): the closed pipes do its work."""
    import ctypes

    def unavailable(name, use_errno: bool = False):
        raise missing("prctl")

    monkeypatch.setattr(ctypes, "CDLL", unavailable)
    assert ended_with(os.getpid()) == 0


#: two rules that set every agent's role alike at one priority: a tie on each agent
TIE = "\n\n".join(f'rule tie.{name}  "Every agent, at the same priority as tie.{other}"\n'
                  f"  for agent\n  set role {role}\n  priority 90"
                  for name, other, role in (("first", "second", "RoutedTo"), ("second", "first", "ReceivedConsult")))
TIED = load_layers([default_layer(), [("tie.rules", TIE + "\n")]], {}).decider


def test_ties_found_while_deciding_travel_with_their_rows_and_are_counted() -> None:
    sources = [str(path) for path in sorted(FLOWS.glob("*.jsonl"))]
    stats = RunStats()
    evaluated = [item for item in decide_sources(sources, TIED, stats=stats) if isinstance(item, Evaluated)]
    agents = [(item.interaction, row.party) for item in evaluated for row in item.rows if row.kind == "agent"]
    problems = [problem for item in evaluated for problem in item.problems]
    assert len(agents) > 20
    assert [problem.code for problem in problems] == ["R310"] * len(agents)
    assert all("'tie.first' and 'tie.second'" in problem.message for problem in problems)
    assert [(item.interaction, party) for item in evaluated for party in item.undecided] == agents
    assert (stats.problems, stats.undecided) == (len(agents), len(agents))
    shared = RunStats()
    rendered = [item for item in decide_parallel(sources, TIED, JsonLinesWriter, jobs=2, stats=shared)
                if not isinstance(item, Rejection)]
    assert [item.problems for item in rendered] == [item.problems for item in evaluated]
    assert (shared.problems, shared.undecided) == (stats.problems, stats.undecided)


# --- state folders


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> list[str]:
    lines = stream(12, 5)
    return cut(lines, [len(lines) // 2], tmp_path_factory.mktemp("batches"))


def header(state: Path) -> dict:
    return json.loads((state / "state").read_bytes().split(b"\n", 1)[0])


def refused(capsysbinary, batch: str, state: Path, output: Path) -> str:
    """The one line a run on `state` that must not start says, once seen to write nothing."""
    assert run(batch, "--state", str(state), "-o", str(output)) == 2
    out, err = capsysbinary.readouterr()
    assert out == b"" and not output.exists()
    lines = err.decode().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_batch_from_standard_input_is_never_taken_for_one_already_run(
        capsysbinary, monkeypatch, tmp_path: Path, batches: list[str]) -> None:
    """Standard input has no name, size or time to recognise: the state says no batch, and the
    same lines given again are read again (their interactions, ended already, now come late)."""
    state = tmp_path / "state"
    for number in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(batches[0]).read_bytes())))
        assert run("-", "--state", str(state), "-o", str(tmp_path / f"rows{number}")) in (0, 1)
        assert header(state)["batch"] is None
    err = capsysbinary.readouterr().err
    assert b"already holds this batch" not in err
    assert (tmp_path / "rows0").read_bytes() and (tmp_path / "rows1").exists()


def test_a_folder_that_cannot_be_locked_is_one_line(capsysbinary, monkeypatch, tmp_path: Path,
                                                   batches: list[str]) -> None:
    """A file system without locks (NFS without its lock daemon) is not one another run holds."""
    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(state_module.fcntl, "flock", no_locks)
    state = tmp_path / "state"
    line = refused(capsysbinary, batches[0], state, tmp_path / "rows")
    assert line == f"rulesengine run: error: cannot lock state folder {state}: No locks available"
    monkeypatch.undo()
    with open(state / "lock", "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # the refused run let go of it


def test_a_state_folder_closed_twice_is_closed_once_and_free_for_the_next_run(tmp_path: Path) -> None:
    folder = StateFolder(str(tmp_path / "state"))
    folder.close()
    folder.close()
    StateFolder(str(tmp_path / "state")).close()


def test_a_damaged_journal_is_refused_and_kept_for_a_person_to_see(capsysbinary, tmp_path: Path,
                                                                  batches: list[str]) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "journal").write_bytes(b'{"committed":tr')
    line = refused(capsysbinary, batches[0], state, tmp_path / "rows")
    assert line.startswith(f"rulesengine run: error: cannot read {state / 'journal'}: ")
    assert (state / "journal").read_bytes() == b'{"committed":tr'


def test_a_state_that_cannot_be_read_is_one_line(capsysbinary, tmp_path: Path, batches: list[str]) -> None:
    state = tmp_path / "state"
    (state / "state").mkdir(parents=True)
    line = refused(capsysbinary, batches[0], state, tmp_path / "rows")
    assert line == f"rulesengine run: error: cannot read {state / 'state'}: Is a directory"


def test_a_held_event_that_no_longer_reads_as_its_interaction_is_damage(capsysbinary, tmp_path: Path,
                                                                        batches: list[str]) -> None:
    """A state edited by hand, or by a rulesengine that reads lines otherwise, is refused before
    anything is decided from it."""
    state = tmp_path / "state"
    assert run(batches[0], "--state", str(state), "-o", str(tmp_path / "first")) in (0, 1)
    capsysbinary.readouterr()
    head, body = (state / "state").read_bytes().split(b"\n", 1)
    saved = msgspec.msgpack.decode(body)
    held = saved["open"][0]
    held[1][0][2] = held[1][0][2].replace(held[0].encode(), b"someone-else")
    (state / "state").write_bytes(head + b"\n" + msgspec.msgpack.encode(saved))
    line = refused(capsysbinary, batches[1], state, tmp_path / "second")
    path, number = held[1][0][0], held[1][0][1]
    assert line == (f"rulesengine run: error: {state / 'state'} is damaged: an event of {held[0]!r} no longer "
                    f"reads as one ({path}:{number})")


@pytest.fixture
def full_state_disk(monkeypatch) -> None:
    """The state folder's disk is full: its new state cannot be written."""
    real_open = builtins.open

    def full(path, *args, **kwargs):
        if os.path.basename(path) == "state.new":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(state_module, "open", full, raising=False)


@pytest.mark.usefixtures("full_state_disk")
def test_a_state_that_cannot_be_written_leaves_no_output_behind(capsysbinary, tmp_path: Path,
                                                                batches: list[str]) -> None:
    """The outputs were complete under their temporary names when the state failed: they are not
    made visible, and they go, as nothing else would ever remove them (the sweep spares them)."""
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    assert run(batches[0], "--state", str(state), "-o", str(out / "rows.jsonl"),
               "--rejects", str(out / "rejects.jsonl")) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.endswith(f"rulesengine run: error: cannot write state folder {state}: No space left on device\n")
    assert os.listdir(out) == []
    assert os.listdir(state) == ["lock"]


def test_an_output_that_cannot_be_written_leaves_the_state_as_it_was(capsysbinary, monkeypatch, tmp_path: Path,
                                                                     batches: list[str]) -> None:
    state = tmp_path / "state"
    assert run(batches[0], "--state", str(state), "-o", str(tmp_path / "first")) in (0, 1)
    saved = (state / "state").read_bytes()
    capsysbinary.readouterr()
    monkeypatch.setattr(output_files.os, "fdopen",
                        lambda fd, mode, buffering: io.BufferedWriter(FullDisk(fd), buffering))
    assert run(batches[1], "--state", str(state), "-o", str(tmp_path / "second")) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.endswith(f"rulesengine run: error: cannot write {tmp_path / 'second'}: No space left on device\n")
    assert sorted(os.listdir(state)) == ["lock", "state"]
    assert (state / "state").read_bytes() == saved
    assert sorted(os.listdir(tmp_path)) == ["first", "state"]
