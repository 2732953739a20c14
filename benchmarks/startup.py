"""Start-up cost: compiling the default rules, and a whole `rulesengine run` on one interaction.

    .venv/bin/python -m benchmarks.startup [--rounds 15] [--large-rounds 5] [--site-rules 5000]

Prints the median (and the least) of several rounds of each: importing the package and the
first `load_rules()` in a fresh process, with the parser's tables and the default rule set
in the cache and with an empty cache (building the Lark parser), `load_rules()` again in
this process, read back from the cache and with the cache off (`RULESENGINE_NO_CACHE`:
parse, check and compile of the default rules alone), the wall time of
`python -m rulesengine run ONE --output /dev/null` as a child process, and, for
scale, of a bare `python -c pass`; for those the CPU time too (user and system),
which other work on a busy machine inflates much less than the wall time. Then the same
run with a site layer of `--site-rules` rules (`benchmarks.layers`), `--large-rounds`
times each: cold (the rule set is not in the cache: parsed, checked, compiled, then saved)
and warm (read back from the cache), alternating. The cache is a temporary directory
(`XDG_CACHE_HOME`), filled by a first build. The package's modules are compiled to
bytecode first and the children may write it (`PYTHONDONTWRITEBYTECODE` is dropped),
as for a package pip installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.corpus import corpus
from benchmarks.layers import layer
from benchmarks.measure import Measured, compiled, run_child, run_command
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
    parser.add_argument("--large-rounds", type=int, default=5,
                        help="rounds of the runs with the site layer, cold and warm (default 5)")
    parser.add_argument("--site-rules", type=int, default=5000, help="rules in the site layer (default 5000)")
    args = parser.parse_args(argv)
    one = str(corpus(1))
    cache_home = tempfile.mkdtemp(prefix="rulesengine-cache-")
    os.environ["XDG_CACHE_HOME"] = cache_home  # the runs below find the tables there
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode; so do these runs
    os.environ.pop("RULESENGINE_NO_CACHE", None)
    compiled()
    load_rules()
    read_back_s = median_seconds(load_rules, args.rounds)
    os.environ["RULESENGINE_NO_CACHE"] = "1"
    compile_s = median_seconds(load_rules, args.rounds)
    del os.environ["RULESENGINE_NO_CACHE"]
    fresh = [fresh_process(cache_home) for _ in range(args.rounds)]
    import_s = statistics.median(imported for imported, _ in fresh)
    first_s = statistics.median(loaded for _, loaded in fresh)
    with tempfile.TemporaryDirectory() as empty:
        build_s = statistics.median(fresh_process(tempfile.mkdtemp(dir=empty))[1] for _ in range(args.rounds))
    runs = [run_child(["run", one, "--output", "/dev/null"]) for _ in range(args.rounds)]
    bare = [run_command([sys.executable, "-c", "pass"]) for _ in range(args.rounds)]
    cold, warm = large_runs(one, cache_home, args.site_rules, args.large_rounds)
    print("| measure | median (ms) | least (ms) | CPU, median (ms) |")
    print("|---|---:|---:|---:|")
    print(f"| import `rulesengine.decide.ruleset`, fresh process | {import_s * 1000:.1f} | | |")
    print(f"| first `load_rules()`, fresh process, parser tables and rule set cached | {first_s * 1000:.1f} | | |")
    print(f"| first `load_rules()`, fresh process, empty cache (builds the Lark parser) | {build_s * 1000:.1f} | | |")
    print(f"| `load_rules()` again, read back from the cache | {read_back_s * 1000:.1f} | | |")
    print(f"| `load_rules()` again, cache off (default rules: parse, check, compile) | {compile_s * 1000:.1f} | | |")
    for name, measured in (("`rulesengine run` on one interaction, whole command", runs),
                           (f"the same with {args.site_rules:,} site rules, not in the cache", cold),
                           (f"the same with {args.site_rules:,} site rules, read back from the cache", warm),
                           ("`python -c pass`, for scale", bare)):
        wall = statistics.median(m.seconds for m in measured)
        least = min(m.seconds for m in measured)
        cpu = statistics.median(m.cpu_seconds for m in measured)
        print(f"| {name} | {wall * 1000:.1f} | {least * 1000:.1f} | {cpu * 1000:.0f} |")
    shutil.rmtree(cache_home)
    return 0


def large_runs(one: str, cache_home: str, size: int, rounds: int) -> tuple[list[Measured], list[Measured]]:
    """The one-interaction run with a site layer of `size` rules: cold (the rule sets the
    cache holds removed first, the parser's tables kept) and warm, alternating."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / f"site-{size}.rules"
        ((_, text),) = layer(size)
        site.write_text(text, encoding="utf-8")
        command = ["run", one, "--rules", str(site), "--output", "/dev/null"]
        cold, warm = [], []
        for _ in range(rounds):
            for saved in Path(cache_home, "rulesengine").glob("*.rules-cache"):
                saved.unlink()
            cold.append(_succeeded(run_child(command)))
            warm.append(_succeeded(run_child(command)))
    return cold, warm


def _succeeded(measured: Measured) -> Measured:
    if measured.status != 0:
        raise SystemExit(f"the run with the site layer failed (exit {measured.status})")
    return measured


if __name__ == "__main__":
    raise SystemExit(main())
