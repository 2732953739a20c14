"""Start-up cost: compiling the default rules, and a whole `rulesengine run` on one interaction.

    .venv/bin/python -m benchmarks.startup [--rounds 15]

Prints the median of several rounds of each: importing the package and the first
`load_rules()` in a fresh process, with the parser's tables in the cache and with an
empty cache (building the Lark parser), `load_rules()` again in this process
(parse, check and compile of the default rules alone), the wall time of
`python -m rulesengine run ONE --output /dev/null` as a child process, and, for
scale, of a bare `python -c pass`; for those two the CPU time too (user and system),
which other work on a busy machine inflates much less than the wall time. The cache is a temporary directory
(`XDG_CACHE_HOME`), filled by a first build. The package's modules are compiled to
bytecode first and the children may write it (`PYTHONDONTWRITEBYTECODE` is dropped),
as for a package pip installed.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import rulesengine
from benchmarks.corpus import corpus
from benchmarks.measure import run_child, run_command
from rulesengine.decide.ruleset import load_rules


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


FRESH = """
import time
started = time.perf_counter()
from rulesengine.decide.ruleset import load_rules
imported = time.perf_counter()
load_rules()
print(imported - started, time.perf_counter() - imported)
"""


def fresh_process(cache_home: str) -> tuple[float, float]:
    """(import seconds, first `load_rules()` seconds) in a new interpreter caching in `cache_home`."""
    done = subprocess.run([sys.executable, "-c", FRESH], check=True, capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": cache_home})
    imported, loaded = done.stdout.split()
    return float(imported), float(loaded)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds per measure (default 15)")
    args = parser.parse_args(argv)
    one = str(corpus(1))
    cache_home = tempfile.mkdtemp(prefix="rulesengine-cache-")
    os.environ["XDG_CACHE_HOME"] = cache_home  # the runs below find the tables there
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode; so do these runs
    compileall.compile_dir(Path(rulesengine.__file__).parent, quiet=1)
    load_rules()
    compile_s = median_seconds(load_rules, args.rounds)
    fresh = [fresh_process(cache_home) for _ in range(args.rounds)]
    import_s = statistics.median(imported for imported, _ in fresh)
    first_s = statistics.median(loaded for _, loaded in fresh)
    with tempfile.TemporaryDirectory() as empty:
        build_s = statistics.median(fresh_process(tempfile.mkdtemp(dir=empty))[1] for _ in range(args.rounds))
    runs = [run_child(["run", one, "--output", "/dev/null"]) for _ in range(args.rounds)]
    bare = [run_command([sys.executable, "-c", "pass"]) for _ in range(args.rounds)]
    print("| measure | median (ms) | CPU, median (ms) |")
    print("|---|---:|---:|")
    print(f"| import `rulesengine.decide.ruleset`, fresh process | {import_s * 1000:.1f} | |")
    print(f"| first `load_rules()`, fresh process, parser tables cached | {first_s * 1000:.1f} | |")
    print(f"| first `load_rules()`, fresh process, empty cache (builds the Lark parser) | {build_s * 1000:.1f} | |")
    print(f"| `load_rules()` again (default rules: parse, check, compile) | {compile_s * 1000:.1f} | |")
    for name, measured in (("`rulesengine run` on one interaction, whole command", runs),
                           ("`python -c pass`, for scale", bare)):
        wall = statistics.median(m.seconds for m in measured)
        cpu = statistics.median(m.cpu_seconds for m in measured)
        print(f"| {name} | {wall * 1000:.1f} | {cpu * 1000:.0f} |")
    shutil.rmtree(cache_home)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
