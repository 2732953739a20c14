"""`rulesengine convert` and `rulesengine run --from` as a user runs them: files, rejects, messages,
exit codes, and the same rows as converting first and running after."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import sys

import orjson
import pytest

from rulesengine.cli import main

from . import genesys_records as gc
from . import twilio_records as tw
from .test_samples import GENESYS, TWILIO

T1 = TWILIO / "twilio_lifecycle_T1_transfer.input.json"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def masked(text: str) -> str:
    return re.sub(r"in \d+\.\d\ds", "in <time>s", text)


def write_lines(path, records) -> str:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return str(path)


@pytest.fixture
def export(tmp_path) -> str:
    """A JSON lines export of conversations: every shape, one bad line, one record of the wrong kind."""
    lines = [orjson.dumps(make()) for make, _ in gc.SHAPES.values()]
    lines.insert(3, b'{"conversationId": "c-cut", "participants": [')
    lines.append(orjson.dumps({"conversationId": "c-empty", "conversationStart": gc.at(0), "participants": []}))
    path = tmp_path / "conversations.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def test_convert_writes_events_and_rejects_with_messages_naming_file_line_and_field(capsys, tmp_path, export,
                                                                                      snapshot):
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run(capsys, "convert", "--from", "genesys-cloud", export, "--rejects", str(rejects))
    assert code == 1
    interactions = {json.loads(line)["interaction"] for line in out.splitlines()}
    assert interactions == {make()["conversationId"] for make, _ in gc.SHAPES.values()}
    reasons = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["interaction"], [(x["line"], x["code"]) for x in r["reasons"]]) for r in reasons] == [
        (None, [(4, "A101")]), ("c-empty", [(14, "A102")])]
    assert masked(err.replace(export, "conversations.jsonl")) == snapshot


def test_convert_output_is_what_run_reads_and_run_from_gives_the_same_rows(capsys, tmp_path, export):
    events = tmp_path / "events.jsonl"
    assert run(capsys, "convert", "--from", "genesys-cloud", export, "-o", str(events))[0] == 1
    code, rows, err = run(capsys, "run", str(events), "--include-open", "--format", "csv")
    assert code == 0, err
    code, converted_rows, err = run(capsys, "run", "--from", "genesys-cloud", export, "--include-open",
                                    "--format", "csv")
    assert code == 1
    assert converted_rows == rows
    assert "held open" in err and ", 2 rejected" in err.splitlines()[-1]


def test_run_from_summarises_the_conversion_before_the_run(capsys, snapshot):
    code, out, err = run(capsys, "run", "--from", "genesys-cloud", str(GENESYS))
    assert code == 0
    assert len(out.splitlines()) == 4
    assert masked(err.replace(str(GENESYS), "samples/genesys")) == snapshot


def test_convert_is_deterministic_and_reads_stdin(capsys, monkeypatch):
    first = run(capsys, "convert", "--from", "twilio-taskrouter", str(T1))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(T1.read_bytes())))
    assert run(capsys, "convert", "--from", "twilio-taskrouter", "-")[:2] == first[:2] == (0, first[1])


@pytest.mark.parametrize("suffix", ["gz", "bz2", "xz"])
def test_a_compressed_export_is_read_as_event_files_are(capsys, tmp_path, suffix):
    """A gzip, bzip2 or xz export gives the events of the plain one (it was blamed on UTF-8)."""
    packed = tmp_path / f"t1.json.{suffix}"
    packed.write_bytes({"gz": gzip, "bz2": bz2, "xz": lzma}[suffix].compress(T1.read_bytes()))
    plain = run(capsys, "convert", "--from", "twilio-taskrouter", str(T1))
    assert run(capsys, "convert", "--from", "twilio-taskrouter", str(packed))[:2] == (0, plain[1])
    packed.write_bytes(packed.read_bytes()[:60])
    code, out, err = run(capsys, "convert", "--from", "twilio-taskrouter", str(packed))
    assert (code, out) == (2, "")
    assert err.startswith(f"rulesengine convert: error: cannot read {packed}: ")


def test_names_give_resources_and_ids_left_without_one_are_warned_about(capsys, tmp_path):
    names = tmp_path / "names.json"
    names.write_text(json.dumps({gc.QUEUE_1: "Support Chat"}))
    record = tmp_path / "c.json"
    record.write_text(json.dumps(gc.offer_ended_by_system()))
    code, out, err = run(capsys, "run", "--from", "genesys-cloud", str(record), "--names", str(names))
    assert code == 0
    assert {json.loads(line)["resource"] for line in out.splitlines()} == {"Support Chat", gc.USER_1}
    assert "rulesengine: warning: 1 id not in --names, kept as the resource" in err


def test_twilio_options_reach_the_adapter(capsys, tmp_path):
    path = write_lines(tmp_path / "events.jsonl",
                       [tw.created(0), tw.entered(0), tw.ended("canceled", 30, reason="No longer needed")])
    rows = run(capsys, "run", "--from", "twilio-taskrouter", path)[1]
    assert json.loads(rows)["technical_result"] == "Cleared"
    rows = run(capsys, "run", "--from", "twilio-taskrouter", path, "--abandon-reason", "No longer needed")[1]
    assert json.loads(rows)["technical_result"] == "CustomerAbandoned"


@pytest.mark.parametrize(("argv", "message"), [
    (["convert", "missing.json", "--from", "genesys-cloud"],
     "rulesengine convert: error: cannot read missing.json: no such file"),
    (["run", "--from", "genesys-cloud"],
     "rulesengine: error: --from genesys-cloud reads the files named on the command line: none was given"),
    (["run", "--from", "genesys-cloud", "missing.json"], "rulesengine: error: cannot read missing.json: no such file"),
    (["run", "--from", "genesys-cloud", "c.json", "--sample"],
     "rulesengine: error: --sample is contract events, not genesys-cloud records: leave out --from to read it"),
    (["convert", "c.json", "--from", "genesys-cloud", "--names", "nope.json"],
     "rulesengine convert: error: cannot read nope.json: No such file or directory"),
])
def test_unreadable_inputs_are_usage_errors_and_write_nothing(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps(gc.abandoned_in_queue()))
    code, out, err = run(capsys, *argv, "-o", "out.jsonl")
    assert (code, out, err.splitlines()[-1]) == (2, "", message)
    assert not (tmp_path / "out.jsonl").exists()


def test_convert_names_the_known_platforms(capsys):
    with pytest.raises(SystemExit):
        main(["convert", "x.json", "--from", "genesys"])
    assert "invalid choice: 'genesys' (choose from 'genesys-cloud', 'twilio-taskrouter')" in capsys.readouterr().err


def test_run_from_gives_the_same_bytes_whatever_jobs_says(capsys, export):
    one = run(capsys, "run", "--from", "genesys-cloud", export, "--jobs", "1", "--sort")
    two = run(capsys, "run", "--from", "genesys-cloud", export, "--jobs", "2", "--sort")
    assert one[:2] == two[:2] and one[0] == 1 and one[1]
