"""`rulesengine run --jobs N` and Parquet as a user runs them: the same output as one process."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import orjson
import pyarrow.parquet as parquet
import pytest

from rulesengine.cli import main
from rulesengine.events.generate import generate_lines
from rulesengine.events.parquet import write_events

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "tests" / "flows").glob("*.jsonl"))
BROKEN = sorted((ROOT / "tests" / "events" / "broken").glob("*.jsonl"))


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(["run", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, re.sub(r"in \d+\.\d\ds", "in <time>s", err.decode())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("corpus")
    whole = folder / "generated.jsonl"
    whole.write_text("".join(f"{line}\n" for line in generate_lines(500, 3)), encoding="utf-8")
    cut = folder / "cut.jsonl"
    cut.write_text("".join(f"{line}\n" for line in list(generate_lines(200, 4))[:-300]), encoding="utf-8")
    return [*map(str, FLOWS), *map(str, BROKEN), str(whole), str(cut)]


@pytest.mark.parametrize("options", [[], ["--sort"], ["--format", "csv"], ["--include-open", "--sort"]],
                         ids=["jsonl", "sorted", "csv", "open"])
def test_jobs_give_the_output_of_one_process_byte_for_byte(capsysbinary, corpus, tmp_path, options) -> None:
    one = run(capsysbinary, *corpus, "--jobs", "1", "--rejects", str(tmp_path / "one.jsonl"), *options)
    two = run(capsysbinary, *corpus, "--jobs", "2", "--rejects", str(tmp_path / "two.jsonl"), *options)
    assert one[0] == two[0] == 1  # the broken files are findings
    assert len(one[1].splitlines()) > 1500
    assert two == one
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert "interactions/s" not in one[2]  # no progress line when stderr is not a terminal


def test_stdin_runs_on_one_process(capsysbinary, monkeypatch, corpus) -> None:
    import io
    import sys
    data = Path(corpus[0]).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsysbinary, "-", "--jobs", "2")
    assert code == 0
    assert out == run(capsysbinary, corpus[0], "--jobs", "1")[1]


def test_a_pipe_runs_on_one_process(capsysbinary, corpus, tmp_path) -> None:
    """`<(zcat day.gz)` names a pipe: workers reading it each would split its lines among them."""
    whole = corpus[-2]
    fifo = tmp_path / "events.pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(Path(whole).read_bytes())

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    code, out, err = run(capsysbinary, str(fifo), "--jobs", "2")
    feeder.join(timeout=10)
    assert (code, out, err) == run(capsysbinary, whole, "--jobs", "1")
    assert code == 0 and len(out.splitlines()) > 1500


@pytest.mark.parametrize(("jobs", "says"), [("0", "at least 1"), ("-1", "at least 1"), ("many", "whole number"),
                                            ("257", "at most 256")])
def test_jobs_must_be_a_number_of_workers_that_can_share_a_scan(capsysbinary, jobs: str, says: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--jobs", jobs])
    assert exit_.value.code == 2
    err = capsysbinary.readouterr()[1].decode()
    assert "--jobs" in err and says in err


def test_a_table_with_jobs_is_the_table_of_one_process(capsysbinary, corpus) -> None:
    one = run(capsysbinary, *corpus[:5], "--format", "table", "--jobs", "1")
    two = run(capsysbinary, *corpus[:5], "--format", "table", "--jobs", "2")
    assert one[1].startswith(b"interaction ")
    assert two == one


def parquet_rows(path: Path) -> list[dict]:
    return parquet.read_table(path).to_pylist()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_parquet_in_and_out_hold_the_json_rows(capsysbinary, corpus, tmp_path, jobs: str) -> None:
    events = tmp_path / "events.parquet"
    write_events(Path(corpus[-2]).read_bytes().splitlines(), str(events))
    code, json_out, _ = run(capsysbinary, corpus[-2], "--jobs", "1")
    assert code == 0
    by_extension = tmp_path / "rows.parquet"
    assert run(capsysbinary, str(events), "--jobs", jobs, "-o", str(by_extension))[0] == 0
    by_option = tmp_path / "rows.out"
    assert run(capsysbinary, str(events), "--jobs", jobs, "--format", "parquet", "-o", str(by_option))[0] == 0
    expected = [orjson.loads(line) for line in json_out.splitlines()]
    assert len(expected) > 1500
    assert parquet_rows(by_extension) == expected
    assert parquet_rows(by_option) == expected
    assert run(capsysbinary, str(events), "--jobs", jobs)[1] == json_out
