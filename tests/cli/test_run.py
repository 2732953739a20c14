"""`rulesengine run` as a user runs it: formats, files, rejects, exit codes, determinism."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.output.rows import FIELDS
from rulesengine.speedups import spilled_sort
from tests.events.builders import record, routed, transfer, write

FLOWS = Path(__file__).parent.parent / "flows"
CONTRACT_FIELDS = ["interaction", "party", "kind", "resource", "record", "start", "end", "alert_ms",
                   "engage_ms", "resource_role", "role_reason", "technical_result", "result_reason",
                   "rule", "rule_at"]


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(["run", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def rows_of(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def masked(summary: str) -> str:
    """The summary with its timing replaced, so it can be pinned."""
    return re.sub(r"in \d+\.\d\ds", "in <time>s", summary)


def test_sample_gives_one_row_per_party_with_every_contract_field(capsysbinary):
    code, out, err = run(capsysbinary, "--sample")
    rows = rows_of(out)
    assert code == 0
    assert len(rows) > 1000
    assert all(list(row)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS for row in rows)
    assert {row["record"] for row in rows} == {"IRF", "MSF"}
    assert all(row["rule"] and re.fullmatch(r"rules/chat\.rules:\d+( \+ rules/chat\.rules:\d+){0,2}",
                                            row["rule_at"]) for row in rows)
    parties = {(row["interaction"], row["party"]) for row in rows}
    assert len(parties) == len(rows)
    assert re.fullmatch(r"rulesengine: (\d+) interactions read, \1 evaluated, 0 rejected, 0 held open; "
                        rf"{len(rows)} rows written in \d+\.\d\ds\n", err)


class Keyboard(io.TextIOWrapper):
    """Standard input as a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["run", "explain", "graph"])
def test_with_no_file_piped_events_are_read(capsysbinary, monkeypatch, command):
    fixture = (FLOWS / "c01_routed_completed.jsonl").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(fixture)))
    assert main([command]) == 0
    out = capsysbinary.readouterr()[0]
    assert b"c01_routed_completed" in out and b"c05_conference" not in out


@pytest.mark.parametrize("command", ["run", "explain", "graph"])
def test_with_no_file_and_a_terminal_the_command_says_what_to_give(capsysbinary, monkeypatch, command):
    monkeypatch.setattr("sys.stdin", Keyboard(io.BytesIO(b"")))
    code = main([command])
    out, err = capsysbinary.readouterr()
    assert (code, out) == (2, b"")
    assert err.decode() == (f"rulesengine {command}: error: no events to read: name event files, pipe them "
                            "into standard input, or give --sample\n")
    monkeypatch.setattr("sys.stdin", None)
    assert main([command]) == 2


def test_the_sample_only_when_asked(capsysbinary, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert run(capsysbinary)[1] == b""
    assert run(capsysbinary, "--sample")[1].count(b"\n") > 1000


def test_rows_of_an_interaction_follow_the_first_seq_of_their_party(capsysbinary):
    _, out, _ = run(capsysbinary, str(FLOWS / "c08a_conference_through_queue.jsonl"))
    assert [row["party"].rsplit(".", 1)[1] for row in rows_of(out)] == ["q1", "s1", "a1", "q2", "s2", "a2"]


def test_the_documented_transfer_example(capsysbinary, tmp_path, snapshot):
    events = write(tmp_path / "c3.jsonl", transfer("c3"))
    code, out, err = run(capsysbinary, str(events))
    rows = {row["party"]: row for row in rows_of(out)}
    assert code == 0
    assert (rows["c3.a1"]["resource_role"], rows["c3.a1"]["technical_result"]) == ("RoutedTo", "Transferred")
    assert (rows["c3.a2"]["resource_role"], rows["c3.a2"]["technical_result"]) == (
        "ReceivedTransfer", "Completed")
    assert rows["c3.a2"]["alert_ms"] == 1000 and rows["c3.a2"]["engage_ms"] == 3000
    assert out.decode() == snapshot
    assert masked(err) == snapshot


def test_csv_has_a_header_and_the_same_rows(capsysbinary):
    flow = str(FLOWS / "c03_transfer.jsonl")
    _, as_jsonl, _ = run(capsysbinary, flow)
    _, as_csv, _ = run(capsysbinary, flow, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(as_csv.decode())))
    assert tuple(table[0]) == FIELDS
    expected = rows_of(as_jsonl)
    assert [row["technical_result"] for row in table] == [row["technical_result"] for row in expected]
    assert table[0]["alert_ms"] == "" and table[0]["provisional"] == "false"


@pytest.mark.parametrize("odd", ["\r", "\r\n", "\n", '"', ",", "a\rb,c\"d\ne"])
def test_csv_reads_back_as_the_json_lines_say_whatever_an_id_holds(capsysbinary, tmp_path, odd):
    """An id holding a line break, a carriage return alone among them, a quote or a comma is
    quoted (RFC 4180): a CSV reader gets back each row's values as JSON lines give them."""
    lines = (FLOWS / "c03_transfer.jsonl").read_text(encoding="utf-8")
    events = tmp_path / "odd.jsonl"
    events.write_text(lines.replace("c03_transfer", "c03" + json.dumps(odd)[1:-1] + "transfer"), encoding="utf-8")
    _, as_jsonl, _ = run(capsysbinary, str(events))
    _, as_csv, _ = run(capsysbinary, str(events), "--format", "csv")
    table = list(csv.reader(io.StringIO(as_csv.decode(), newline="")))
    expected = rows_of(as_jsonl)
    assert [row[:3] for row in table[1:]] == [[row[name] for name in FIELDS[:3]] for row in expected]
    assert len(table) == len(expected) + 1 and expected[0]["interaction"] == f"c03{odd}transfer"


def test_table_is_aligned_and_readable(capsysbinary, snapshot):
    code, out, _ = run(capsysbinary, str(FLOWS / "c04_transfer_failed.jsonl"), "--format", "table")
    text = out.decode()
    assert code == 0
    assert "ReceivedTransfer/Abandoned [Revoked]" in text
    assert len({line.index("descriptor") for line in text.splitlines()[:1]}) == 1
    assert text == snapshot


def test_output_file_is_written_whole(capsysbinary, tmp_path):
    target = tmp_path / "rows.jsonl"
    code, out, _ = run(capsysbinary, str(FLOWS / "c01_routed_completed.jsonl"), "-o", str(target))
    assert code == 0 and out == b""
    assert len(target.read_bytes().splitlines()) == 3
    assert os.listdir(tmp_path) == ["rows.jsonl"]


def test_unreadable_input_exits_2_and_leaves_no_output_file(capsysbinary, tmp_path):
    target = tmp_path / "rows.jsonl"
    code, _, err = run(capsysbinary, str(tmp_path / "missing.jsonl"), "-o", str(target))
    assert code == 2
    assert "rulesengine: error:" in err and "missing.jsonl" in err
    assert os.listdir(tmp_path) == []


def test_a_broken_interaction_is_rejected_and_the_rest_still_comes_out(capsysbinary, tmp_path):
    bad = routed("bad")
    bad[4]["intent"] = "rout"
    events = write(tmp_path / "mixed.jsonl", [*routed("good"), *bad])
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run(capsysbinary, str(events), "--rejects", str(rejects))
    assert code == 1
    assert {row["interaction"] for row in rows_of(out)} == {"good"}
    (reject,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert reject["interaction"] == "bad" and reject["kind"] == "rejected"
    assert reject["reasons"][0]["line"] == 14 and reject["reasons"][0]["code"] == "E104"
    assert f"{events}:14:" in err and "did you mean 'route'?" in err
    assert "2 interactions read, 1 evaluated, 1 rejected" in err


def test_open_interactions_are_held_back_unless_asked(capsysbinary, tmp_path):
    events = write(tmp_path / "open.jsonl", [*routed("done"), *routed("open", ended=False)])
    code, out, err = run(capsysbinary, str(events))
    assert code == 0
    assert {row["interaction"] for row in rows_of(out)} == {"done"}
    assert "1 held open" in err and "--include-open" in err
    _, out, _ = run(capsysbinary, str(events), "--include-open")
    provisional = {row["interaction"]: row["provisional"] for row in rows_of(out)}
    assert provisional == {"done": False, "open": True}


def test_a_late_event_is_reported_and_exits_1(capsysbinary, tmp_path):
    late = record("r1", 20, "customer.left", at=30)
    events = write(tmp_path / "late.jsonl", [*routed("r1"), late])
    code, out, err = run(capsysbinary, str(events))
    assert code == 1
    assert len(rows_of(out)) == 3
    assert "E130" in err and ", 1 late event;" in err


def test_stdin_is_read_with_a_dash(capsysbinary, monkeypatch):
    fixture = (FLOWS / "c01_routed_completed.jsonl").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(fixture)))
    code, out, _ = run(capsysbinary, "-")
    assert code == 0 and len(rows_of(out)) == 3


def test_sort_orders_the_whole_output_by_interaction(capsysbinary, tmp_path):
    events = write(tmp_path / "two.jsonl", [*routed("z"), *routed("a")])
    _, unsorted, _ = run(capsysbinary, str(events))
    _, ordered, _ = run(capsysbinary, str(events), "--sort")
    assert [row["interaction"] for row in rows_of(unsorted)] == ["z"] * 3 + ["a"] * 3
    assert [row["interaction"] for row in rows_of(ordered)] == ["a"] * 3 + ["z"] * 3


def test_bad_set_option_is_a_usage_error(capsysbinary):
    code, out, err = run(capsysbinary, "--set", "delivering_timeout")
    assert code == 2 and out == b""
    assert "--set expects NAME=VALUE" in err


def _flow_lines() -> list[list[bytes]]:
    """Each documented flow's event lines, comments dropped."""
    return [[line for line in path.read_bytes().splitlines() if line and not line.startswith(b"#")]
            for path in sorted(FLOWS.glob("*.jsonl"))]


@pytest.fixture(scope="module")
def sorted_flow_rows(tmp_path_factory) -> bytes:
    """The documented flows' rows, sorted: what every shuffle and split must give."""
    expected = tmp_path_factory.mktemp("flows") / "expected.jsonl"
    assert main(["run", "--sort", "-o", str(expected), *map(str, sorted(FLOWS.glob("*.jsonl")))]) == 0
    return expected.read_bytes()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), parts=st.integers(1, 3))
def test_sorted_output_bytes_do_not_depend_on_line_order_or_file_split(tmp_path_factory, sorted_flow_rows,
                                                                       seed, parts):
    """Interleave the flows, shuffle each one's lines before its end, cut the stream into files."""
    chance = random.Random(seed)
    pending = []
    for lines in _flow_lines():
        body, end = lines[:-1], lines[-1]
        chance.shuffle(body)
        pending.append([*body, end])
    mixed = []
    while pending:
        stream = chance.choice(pending)
        mixed.append(stream.pop(0))
        if not stream:
            pending.remove(stream)
    folder = tmp_path_factory.mktemp("split")
    files = []
    size = -(-len(mixed) // parts)
    for number in range(parts):
        path = folder / f"part{number}.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in mixed[number * size:(number + 1) * size]))
        files.append(str(path))
    shuffled = folder / "shuffled.jsonl"
    assert main(["run", "--sort", "-o", str(shuffled), *files]) == 0
    assert shuffled.read_bytes() == sorted_flow_rows


@pytest.mark.parametrize("output_format", ["jsonl", "table"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sort_spilled_to_disk_gives_the_rows_sorted_in_memory(capsysbinary, monkeypatch, output_format, jobs):
    flows = [str(path) for path in sorted(FLOWS.glob("*.jsonl"), reverse=True)]
    code, held, _ = run(capsysbinary, *flows, "--sort", "--format", output_format, "--jobs", jobs)
    monkeypatch.setattr(spilled_sort, "DEFAULT_LIMIT", 600)  # a run on disk every interaction or two
    spills = []
    monkeypatch.setattr(spilled_sort.SpilledSort, "_spill",
                        lambda self, spill=spilled_sort.SpilledSort._spill: spills.append(1) or spill(self))
    assert run(capsysbinary, *flows, "--sort", "--format", output_format, "--jobs", jobs)[:2] == (code, held)
    assert code == 0 and len(spills) > 5
    if output_format == "jsonl":
        ids = [json.loads(line)["interaction"] for line in held.splitlines()]
        assert ids == sorted(ids)


def test_parties_no_rule_decides_still_get_a_row_and_are_counted(capsysbinary, tmp_path):
    site = tmp_path / "roles_only.rules"
    site.write_text('vocabulary role: RoutedTo\n'
                    'rule agent.routed "routed agents" for agent when intent == route set role RoutedTo\n')
    code, out, err = run(capsysbinary, str(FLOWS / "c01_routed_completed.jsonl"),
                         "--no-default-rules", "--rules", str(site))
    rows = {row["party"].rsplit(".", 1)[1]: row for row in rows_of(out)}
    assert code == 0
    assert [rows[p]["rule"] for p in ("q1", "s1", "a1")] == [None, None, "agent.routed"]
    assert rows["a1"]["rule_at"] == f"{site}:2"
    assert {rows["q1"][part] for part in ("resource_role", "role_reason", "technical_result",
                                          "result_reason")} == {"Unspecified"}
    assert (rows["a1"]["resource_role"], rows["a1"]["technical_result"]) == ("RoutedTo", "Unspecified")
    assert "rulesengine: warning: 3 parties not fully decided by any rule" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fail_on_undecided_makes_undecided_parties_a_finding(capsysbinary, tmp_path, jobs):
    site = tmp_path / "roles_only.rules"
    site.write_text('vocabulary role: RoutedTo\n'
                    'rule agent.routed "routed agents" for agent when intent == route set role RoutedTo\n')
    flow = str(FLOWS / "c01_routed_completed.jsonl")
    plain = run(capsysbinary, flow, "--no-default-rules", "--rules", str(site), "--jobs", jobs)
    strict = run(capsysbinary, flow, "--no-default-rules", "--rules", str(site), "--jobs", jobs,
                 "--fail-on-undecided")
    assert (plain[0], strict[0]) == (0, 1)
    assert strict[1] == plain[1]
    assert "rulesengine: error: 3 parties not fully decided by any rule" in strict[2]


def test_fail_on_undecided_passes_when_the_rules_decide_everyone(capsysbinary):
    code, _, err = run(capsysbinary, *map(str, sorted(FLOWS.glob("*.jsonl"))), "--fail-on-undecided")
    assert code == 0 and "not fully decided" not in err


def test_rules_that_do_not_load_stop_the_run_with_their_diagnostics(capsysbinary, tmp_path):
    site = tmp_path / "bad.rules"
    site.write_text('rule agent.x "d" for agent when orign == route set role RoutedTo\n')
    code, out, err = run(capsysbinary, "--rules", str(site))
    assert code == 2 and out == b""
    assert f"{site}:1:33: error: R101 unknown name 'orign'" in err
    assert "did you mean 'origin'?" in err


def test_output_to_a_pipe_writes_through_it_and_leaves_it_a_pipe(capsysbinary, tmp_path):
    """`-o /dev/null` or a FIFO must be written to, never replaced by a plain file."""
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, out, _ = run(capsysbinary, str(FLOWS / "c01_routed_completed.jsonl"), "-o", str(fifo))
    reader.join(timeout=10)
    assert code == 0 and out == b""
    assert len(received[0].splitlines()) == 3
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["rows.fifo"]


@pytest.mark.parametrize(("value", "message"), [
    ("0", "the number of processes must be at least 1, got 0"),
    ("two", "expected a whole number of processes, got 'two'"),
])
def test_jobs_must_be_a_positive_whole_number(capsys, value, message):
    with pytest.raises(SystemExit) as exit_code:
        main(["run", "--jobs", value])
    assert exit_code.value.code == 2
    assert f"argument --jobs/-j: {message}" in capsys.readouterr().err
