"""Throughput of the main job on Spark next to `run --jobs 2`, on the same Parquet corpus.

    .venv/bin/python -m benchmarks.spark [--count 100000] [--rounds 3]

Each command runs whole, as a child process, best of `--rounds`: `rulesengine run
--jobs 2` and `rulesengine spark-run --master local[2]`, both reading the same generated
corpus written as Parquet. Spark's time includes a fixed cost (starting its JVM and Python
workers, planning and running its jobs) that a long-lived cluster pays once per job: the
table gives it, from a run over ten interactions, and what is left without it. Wall time
only: the JVM's CPU time is not seen by the measuring process. Needs the spark extra and a
Java runtime.

    .venv/bin/python -m benchmarks.spark --executor [--count 100000] [--rounds 3]

measures an executor's share alone, with no JVM (pyarrow is enough): `evaluate_partition`
in this process over the corpus's Parquet events as Spark hands them over (sorted by
interaction, each row with its file and row, in batches of 10,000), against `rulesengine
run --jobs 1` on the same Parquet file as a child process, alternately; CPU seconds, best of
`--rounds`.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import corpus
from benchmarks.measure import Measured, run_child
from rulesengine.events.parquet import write_events


def parquet_corpus(count: int, folder: Path) -> Path:
    """The generated corpus of `count` interactions as a Parquet event file in `folder`."""
    path = folder / f"events-{count}.parquet"
    with open(corpus(count), "rb") as lines:
        write_events(lines, str(path))
    return path


def best(arguments: Sequence[str], rounds: int, output: Path | None = None) -> Measured:
    """The fastest of `rounds` runs; `output`, a folder Spark writes, removed before each."""
    runs = []
    for _ in range(rounds):
        if output is not None:
            shutil.rmtree(output, ignore_errors=True)
        runs.append(run_child(arguments))
        if runs[-1].status not in (0, 1):
            raise SystemExit(f"rulesengine {' '.join(arguments)} failed (exit {runs[-1].status})")
    return min(runs, key=lambda run: run.seconds)


def table(count: int, rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        events, small = parquet_corpus(count, folder), parquet_corpus(10, folder)
        rows = folder / "rows"
        spark = ["spark-run", "--master", "local[2]", "-o", str(rows)]
        measured = [
            ("run --jobs 2", count, best(["run", str(events), "--jobs", "2", "-o", "/dev/null"], rounds)),
            ("spark-run, local[2]", count, best([*spark[:1], str(events), *spark[1:]], rounds, rows)),
            ("spark-run, local[2], 10 interactions", 10, best([*spark[:1], str(small), *spark[1:]], rounds, rows)),
        ]
    whole, fixed = measured[1][2].seconds, measured[2][2].seconds
    lines = ["| command | interactions | wall (s) | interactions/s |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {n:,} | {run.seconds:.1f} | {n / run.seconds:,.0f} |" for name, n, run in measured]
    lines.append(f"| spark-run, local[2], less its fixed cost | {count:,} | {whole - fixed:.1f} | "
                 f"{count / max(whole - fixed, 0.1):,.0f} |")
    return lines


def executor_table(count: int, rounds: int) -> list[str]:
    """The executor's part against `run --jobs 1`, both over the same Parquet events."""
    import pyarrow
    import pyarrow.compute
    import pyarrow.parquet

    from benchmarks.parquet import parquet_corpus as converted_corpus
    from rulesengine.spark.groups import LINE, SOURCE, GroupJob, evaluate_partition
    from rulesengine.spark.rulesets import load_for_spark

    path = converted_corpus(count)
    rules, _ = load_for_spark([], {})
    events = pyarrow.parquet.read_table(path)
    placed = (events.append_column(SOURCE, pyarrow.array([f"file:{path}"] * events.num_rows))
              .append_column(LINE, pyarrow.array(range(1, events.num_rows + 1), pyarrow.int64())))
    order = pyarrow.compute.sort_indices(placed, [("interaction", "ascending"), (LINE, "ascending")])
    batches = placed.take(order).to_batches(max_chunksize=10_000)
    job = GroupJob(rules, sources=((str(path), str(path)),))
    executor, run = float("inf"), float("inf")
    for _ in range(rounds):
        started = time.process_time()
        rows = sum(batch.num_rows for batch in evaluate_partition(batches, job))
        executor = min(executor, time.process_time() - started)
        measured = run_child(["run", str(path), "--jobs", "1", "-o", "/dev/null"])
        if measured.status not in (0, 1):
            raise SystemExit(f"rulesengine run {path} failed (exit {measured.status})")
        run = min(run, measured.cpu_seconds)
    lines = ["| what | interactions | rows | CPU (s) | µs per interaction |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {name} | {count:,} | {rows:,} | {seconds:.2f} | {seconds / count * 1e6:.0f} |"
              for name, seconds in (("Spark executor (`evaluate_partition`)", executor),
                                    ("`run --jobs 1`, whole command", run))]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="interactions in the corpus (default 100000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--executor", action="store_true",
                        help="measure the executor's part alone, against run --jobs 1 (no JVM needed)")
    args = parser.parse_args(argv)
    print("\n".join((executor_table if args.executor else table)(args.count, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
