"""The Spark job on a real local Spark gives `rulesengine run`'s rows and rejects: the sample
with broken events beside it through the API, a 10,000-interaction corpus through
`rulesengine spark-run` as spark-submit runs it."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rulesengine.cli import main, spark_run
from rulesengine.cli.options import sample_path
from rulesengine.events.generate import generate_lines
from rulesengine.spark import descriptors, load_for_spark, read_events

from .events import broken_file, parquet_events, run_outputs

CORPUS = 10_000


def test_the_sample_and_broken_events_give_the_rows_and_rejects_of_run(spark, tmp_path):
    """Two files read together: rows in `run --sort`'s order, rejects with the same reasons,
    each pointing at the file and row `run` names."""
    sample = parquet_events(Path(sample_path()).read_bytes().splitlines(), tmp_path / "sample.parquet")
    broken = broken_file(tmp_path / "broken.parquet")
    run_rows, run_rejects = run_outputs(tmp_path, sample, broken)
    rules, _ = load_for_spark([], {})
    assert rules is not None
    events, sources = read_events(spark, [str(sample), str(broken)])
    result = descriptors(events, rules, sources=sources)
    rows = [row.asDict() for row in result.rows.collect()]
    assert rows == run_rows.to_pylist()
    assert result.rows.columns == run_rows.schema.names
    rejects = [orjson.dumps({**row.asDict(), "reasons": orjson.loads(row.reasons)})
               for row in result.rejects.collect()]
    assert sorted(rejects) == sorted(run_rejects)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    return parquet_events(generate_lines(CORPUS, 11), folder / "events.parquet")


def test_spark_submit_writes_the_rows_of_run_on_a_large_corpus(spark, corpus, tmp_path, monkeypatch, capsys):
    """`rulesengine spark-run` as spark-submit runs it: the file `cli/spark_run.py` as a program."""
    run_rows, _ = run_outputs(tmp_path, corpus)
    script = Path(spark_run.__file__)
    rows, rejects = tmp_path / "rows", tmp_path / "rejects"
    monkeypatch.setattr(sys, "argv", [str(script), str(corpus), "-o", str(rows), "--rejects", str(rejects)])
    with pytest.raises(SystemExit) as stopped:
        runpy.run_path(str(script), run_name="__main__")
    assert stopped.value.code == 0
    written = pq.read_table(rows)
    assert written.schema.names == run_rows.schema.names
    assert [str(field.type) for field in written.schema] == [str(field.type) for field in run_rows.schema]
    assert written.to_pylist() == run_rows.to_pylist()
    assert pq.read_table(rejects).num_rows == 0
    summary = capsys.readouterr().err.splitlines()[-1]
    assert summary.startswith(f"rulesengine: {run_rows.num_rows} rows written, 0 rejected, 0 late events in ")


def test_events_without_an_interaction_column_are_refused(spark, tmp_path, capsys):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["x"]}), path)
    assert main(["spark-run", str(path), "-o", str(tmp_path / "rows")]) == 2
    assert capsys.readouterr().err == (f"rulesengine spark-run: error: {path}: no interaction column: "
                                       "these are not contract events\n")


def test_a_file_spark_cannot_read_is_refused_in_one_line(spark, tmp_path, capsys):
    path = tmp_path / "events.parquet"
    path.write_text("not parquet\n", encoding="utf-8")
    assert main(["spark-run", str(path), "-o", str(tmp_path / "rows")]) == 2
    message = capsys.readouterr().err
    assert message.startswith("rulesengine spark-run: error: ") and message.count("\n") == 1
    assert "is not a Parquet file" in message  # the innermost cause, not "An error occurred while calling"


def test_a_file_spark_cannot_read_leaves_no_jvm_stack_trace_on_stderr(tmp_path):
    """Spark logged the error with the JVM's stack trace (82 lines of `at ...`) before the
    command's own line; a command of its own (its JVM's stderr is the process's) shows none."""
    path = tmp_path / "cut.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 3000)
    done = subprocess.run([sys.executable, "-m", "rulesengine", "spark-run", str(path), "-o", str(tmp_path / "rows"),
                           "--master", "local[1]"], capture_output=True, check=False, timeout=300)
    err = done.stderr.decode().splitlines()
    assert done.returncode == 2
    assert [line for line in err if line.lstrip().startswith("at ") or "Exception" in line] == []
    assert err[-1].startswith("rulesengine spark-run: error: ") and "Parquet" in err[-1]
