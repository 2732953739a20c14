"""The state folder: commits that survive a kill at any point, its lock, its version, other formats."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rulesengine.events.generate import generate_lines
from rulesengine.output.files import AtomicFile
from rulesengine.runtime.state import KILL_AT, POINTS, identity
from tests.batches.streams import by_interaction, cut, run, stream


def command(batch: str, state: Path, out: Path, *options: str, kill_at: str | None = None) -> int:
    environment = {key: value for key, value in os.environ.items() if key != KILL_AT}
    if kill_at is not None:
        environment[KILL_AT] = f"{kill_at}@{os.path.realpath(state)}"
    return subprocess.run([sys.executable, "-m", "rulesengine", "run", batch, "--state", str(state),
                           "-o", str(out / "rows.jsonl"), "--rejects", str(out / "rejects.jsonl"), *options],
                          env=environment, capture_output=True, check=False).returncode


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> list[str]:
    lines = stream(20, 11)
    return cut(lines, [len(lines) // 3, 2 * len(lines) // 3], tmp_path_factory.mktemp("batches"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, batches) -> Path:
    """The three batches run one after another without a hitch: state and outputs after each."""
    top = tmp_path_factory.mktemp("uninterrupted")
    for number, batch in enumerate(batches):
        (top / str(number)).mkdir()
        assert command(batch, top / "state", top / str(number)) in (0, 1)
        shutil.copytree(top / "state", top / str(number) / "state")
    return top


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_any_point_of_its_commit_then_run_again_ends_as_an_uninterrupted_one(
        tmp_path, batches, uninterrupted, point) -> None:
    shutil.copytree(uninterrupted / "0" / "state", tmp_path / "state")
    out = tmp_path / "out"
    out.mkdir()
    assert command(batches[1], tmp_path / "state", out, kill_at=point) == -9
    # killed, the outputs are there only once the commit put them there
    assert (out / "rows.jsonl").exists() == (point in ("after-outputs", "after-state"))
    assert command(batches[1], tmp_path / "state", out) in (0, 1)
    expected = uninterrupted / "1"
    assert (out / "rows.jsonl").read_bytes() == (expected / "rows.jsonl").read_bytes()
    assert (out / "rejects.jsonl").read_bytes() == (expected / "rejects.jsonl").read_bytes()
    assert (tmp_path / "state" / "state").read_bytes() == (expected / "state" / "state").read_bytes()
    assert sorted(os.listdir(out)) == ["rejects.jsonl", "rows.jsonl"], "no temporary file is left"
    assert sorted(os.listdir(tmp_path / "state")) == ["lock", "state"]
    # and the stream goes on as if nothing had happened
    assert command(batches[2], tmp_path / "state", out) in (0, 1)
    assert (out / "rows.jsonl").read_bytes() == (uninterrupted / "2" / "rows.jsonl").read_bytes()


def test_the_kill_hook_acts_on_its_own_folder_only(tmp_path, batches) -> None:
    (tmp_path / "out").mkdir()
    environment_point = f"before-commit@{os.path.realpath(tmp_path / 'elsewhere')}"
    result = subprocess.run([sys.executable, "-m", "rulesengine", "run", batches[0], "--state",
                             str(tmp_path / "state"), "-o", str(tmp_path / "out" / "rows")],
                            env={**os.environ, KILL_AT: environment_point}, capture_output=True, check=False)
    assert result.returncode in (0, 1)
    assert (tmp_path / "out" / "rows").exists()


def test_the_same_batch_again_is_recognised_and_writes_nothing(tmp_path, capsysbinary, batches) -> None:
    state = str(tmp_path / "state")
    assert run(batches[0], "--state", state, "-o", str(tmp_path / "first")) in (0, 1)
    saved = (tmp_path / "state" / "state").read_bytes()
    assert run(batches[0], "--state", state, "-o", str(tmp_path / "again")) == 0
    assert not (tmp_path / "again").exists()
    assert (tmp_path / "state" / "state").read_bytes() == saved
    assert b"already holds this batch" in capsysbinary.readouterr().err


def test_a_second_run_on_one_state_folder_refuses_at_once(tmp_path, capsysbinary, batches) -> None:
    (tmp_path / "state").mkdir()
    with open(tmp_path / "state" / "lock", "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert run(batches[0], "--state", str(tmp_path / "state"), "-o", str(tmp_path / "rows")) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.strip().splitlines() == [
        (f"rulesengine run: error: state folder {tmp_path / 'state'} is in use by another run "
        f"(it holds {tmp_path / 'state'}/lock); run batches on one state one after another")]
    assert not (tmp_path / "rows").exists()


@pytest.mark.parametrize(("header", "says"), [
    (b'{"format":"rulesengine-state","version":2}\n', "is a state of version 2; this rulesengine reads version 1"),
    (b'{"format":"something-else","version":1}\n', "is not a rulesengine state (format 'something-else')"),
    (b"\x80\x04pickle\n", "is not a rulesengine state"),
    (b'{"format":"rulesengine-state","version":1}\nnot msgpack', "is damaged"),
])
def test_a_state_of_another_version_or_kind_is_refused(tmp_path, capsysbinary, batches, header, says) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state").write_bytes(header)
    assert run(batches[0], "--state", str(tmp_path / "state"), "-o", str(tmp_path / "rows")) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith(f"rulesengine run: error: {tmp_path / 'state' / 'state'} ") and says in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "rows").exists()


def test_parquet_in_and_out_with_state(tmp_path, capsysbinary, batches) -> None:
    pyarrow = pytest.importorskip("pyarrow.parquet")
    for number, batch in enumerate(batches):
        assert run(batch, "--state", str(tmp_path / "state"), "--format", "parquet", "-o",
                   str(tmp_path / f"{number}.parquet"), "--jobs", "2") in (0, 1)
    assert run(*batches, "--format", "parquet", "-o", str(tmp_path / "one.parquet")) in (0, 1)
    batched = [row for number in range(len(batches))
               for row in pyarrow.read_table(tmp_path / f"{number}.parquet").to_pylist()]
    whole = pyarrow.read_table(tmp_path / "one.parquet").to_pylist()
    assert sorted(batched, key=repr) == sorted(whole, key=repr)


def test_provisional_rows_are_written_and_the_final_rows_come_with_the_end(tmp_path, capsysbinary) -> None:
    lines = list(generate_lines(1, 1))
    first, second = cut(lines, [len(lines) - 1], tmp_path)
    state = str(tmp_path / "state")
    assert run(first, "--state", state, "--include-open", "-o", str(tmp_path / "a")) == 0
    assert run(second, "--state", state, "--include-open", "-o", str(tmp_path / "b")) == 0
    provisional, final = (tmp_path / "a").read_bytes(), (tmp_path / "b").read_bytes()
    assert provisional and b'"provisional":true' in provisional and b'"provisional":true' not in final
    (tmp_path / "whole").mkdir()
    assert run(*cut(lines, [], tmp_path / "whole"), "-o", str(tmp_path / "one")) == 0
    assert by_interaction(final) == (tmp_path / "one").read_bytes()


def test_a_state_folder_that_is_a_file_is_refused_in_one_line(tmp_path, capsysbinary, batches) -> None:
    (tmp_path / "state").write_text("not a folder")
    assert run(batches[0], "--state", str(tmp_path / "state"), "-o", str(tmp_path / "rows")) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith(f"rulesengine run: error: cannot use state folder {tmp_path / 'state'}: ")
    assert len(err.strip().splitlines()) == 1


def test_platform_records_with_state_are_a_usage_error(tmp_path, capsysbinary, batches) -> None:
    assert run(batches[0], "--from", "genesys-cloud", "--state", str(tmp_path / "state")) == 2
    assert b"--state takes contract events" in capsysbinary.readouterr().err
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize(("option", "name"), [("-o", "state"), ("--rejects", "rejects.jsonl"),
                                              ("--coverage-file", "journal")])
@pytest.mark.parametrize("made", [False, True])
def test_an_output_in_the_state_folder_is_a_usage_error(tmp_path, capsysbinary, batches, option, name,
                                                        made) -> None:
    """`-o DIR/state` once wrote the rows, then the committed state replaced them (exit 0)."""
    state = tmp_path / "state"
    if made:
        state.mkdir()
    inside = str(tmp_path / "." / "state" / ".." / "state" / name)
    assert run(batches[0], "--state", str(state), option, inside) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err == (f"rulesengine run: error: {'--output' if option == '-o' else option} {inside} is in the state "
                   f"folder {state}, whose files are the state's own: write it elsewhere\n")
    assert sorted(os.listdir(state)) == [] if made else not state.exists()


def test_every_temporary_file_is_in_the_journal_before_it_is_made(tmp_path, monkeypatch, batches) -> None:
    """A run killed at any moment leaves no temporary output that the journal does not name
    for the next run to remove: the journal was once written just after the files were made."""
    made: list[str] = []
    create = AtomicFile._create_temporary

    def journaled_first(self, replaced):
        journal = json.loads((tmp_path / "state" / "journal").read_bytes())
        assert journal["committed"] is False
        assert self._planned in [temporary for temporary, _ in journal["outputs"]]
        made.append(self._planned)
        return create(self, replaced)

    monkeypatch.setattr(AtomicFile, "_create_temporary", journaled_first)
    assert run(batches[0], "--state", str(tmp_path / "state"), "-o", str(tmp_path / "rows.jsonl"),
               "--rejects", str(tmp_path / "rejects.jsonl")) in (0, 1)
    assert len(made) == 2 and all(name.endswith(".batch") for name in made)
    assert sorted(os.listdir(tmp_path)) == ["rejects.jsonl", "rows.jsonl", "state"]


def test_another_batch_under_the_same_name_size_and_time_is_read(tmp_path, capsysbinary, batches) -> None:
    """An hour's file copied over the last one keeping its size and time (`cp -p`, `rsync -t`)
    was taken for the batch already read: nothing written, exit 0, its rows lost."""
    hour = tmp_path / "hour.jsonl"
    first, second = (Path(batch).read_bytes() for batch in batches[:2])
    width = max(len(first), len(second))
    state = str(tmp_path / "state")
    for number, data in enumerate((first, second)):
        hour.write_bytes(data + b"\n" * (width - len(data)))  # blank lines: the same size
        os.utime(hour, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        assert run(str(hour), "--state", state, "-o", str(tmp_path / f"rows{number}.jsonl")) in (0, 1)
    assert b"already holds this batch" not in capsysbinary.readouterr().err
    assert (tmp_path / "rows1.jsonl").stat().st_size > 0


def test_a_named_pipe_is_never_taken_for_a_batch_already_read(tmp_path) -> None:
    """Its size is 0 and its time does not change with what is written to it."""
    pipe = tmp_path / "feed"
    os.mkfifo(pipe)
    plain = tmp_path / "plain.jsonl"
    plain.write_text("")
    assert identity([str(pipe)]) is None and identity([str(plain), str(pipe)]) is None
    assert identity([str(plain)]) == [(str(plain), 0, plain.stat().st_mtime_ns)]


def test_a_coverage_file_that_cannot_be_written_stops_the_batch_before_its_commit(tmp_path, capsysbinary,
                                                                                  batches) -> None:
    """It was written after the rows, the rejects and the state were committed: exit 2 for a
    batch that had gone in, and a rerun then wrote nothing, the coverage never."""
    missing = tmp_path / "reports" / "coverage.txt"
    code = run(batches[0], "--state", str(tmp_path / "state"), "-o", str(tmp_path / "rows.jsonl"),
               "--coverage-file", str(missing))
    assert code == 2
    assert capsysbinary.readouterr().err.decode().splitlines()[-1] == (
        f"rulesengine run: error: cannot write {missing}: No such file or directory")
    assert not (tmp_path / "rows.jsonl").exists() and not (tmp_path / "state").exists()
