"""The mutated-stream property test of the suite, with as many examples as you can wait for.

    .venv/bin/python -m benchmarks.fuzz [--examples 2000] [--seed N]

`tests/events/test_fuzz.py` mutates lines of a generated stream (cut short, deleted,
duplicated, moved, retyped, nested deep, control characters, huge values, stray
bytes, ids swapped or quoted) and checks that `rulesengine run` neither crashes nor
loses or changes an untouched interaction, with `--jobs 1` and `--jobs 2` alike. The
suite runs 25 examples; this runs the same test with `--examples` of them (about
0.1 s each), printing Hypothesis's statistics. A failure prints the smallest stream
change that shows it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

TEST = Path(__file__).resolve().parent.parent / "tests" / "events" / "test_fuzz.py"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples to try (default 2000)")
    parser.add_argument("--seed", type=int, help="Hypothesis seed, to repeat a run")
    args = parser.parse_args(argv)
    os.environ["RULESENGINE_FUZZ_EXAMPLES"] = str(args.examples)
    options = ["-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", str(TEST)]
    if args.seed is not None:
        options.append(f"--hypothesis-seed={args.seed}")
    return int(pytest.main(options))


if __name__ == "__main__":
    raise SystemExit(main())
