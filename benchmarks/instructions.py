"""Engine against baseline in instructions executed, which a busy machine does not change.

    .venv/bin/python -m benchmarks.instructions [--counts 1000,3000]

Runs the baseline (`benchmarks.baseline`) and `rulesengine run --jobs 1` as child
processes under valgrind's callgrind, on two corpora of different sizes, and reports
the instructions each executed. Start-up (imports, compiling the rules) costs the same
on both corpora, so the difference between the two, divided by the difference in
interactions, is the cost of one more interaction: the ratio of the engine's to the
baseline's is the throughput ratio of `benchmarks.run`, free of the noise of seconds
on a shared machine (callgrind counts the same instructions however loaded the
machine is). Needs valgrind (Debian: `apt-get install valgrind`); each run takes
about a hundred times as long as without it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import corpus

_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(command: Sequence[str]) -> int:
    """Instructions `command` executed, counted by callgrind (children not followed).

    The cache of rule sets is off, so that both corpus sizes load the rules alike and the
    difference between them is the interactions' alone."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          capture_output=True, text=True, check=True, env={**os.environ, "RULESENGINE_NO_CACHE": "1"})
    return int(_COLLECTED.findall(done.stderr)[-1])


def commands(path: Path) -> dict[str, list[str]]:
    return {
        "baseline": [sys.executable, "-m", "benchmarks.baseline", str(path)],
        "engine": [sys.executable, "-m", "rulesengine", "run", str(path), "--jobs", "1", "--output", "/dev/null"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="1000,3000", help="two corpus sizes (default 1000,3000)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian: apt-get install valgrind)")
    small, large = sorted(int(count) for count in args.counts.split(","))
    counted = {size: {name: instructions(command) for name, command in commands(corpus(size)).items()}
               for size in (small, large)}
    print(f"| | {small:,} interactions | {large:,} interactions | per interaction |")
    print("|---|---:|---:|---:|")
    marginal = {}
    for name in ("baseline", "engine"):
        marginal[name] = (counted[large][name] - counted[small][name]) / (large - small)
        print(f"| {name} | {counted[small][name]:,} | {counted[large][name]:,} | {marginal[name]:,.0f} |")
    print(f"\nengine / baseline instructions per interaction: {marginal['engine'] / marginal['baseline']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
