"""Throughput on one core and on all: `rulesengine run --jobs N` for N = 1 .. all cores.

    .venv/bin/python -m benchmarks.cores [--count 200000] [--rounds 3]

Each `--jobs` value runs the whole command as a child process on the same corpus,
best of `--rounds`; the table gives wall time, interactions per second, the speed-up
over one job, and the peak RSS of the largest process.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from benchmarks.corpus import corpus
from benchmarks.measure import run_child
from rulesengine.runtime.parallel import default_jobs


def jobs_table(path: str, count: int, rounds: int) -> list[str]:
    """The table in markdown: per `--jobs` value, the best of `rounds` whole runs over `path`."""
    table = ["| --jobs | wall (s) | interactions/s | speed-up | peak RSS (MiB) |", "|---:|---:|---:|---:|---:|"]
    one = None
    for jobs in range(1, default_jobs() + 1):
        runs = [run_child(["run", path, "--output", "/dev/null", "--jobs", str(jobs)]) for _ in range(rounds)]
        if any(run.status not in (0, 1) for run in runs):
            raise SystemExit(f"rulesengine run --jobs {jobs} failed")
        best = min(runs, key=lambda run: run.seconds)
        one = one or best.seconds
        table.append(f"| {jobs} | {best.seconds:.2f} | {count / best.seconds:,.0f} | {one / best.seconds:.2f} "
                     f"| {max(run.peak_kib for run in runs) / 1024:.1f} |")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cores", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="interactions in the corpus (default 200000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per --jobs value (default 3)")
    args = parser.parse_args(argv)
    path = str(corpus(args.count))
    print(f"corpus: {path} ({args.count:,} interactions), {default_jobs()} cores; best of {args.rounds}")
    print()
    print("\n".join(jobs_table(path, args.count, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
