"""Start-up cost: compiling the default rules, and a whole `rulesengine run` on one interaction.

    .venv/bin/python -m benchmarks.startup [--rounds 15]

Prints the median of several rounds of each: `load_rules()` in this process (parse,
check and compile of the default rules, after a first warm-up call), the wall time
of `python -m rulesengine run ONE --output /dev/null` as a child process, and, for
scale, of a bare `python -c pass`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks.corpus import corpus
from benchmarks.measure import run_child
from rulesengine.ruleset import load_rules


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds per measure (default 15)")
    args = parser.parse_args(argv)
    one = str(corpus(1))
    load_rules()
    compile_s = median_seconds(load_rules, args.rounds)
    run_s = statistics.median(run_child(["run", one, "--output", "/dev/null"]).seconds
                              for _ in range(args.rounds))
    bare_s = median_seconds(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
                            args.rounds)
    print("| measure | median (ms) |")
    print("|---|---:|")
    print(f"| `load_rules()` in-process (default rules: parse, check, compile) | {compile_s * 1000:.1f} |")
    print(f"| `rulesengine run` on one interaction, whole command | {run_s * 1000:.1f} |")
    print(f"| `python -c pass`, for scale | {bare_s * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
