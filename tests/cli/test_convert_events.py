"""`rulesengine convert` without `--from`: contract events from JSON lines to Parquet and back."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pyarrow.parquet as parquet
import pytest

from rulesengine.cli import main
from rulesengine.output import events as event_files

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "rulesengine" / "sample" / "sample.jsonl"
GENESYS = ROOT / "tests" / "adapters" / "samples" / "genesys"


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, re.sub(r"in \d+\.\d\ds", "in <time>s", err.decode())


def event_lines(path: Path) -> bytes:
    """The event lines of a file, without blank and comment lines."""
    return b"".join(line + b"\n" for line in path.read_bytes().splitlines() if line.startswith(b"{"))


def test_json_lines_to_parquet_and_back_gives_the_lines_again(capsysbinary, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(event_files, "GROUP_ROWS", 500)
    events = tmp_path / "events.parquet"
    code, out, err = run(capsysbinary, "convert", str(SAMPLE), "-o", str(events))
    lines = event_lines(SAMPLE)
    count = lines.count(b"\n")
    assert (code, out) == (0, b"")
    assert re.fullmatch(rf"rulesengine convert: \d+ lines read, {count} events written as parquet, "
                        r"0 rejected in <time>s\n", err)
    source = parquet.ParquetFile(events)
    assert source.num_row_groups == -(-count // 500) > 1
    assert source.schema_arrow.names == list(event_files.COLUMNS)
    assert str(source.schema_arrow.field("seq").type) == "int64"
    code, out, _ = run(capsysbinary, "convert", str(events))
    assert (code, out) == (0, lines)
    back = tmp_path / "back.jsonl"
    assert run(capsysbinary, "convert", str(events), "--format", "jsonl", "-o", str(back))[0] == 0
    assert back.read_bytes() == lines
    assert run(capsysbinary, "run", str(events), "--jobs", "1")[1] == run(capsysbinary, "run", str(SAMPLE))[1]


def test_lines_that_are_no_event_are_reported_kept_out_and_rejected(capsysbinary, tmp_path) -> None:
    source = tmp_path / "mixed.jsonl"
    good = (b'{"interaction":"c1","seq":1,"ts":"2026-03-02T10:00:00Z","event":"interaction.created",'
            b'"media":"chat"}\n')
    source.write_bytes(good + b'{"interaction":"c1","seq":2,"ts":"yesterday","event":"interaction.ended"}\n'
                       + b"# a comment\n" + b"{not json\n")
    rejects = tmp_path / "rejects.jsonl"
    events = tmp_path / "events.parquet"
    code, out, err = run(capsysbinary, "convert", str(source), "-o", str(events), "--rejects", str(rejects))
    assert (code, out) == (1, b"")
    assert f"{source}:2:29: error: E105" in err and f"{source}:4:2: error: E101" in err
    assert err.endswith("rulesengine convert: 4 lines read, 1 event written as parquet, 2 rejected in <time>s\n")
    assert [(reject["interaction"], reject["reasons"][0]["code"])
            for reject in map(orjson.loads, rejects.read_bytes().splitlines())] == [("c1", "E105"), (None, "E101")]
    assert run(capsysbinary, "convert", str(events))[1] == good
    assert run(capsysbinary, "convert", str(source))[:2] == (1, good)


def test_a_seq_past_what_parquet_holds_is_rejected_and_deep_data_is_written(capsysbinary, tmp_path) -> None:
    """A line `run` reads: a `seq` up to 2**64 - 1, `data` nested 500 levels deep. The first
    cannot be an int64 and is rejected, with its place (it was a traceback); the second is
    written and read back as it was (orjson, which wrote it, stops at 254 levels)."""
    created = (b'{"interaction":"c1","seq":1,"ts":"2026-03-02T10:00:00Z","event":"interaction.created",'
               b'"media":"chat","data":{"d":' + b"[" * 500 + b"]" * 500 + b"}}\n")
    huge = b'{"interaction":"c1","seq":9223372036854775808,"ts":"2026-03-02T10:00:01Z","event":"customer.left"}\n'
    source = tmp_path / "edges.jsonl"
    source.write_bytes(created + huge)
    events, rejects = tmp_path / "events.parquet", tmp_path / "rejects.jsonl"
    code, _, err = run(capsysbinary, "convert", str(source), "-o", str(events), "--rejects", str(rejects))
    assert code == 1
    assert err.startswith(f"{source}:2:21: error: E103 field 'seq' must be at most 9223372036854775807 to be "
                          "written as Parquet (a 64-bit signed integer), not 9223372036854775808\n")
    assert [orjson.loads(line)["reasons"][0]["code"] for line in rejects.read_bytes().splitlines()] == ["E103"]
    assert run(capsysbinary, "convert", str(events))[:2] == (0, created)
    assert run(capsysbinary, "convert", str(source), "--format", "jsonl")[:2] == (0, created + huge)


def test_platform_records_can_be_written_as_parquet(capsysbinary, tmp_path) -> None:
    as_lines = run(capsysbinary, "convert", "--from", "genesys-cloud", str(GENESYS))
    events = tmp_path / "events.parquet"
    as_parquet = run(capsysbinary, "convert", "--from", "genesys-cloud", str(GENESYS), "-o", str(events))
    assert as_parquet[0] == as_lines[0]
    assert run(capsysbinary, "convert", str(events))[1] == as_lines[1]


@pytest.mark.parametrize(("argv", "message"), [
    (["--names", "names.json"], "--names is an option of --from: the inputs are contract events"),
    (["--window", "5"], "--window is an option of --from: the inputs are contract events"),
    (["--format", "parquet"], ("Parquet is binary and standard output is a terminal: "
                               "give --output FILE.parquet, or redirect standard output")),
])
def test_usage_errors_are_found_before_anything_is_read(capsysbinary, monkeypatch, argv, message) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert run(capsysbinary, "convert", str(SAMPLE), *argv) == (2, b"", f"rulesengine convert: error: {message}\n")


def test_an_unreadable_input_writes_nothing(capsysbinary, tmp_path) -> None:
    events = tmp_path / "events.parquet"
    code, _, err = run(capsysbinary, "convert", str(tmp_path / "missing.jsonl"), "-o", str(events))
    assert (code, err) == (2, f"rulesengine convert: error: cannot read {tmp_path / 'missing.jsonl'}: no such file\n")
    assert not events.exists()
