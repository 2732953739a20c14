"""The command line at its edges: options out of range, outputs that cannot be written, inputs
with nothing to read, settings files that say too little, signals and closed pipes. Each ends
in one line and the documented exit status, with no file left behind."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from rulesengine.adapters import records as adapter_records
from rulesengine.cli import BROKEN_PIPE, main
from rulesengine.cli import convert as convert_command
from rulesengine.cli import run as run_command
from rulesengine.cli.progress import ERASE, Progress
from rulesengine.cli.signals import stopping_on_signals
from rulesengine.output import files as output_files
from tests.cli.test_config import FLOW as ROUTED_FLOW
from tests.cli.test_config import TEST as ROUTED_TEST
from tests.cli.test_outputs import refusing_writes
from tests.cli.test_run import Keyboard, rows_of, run
from tests.events.builders import record, routed, write
from tests.performance.test_progress import Clock

ROOT = Path(__file__).resolve().parents[2]
FLOW = str(ROOT / "tests" / "flows" / "c03_transfer.jsonl")
BROKEN = str(ROOT / "tests" / "events" / "broken" / "bad_json.jsonl")
#: the first line of what `BROKEN` is rejected for
BROKEN_AT = f"{BROKEN}:5:99: error: E101 invalid JSON: trailing comma is not allowed"
#: a rule that no party can match: the analysis reports it dead, with no interaction to show
NEVER = 'rule site.never  "Never"\n  for agent\n  when engage < 0s\n  set result Abandoned\n'


def command(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- run --state --------------------------------------------------------------------------------


def test_a_batch_with_a_missing_input_names_the_input_not_the_state_folder(capsysbinary, tmp_path) -> None:
    """The state folder is fine; the input is not there, and the message says so as it does without --state."""
    state, rows, missing = tmp_path / "state", tmp_path / "rows.jsonl", tmp_path / "missing.jsonl"
    code, out, err = run(capsysbinary, str(missing), FLOW, "--state", str(state), "-o", str(rows))
    assert (code, out) == (2, b"")
    assert err == f"rulesengine: error: cannot read {missing}: no such file\n"
    assert sorted(os.listdir(tmp_path)) == ["state"]
    assert os.listdir(state) == ["lock"]


def test_a_state_folder_that_cannot_be_tidied_is_one_line(capsysbinary, tmp_path) -> None:
    """What a killed run left is removed first; a directory in the way of it stops the run."""
    state, rows = tmp_path / "state", tmp_path / "rows.jsonl"
    (state / "state.new").mkdir(parents=True)
    code, out, err = run(capsysbinary, FLOW, "--state", str(state), "-o", str(rows))
    assert (code, out) == (2, b"")
    assert err == f"rulesengine run: error: cannot use state folder {state}: Is a directory\n"
    assert not rows.exists()


# ---- run: options refused before anything is read ----------------------------------------------


def test_a_compressed_parquet_output_is_refused_before_anything_is_read(capsysbinary, tmp_path) -> None:
    target = tmp_path / "rows.parquet.gz"
    code, out, err = run(capsysbinary, FLOW, "-o", str(target))
    assert (code, out) == (2, b"")
    assert err == ("rulesengine run: error: Parquet compresses its own columns: name the output without .gz "
                   f"({tmp_path / 'rows.parquet'})\n")
    assert os.listdir(tmp_path) == []


def test_more_workers_than_allowed_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["run", FLOW, "--jobs", "257"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "rulesengine run: error: argument --jobs/-j: the number of processes must be at most 256, got 257")


def test_sorting_keeps_an_interaction_without_parties(capsysbinary, tmp_path) -> None:
    """An interaction with no party has no row; the rows of the others come out sorted all the same."""
    empty = [record("e0", 1, "interaction.created", media="chat"), record("e0", 2, "interaction.ended")]
    events = write(tmp_path / "events.jsonl", [*routed("r2"), *empty, *routed("r1")])
    code, out, err = run(capsysbinary, str(events), "--sort")
    assert code == 0
    assert [row["interaction"] for row in rows_of(out)] == ["r1"] * 3 + ["r2"] * 3
    assert err.startswith("rulesengine: 3 interactions read, 3 evaluated, 0 rejected, 0 held open; 6 rows written")


def test_the_progress_line_is_erased_before_each_diagnostic_and_the_summary(capsysbinary, monkeypatch) -> None:
    """On a terminal the progress line is drawn over itself, and whatever follows starts on a clean line."""
    monkeypatch.setattr(run_command, "Progress", lambda stream: Progress(stream, enabled=True, delay=0, every=0))
    code, _, err = run(capsysbinary, FLOW, BROKEN)
    assert code == 1
    assert err.startswith(f"{ERASE}rulesengine: 1 interaction, 4 rows, ")
    assert f"{ERASE}{BROKEN_AT}\n" in err
    assert f"{ERASE}rulesengine: 3 interactions read, 2 evaluated, 1 rejected" in err


# ---- the progress line ---------------------------------------------------------------------------


def test_the_progress_line_waits_then_redraws_at_most_every_interval_and_is_erased() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, enabled=True, delay=1.0, every=0.25, clock=clock)
    progress.close()
    progress.update(1, 2)
    assert stream.getvalue() == ""
    clock.now += 1.0
    progress.update(10, 40)
    assert stream.getvalue() == f"{ERASE}rulesengine: 10 interactions, 40 rows, 10 interactions/s"
    clock.now += 0.1
    progress.update(11, 44)
    assert stream.getvalue().count(ERASE) == 1
    clock.now += 0.15
    progress.update(12, 48)
    assert stream.getvalue().endswith(f"{ERASE}rulesengine: 12 interactions, 48 rows, 10 interactions/s")
    progress.close()
    progress.close()
    assert stream.getvalue().endswith(f"interactions/s{ERASE}")


def test_the_progress_line_says_nothing_off_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, delay=0, clock=clock)
    clock.now += 5
    progress.update(1, 1)
    progress.close()
    assert (progress.enabled, stream.getvalue()) == (False, "")


# ---- outputs a command cannot make ---------------------------------------------------------------


@pytest.mark.parametrize("argv", [["generate", "--count", "2"], ["report", FLOW], ["graph", FLOW]])
def test_an_output_in_a_missing_folder_is_one_line(capsys, tmp_path, argv) -> None:
    target = tmp_path / "missing" / "out"
    code, out, err = command(capsys, *argv, "-o", str(target))
    assert (code, out) == (2, "")
    assert err == f"rulesengine {argv[0]}: error: cannot write {target}: No such file or directory\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["generate", "--count", "2"], ["report", FLOW], ["graph", FLOW], ["explain", FLOW]])
def test_a_full_disk_leaves_what_was_at_the_output(capsys, tmp_path, monkeypatch, argv) -> None:
    """The output takes its new content only once it is complete: a write that fails leaves the old one."""
    target = tmp_path / "out"
    target.write_text("what was there\n")
    monkeypatch.setattr(output_files.os, "fdopen", refusing_writes(os.fdopen))
    code, out, err = command(capsys, *argv, "-o", str(target))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == f"rulesengine {argv[0]}: error: cannot write {target}: No space left on device"
    assert os.listdir(tmp_path) == ["out"]
    assert target.read_text() == "what was there\n"


def test_diff_with_no_events_and_a_terminal_says_what_to_give(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("sys.stdin", Keyboard(io.BytesIO(b"")))
    (tmp_path / "never.rules").write_text(NEVER)
    code, out, err = command(capsys, "diff", "--new-rules", str(tmp_path / "never.rules"))
    assert (code, out) == (2, "")
    assert err == ("rulesengine diff: error: no events to read: name event files, pipe them into standard "
                   "input, or give --sample\n")


# ---- explain and graph of an input with a rejected interaction ----------------------------------


def test_explain_reports_a_rejected_interaction_and_explains_the_rest(capsys) -> None:
    code, out, err = command(capsys, "explain", BROKEN, FLOW, "--format", "json")
    assert code == 0
    assert err.splitlines()[0] == BROKEN_AT
    assert {json.loads(line)["party"] for line in out.splitlines()} == {
        *(f"c03_transfer.{name}" for name in ("q1", "s1", "a1", "a2")), "ok.q1", "ok.s1", "ok.a1"}


def test_graph_reports_a_rejected_interaction_unless_another_is_asked_for(capsys) -> None:
    code, out, err = command(capsys, "graph", BROKEN, FLOW)
    assert code == 1
    assert err.splitlines()[0] == BROKEN_AT
    assert out.count("sequenceDiagram") == 2
    code, out, err = command(capsys, "graph", BROKEN, FLOW, "--interaction", "c03_transfer")
    assert (code, err) == (0, "")
    assert out.count("sequenceDiagram") == 1
    code, out, err = command(capsys, "graph", BROKEN, FLOW, "--interaction", "bad")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == BROKEN_AT


# ---- check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["--set", "short_engagement"], "--set expects NAME=VALUE, got 'short_engagement'"),
    (["--budget", "0"], "--budget takes a number of seconds above 0"),
    (["--budget=-1"], "--budget takes a number of seconds above 0"),
    (["--budget", "nan"], "--budget takes a number of seconds above 0"),
])
def test_check_refuses_a_bad_setting_or_budget_in_one_line(capsys, argv, message) -> None:
    assert command(capsys, "check", *argv) == (2, "", f"rulesengine check: error: {message}\n")


def test_check_of_rules_that_do_not_load_reports_them_and_analyses_nothing(capsys, tmp_path) -> None:
    (tmp_path / "broken.rules").write_text('rule site.broken  "Broken"\n  for agent\n  set result Nowhere\n')
    witnesses = tmp_path / "witnesses"
    code, out, err = command(capsys, "check", "--rules", str(tmp_path / "broken.rules"), "--witness",
                             str(witnesses), "-v")
    assert code == 1
    assert out.startswith(f"{tmp_path / 'broken.rules'}:")
    assert err.endswith(", 1 error, 0 warnings\n") and err.count("\n") == 1
    assert not witnesses.exists()


def test_a_dead_rule_that_matches_no_party_has_no_witness_file(capsys, tmp_path) -> None:
    (tmp_path / "never.rules").write_text(NEVER)
    witnesses = tmp_path / "witnesses"
    code, out, _ = command(capsys, "check", "--rules", str(tmp_path / "never.rules"), "--witness", str(witnesses))
    assert code == 0
    assert "R304 rule 'site.never' decides nothing in any interaction within the bound: it matches no party" in out
    assert list(witnesses.iterdir()) == []


def test_witnesses_that_cannot_be_written_are_one_line_and_exit_2(capsys, tmp_path) -> None:
    (tmp_path / "never.rules").write_text(NEVER)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    code, _, err = command(capsys, "check", "--rules", str(tmp_path / "never.rules"),
                           "--witness", str(in_the_way / "witnesses"))
    assert code == 2
    assert err.splitlines()[-1] == (f"rulesengine check: error: cannot write the witnesses to "
                                    f"{in_the_way / 'witnesses'}: Not a directory")


# ---- rules ---------------------------------------------------------------------------------------


def test_rules_refuses_a_setting_without_a_value(capsys) -> None:
    assert command(capsys, "rules", "list", "--set", "x") == (
        2, "", "rulesengine rules: error: --set expects NAME=VALUE, got 'x'\n")


def test_show_prints_a_parameter_as_written_and_nothing_when_every_name_is_unknown(capsys, tmp_path) -> None:
    layer = tmp_path / "params.rules"
    layer.write_text('param short_engagement: duration = 10s  "short"\n')
    code, out, _ = command(capsys, "rules", "show", "short_engagement", "--rules", str(layer))
    assert (code, out) == (0, f"# {layer}:1\nparam short_engagement: duration = 10s  \"short\"\n")
    code, out, err = command(capsys, "rules", "show", "short_engagemnt", "--rules", str(layer))
    assert (code, out) == (1, "")
    assert err.endswith("rulesengine rules show: error: no rule, fact, parameter or vocabulary 'short_engagemnt' "
                        "in the rules in effect; did you mean 'short_engagement'?\n")


def test_export_into_a_file_is_one_line_and_writes_nothing(capsys, tmp_path) -> None:
    in_the_way = tmp_path / "my-rules"
    in_the_way.write_text("a file, not a folder\n")
    assert command(capsys, "rules", "export", str(in_the_way)) == (
        2, "", (f"rulesengine rules export: error: cannot write into {in_the_way}: it is a file; name a folder "
                "(made if missing) to write the rule files into\n"))
    assert in_the_way.read_text() == "a file, not a folder\n"


def test_export_under_a_file_says_what_the_system_said(capsys, tmp_path) -> None:
    in_the_way = tmp_path / "my-rules"
    in_the_way.write_text("a file, not a folder\n")
    assert command(capsys, "rules", "export", str(in_the_way / "site")) == (
        2, "", f"rulesengine rules export: error: cannot write {in_the_way / 'site'}: Not a directory\n")


# ---- test ----------------------------------------------------------------------------------------


@pytest.fixture
def case_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding one passing test file and the events it reads, the current folder."""
    (tmp_path / "quick.rulestest").write_text(ROUTED_TEST.replace("RoutedTo/Completed [Rejected]",
                                                                  "RoutedTo/Completed IRF"))
    (tmp_path / "c01.jsonl").write_bytes(Path(ROUTED_FLOW).read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_junit_file_that_cannot_be_written_is_exit_2(capsys, case_folder) -> None:
    code, out, err = command(capsys, "test", "quick.rulestest", "--junit", "missing/results.xml")
    assert (code, out) == (2, "quick.rulestest .\n")
    assert err == "rulesengine test: error: cannot write missing/results.xml: No such file or directory\n"
    assert sorted(os.listdir(case_folder)) == ["c01.jsonl", "quick.rulestest"]


def test_a_test_file_that_does_not_parse_is_an_annotation_on_its_line(capsys, case_folder) -> None:
    (case_folder / "bad.rulestest").write_text("this is not a test\n")
    code, out, err = command(capsys, "test", "bad.rulestest", "quick.rulestest", "--format", "github")
    assert code == 2
    assert out.startswith("::error file=bad.rulestest,line=1,col=1,title=T001::syntax error: unexpected 'this'")
    assert out.count("\n") == 1
    assert err == "rulesengine test: 1 passed, 1 test file not read\n"


def test_a_test_file_without_cases_has_no_progress_line(capsys, case_folder) -> None:
    (case_folder / "empty.rulestest").write_text("# nothing yet\n")
    assert command(capsys, "test", "empty.rulestest", "quick.rulestest") == (
        0, "quick.rulestest .\n", "rulesengine test: 1 passed\n")


def test_test_files_that_hold_no_case_at_all_are_exit_2(capsys, case_folder) -> None:
    """A gate whose cases were all commented out tests nothing: it must not pass."""
    (case_folder / "empty.rulestest").write_text("# nothing yet\n")
    (case_folder / "later.rulestest").write_text('# case "not yet"\n')
    assert command(capsys, "test", "empty.rulestest", "later.rulestest") == (
        2, "", "rulesengine test: error: no cases to run: 2 test files and not one `case` in them\n")


# ---- settings files ------------------------------------------------------------------------------


def test_a_tool_rulesengine_that_is_no_table_stops_the_command(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool]\nrulesengine = 1\n")
    monkeypatch.chdir(tmp_path)
    assert command(capsys, "config") == (
        2, "", f"rulesengine: error: {tmp_path / 'pyproject.toml'}: [tool.rulesengine] must be a table\n")


def test_a_settings_file_that_cannot_be_read_stops_the_command(capsys, tmp_path, monkeypatch) -> None:
    settings = tmp_path / "rulesengine.toml"
    settings.write_text("jobs = 1\n")
    monkeypatch.chdir(tmp_path)
    real_open = Path.open

    def denied(self: Path, *args: object, **kwargs: object):
        if self == settings:
            raise PermissionError(13, os.strerror(13), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    assert command(capsys, "config") == (2, "", f"rulesengine: error: cannot read {settings}: Permission denied\n")


def test_true_and_false_parameters_are_given_as_set_writes_them(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "rulesengine.toml").write_text("[params]\nstrict_pull = true\nloose = false\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = command(capsys, "config")
    assert code == 0
    assert "params.strict_pull = true  (" in out and "params.loose = false  (" in out


# ---- a closed standard output --------------------------------------------------------------------


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone; `fd`, when given, is the descriptor it stands for."""

    def __init__(self, fd: int | None = None) -> None:
        super().__init__()
        self.fd = fd

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        return super().fileno() if self.fd is None else self.fd


def test_a_reader_that_left_a_replaced_stdout_gets_the_sigpipe_status_and_its_descriptor_kept(
        monkeypatch, tmp_path) -> None:
    """Standard output replaced by the caller (as a program embedding the command line does) is theirs:
    its descriptor still writes where it did."""
    with open(tmp_path / "captured", "wb") as captured:
        closed = ClosedPipe(captured.fileno())
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["generate", "--count", "1"]) == BROKEN_PIPE
        assert sys.stdout is closed
        os.write(captured.fileno(), b"still here\n")
    assert (tmp_path / "captured").read_bytes() == b"still here\n"


def test_a_reader_that_left_a_stdout_without_a_descriptor_gets_the_sigpipe_status(monkeypatch) -> None:
    closed = ClosedPipe()
    monkeypatch.setattr(sys, "stdout", closed)
    monkeypatch.setattr(sys, "__stdout__", closed)
    assert main(["generate", "--count", "1"]) == BROKEN_PIPE
    assert sys.stdout is closed


# ---- signals -------------------------------------------------------------------------------------


def test_a_command_run_outside_the_main_thread_leaves_the_signals_alone(tmp_path) -> None:
    target = tmp_path / "events.jsonl"
    before = signal.getsignal(signal.SIGTERM)
    done: list[int | BaseException] = []

    def command_in_thread() -> None:
        try:
            done.append(main(["generate", "--count", "1", "-o", str(target)]))
        except BaseException as problem:  # noqa: BLE001
            done.append(problem)

    thread = threading.Thread(target=command_in_thread)
    thread.start()
    thread.join()
    assert done == [0]
    assert target.read_text().count("\n") > 1
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_ignored_at_the_start_stays_ignored() -> None:
    """`nohup rulesengine run ...`: the hang-up it ignores does not stop the command."""
    before = signal.getsignal(signal.SIGTERM)
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stopping_on_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert callable(signal.getsignal(signal.SIGTERM))
            os.kill(os.getpid(), signal.SIGHUP)
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_process_forked_inside_a_command_is_ended_by_the_signal_itself() -> None:
    """A `--jobs` worker signalled before it set its own handlers ends as the signal ends a process."""
    with stopping_on_signals():
        child = os.fork()
        if child == 0:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                os._exit(0)
            except BaseException:  # noqa: BLE001
                os._exit(3)
        _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


# ---- platform records ----------------------------------------------------------------------------

TWILIO = ROOT / "tests" / "adapters" / "samples" / "twilio" / "twilio_lifecycle_T2_abandoned_in_queue.input.json"


@pytest.fixture
def twilio_events(tmp_path: Path) -> Path:
    """A TaskRouter export, one event a line: a task abandoned in its queue, then workers' own events."""
    events = json.loads(TWILIO.read_text())["events"]
    start = events[0]["timestamp_ms"]
    others = ["worker.activity.update"] * 3 + ["worker.created"] * 2 + ["worker.deleted", "workspace.updated"]
    events += [{"eventtype": kind, "timestamp_ms": start + number, "payload": {"sid": "WK1"}}
               for number, kind in enumerate(others)]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return path


def test_records_that_map_to_no_event_are_counted_most_frequent_first(capsys, twilio_events) -> None:
    code, out, err = command(capsys, "convert", "--from", "twilio-taskrouter", str(twilio_events))
    assert code == 0
    assert out.count("\n") > 1
    assert err.splitlines()[1:] == [(
        "rulesengine convert: note: ignored, as they map to no event: worker.activity.update event ×3, "
        "worker.created event ×2, worker.deleted event ×1, ...")]


def test_an_interaction_whose_events_break_the_contract_is_rejected_not_written(
        capsys, monkeypatch, tmp_path, twilio_events) -> None:
    """Every converted interaction is read back as `run` reads it, so a mapping that went wrong is a
    rejection naming its record instead of events that `run` would refuse."""
    real = convert_command.convert

    def without_times(*args: object) -> Iterator[object]:
        for item in real(*args):
            events = tuple({key: value for key, value in event.items() if key != "ts"} for event in item.events)
            yield attrs.evolve(item, events=events)

    monkeypatch.setattr(convert_command, "convert", without_times)
    rejects, events = tmp_path / "rejects.jsonl", tmp_path / "events.jsonl"
    code, out, err = command(capsys, "convert", "--from", "twilio-taskrouter", str(twilio_events),
                             "-o", str(events), "--rejects", str(rejects))
    assert (code, out) == (1, "")
    first = err.splitlines()[0]
    assert first.startswith(f"{twilio_events}:1:1: error: A10")
    assert ": the events made from this record break the event contract: E1" in first
    assert err.splitlines()[-2].startswith("rulesengine convert: from twilio-taskrouter: 10 events read, "
                                           "0 interactions made, 1 rejected in ")
    assert events.read_bytes() == b""
    assert [json.loads(line)["kind"] for line in rejects.read_text().splitlines()] == ["rejected"]


def test_run_from_records_that_cannot_be_read_midway_is_one_line_and_no_output(
        capsysbinary, monkeypatch, tmp_path, twilio_events) -> None:
    real_open = open

    def failing(path: object, *args: object, **kwargs: object):
        if str(path) == str(twilio_events):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(adapter_records, "open", failing, raising=False)
    rows = tmp_path / "rows.jsonl"
    code, out, err = run(capsysbinary, "--from", "twilio-taskrouter", str(twilio_events), "-o", str(rows))
    assert (code, out) == (2, b"")
    assert err == f"rulesengine: error: cannot read {twilio_events}: Input/output error\n"
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]
