"""Parquet input against JSON lines: `rulesengine run` on the same events in either format.

    .venv/bin/python -m benchmarks.parquet [--count 200000] [--rounds 3] [--jobs 1,2]

Generates (or reuses) the corpus of `--count` interactions as JSON lines
(`benchmarks.corpus`) and converts it once to Parquet with `rulesengine convert`
(kept beside it). Then, round after round, runs the whole command `rulesengine run
FILE --output /dev/null --jobs N` as a child process on the JSON lines and on the
Parquet file in turn, for each `--jobs` value, so that a busy spell of the machine
falls on both alike; the table gives the best round of each: wall and CPU seconds,
interactions per second, Parquet's throughput over JSON lines', and the peak RSS of
the largest process. Last, `rulesengine convert` both ways with its peak RSS, against
writing the same Parquet file from lines held in memory (`events.parquet.write_events`,
what there was before `convert` streamed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import corpus
from benchmarks.measure import Measured, run_child, run_command

FORMATS = ("jsonl", "parquet")
#: a Parquet file of events written from every line held in memory at once
_HELD = ("import sys; from rulesengine.events.parquet import write_events; "
         "write_events(open(sys.argv[1], 'rb').read().splitlines(), sys.argv[2])")


def parquet_corpus(count: int) -> Path:
    """The corpus of `count` interactions as Parquet, converted from its JSON lines once."""
    lines = corpus(count)
    path = lines.with_suffix(".parquet")
    if not path.exists():
        partial = path.with_suffix(".part.parquet")
        subprocess.run([sys.executable, "-m", "rulesengine", "convert", str(lines), "-o", str(partial)], check=True)
        partial.replace(path)
    return path


def runs_table(paths: dict[str, Path], count: int, rounds: int, jobs: Sequence[int]) -> list[str]:
    """The table in markdown: per `--jobs` value and format, the best of `rounds` whole runs."""
    best: dict[tuple[int, str], Measured] = {}
    for _ in range(rounds):
        for job in jobs:
            for name in FORMATS:
                measured = run_child(["run", str(paths[name]), "--output", "/dev/null", "--jobs", str(job)])
                if measured.status not in (0, 1):
                    raise SystemExit(f"rulesengine run {paths[name]} --jobs {job} failed")
                if (job, name) not in best or measured.seconds < best[job, name].seconds:
                    best[job, name] = measured
    table = ["| input | --jobs | wall (s) | CPU (s) | interactions/s | against JSON lines | peak RSS (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for job in jobs:
        for name in FORMATS:
            run = best[job, name]
            ratio = best[job, "jsonl"].seconds / run.seconds
            table.append(f"| {name} | {job} | {run.seconds:.2f} | {run.cpu_seconds:.2f} | {count / run.seconds:,.0f} "
                         f"| {ratio:.2f} | {run.peak_kib / 1024:.1f} |")
    return table


def conversion_table(paths: dict[str, Path], folder: Path) -> list[str]:
    """Peak RSS and time of converting the corpus both ways, streamed and held in memory."""
    to_parquet = folder / "converted.parquet"
    to_lines = folder / "converted.jsonl"
    held = folder / "held.parquet"
    measured = {
        "JSON lines → Parquet, `convert`": run_child(["convert", str(paths["jsonl"]), "-o", str(to_parquet)]),
        "Parquet → JSON lines, `convert`": run_child(["convert", str(paths["parquet"]), "-o", str(to_lines)]),
        "JSON lines → Parquet, all lines held (`write_events`)": run_command([
            sys.executable, "-c", _HELD, str(paths["jsonl"]), str(held)]),
    }
    for path in (to_parquet, to_lines, held):
        path.unlink(missing_ok=True)
    table = ["| conversion | wall (s) | peak RSS (MiB) |", "|---|---:|---:|"]
    for name, run in measured.items():
        if run.status != 0:
            raise SystemExit(f"{name} failed")
        table.append(f"| {name} | {run.seconds:.2f} | {run.peak_kib / 1024:.1f} |")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parquet", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="interactions in the corpus (default 200000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each format and --jobs value (default 3)")
    parser.add_argument("--jobs", default="1,2", help="the --jobs values to run, comma-separated (default 1,2)")
    args = parser.parse_args(argv)
    jobs = [int(job) for job in args.jobs.split(",")]
    paths = {"jsonl": corpus(args.count), "parquet": parquet_corpus(args.count)}
    sizes = ", ".join(f"{name} {path.stat().st_size / 2**20:,.0f} MiB" for name, path in paths.items())
    print(f"corpus: {args.count:,} interactions ({sizes}); best of {args.rounds}, formats alternating")
    print()
    print("\n".join(runs_table(paths, args.count, args.rounds, jobs)))
    print()
    print("\n".join(conversion_table(paths, paths["jsonl"].parent)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
