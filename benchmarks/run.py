"""The benchmark suite: the engine against the hand-written baseline on one fixed corpus.

    .venv/bin/python -m benchmarks.run [--count 200000] [--rounds 3]

Generates (or reuses) a corpus of `--count` interactions with a fixed seed, then in
one process runs the baseline (`benchmarks.baseline`) and the engine (default rules,
JSON lines out) alternately for `--rounds` rounds, each writing its rows to a file,
and checks that both wrote the same bytes. It reports the best round of each, the
engine/baseline time ratio, the engine's cost per interaction by stage (each stage
timed as the difference between running the pipeline up to it and up to the one
before), and the peak RSS of each as a child process (the engine with `--jobs 1`).
Last, the whole `rulesengine run` command with `--jobs 1` up to every core, best
of `--rounds` each, and the speed-up over one job (`benchmarks.cores`).
"""

from __future__ import annotations

import argparse
import filecmp
import gc
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from benchmarks import baseline
from benchmarks.cores import jobs_table
from benchmarks.corpus import DATA, corpus
from benchmarks.measure import run_child
from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import load_rules
from rulesengine.events.assemble import Rejection, assemble
from rulesengine.events.read import read_lines
from rulesengine.model.interaction import InteractionModel
from rulesengine.output.files import OUTPUT_BUFFER
from rulesengine.output.rows import JsonLinesWriter
from rulesengine.runtime.parallel import default_jobs
from rulesengine.runtime.pipeline import decide_sources, iter_models
from rulesengine.speedups.collector import fewer_young_collections


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def drain(items: Iterable[object]) -> None:
    deque(items, maxlen=0)


@contextmanager
def as_the_command() -> Iterator[None]:
    """The cycle collector set as `rulesengine run` sets it in its own process, and as it was
    afterwards: the baseline, in the same process, runs with Python's defaults, as its own
    command would."""
    before = gc.get_threshold()
    fewer_young_collections()
    try:
        yield
    finally:
        gc.set_threshold(*before)


def engine(path: str, rules: Decider, out: BinaryIO) -> None:
    """What `rulesengine run PATH --output TARGET` does, minus argument parsing, opening the
    output (truncating last round's, which the baseline's timing leaves out too), the summary
    and the final sync to disk (the baseline does not sync either)."""
    writer = JsonLinesWriter(out)
    with as_the_command():
        for item in decide_sources([path], rules):
            if hasattr(item, "rows"):
                writer.write(item.rows)
    writer.close()


def engine_to(path: str, rules: Decider, target: Path) -> None:
    """`engine` writing to the file `target`."""
    with open(target, "wb", buffering=OUTPUT_BUFFER) as out:
        engine(path, rules, out)


def disposed(items: Iterable[InteractionModel | Rejection]) -> None:
    """Each model disposed as a run disposes it once decided, rather than left for the garbage
    collector to find (its parties link to each other), which a run never pays."""
    for item in items:
        if isinstance(item, InteractionModel):
            item.dispose()


def stages(path: str, rules: Decider) -> dict[str, float]:
    """Seconds spent in each stage, from runs of the pipeline cut after each one."""
    with as_the_command():
        upto = {
            "parse": timed(lambda: drain(read_lines([path]))),
            "group": timed(lambda: drain(assemble([path]))),
            "model": timed(lambda: disposed(iter_models([path]))),
            "evaluate": timed(lambda: drain(decide_sources([path], rules))),
            "write": timed(lambda: engine_to(path, rules, DATA / "stages.jsonl")),
        }
    spent, before = {}, 0.0
    for name, seconds in upto.items():
        spent[name] = max(seconds - before, 0.0)
        before = seconds
    return spent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="interactions in the corpus (default 200000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args(argv)
    path = str(corpus(args.count))
    rules = load_rules().decider
    base_out, engine_out = DATA / "baseline.jsonl", DATA / "engine.jsonl"
    base_times, engine_times = [], []
    for number in range(1, args.rounds + 1):
        with open(base_out, "wb", buffering=OUTPUT_BUFFER) as out:
            base_times.append(timed(lambda: baseline.run(path, out)))
        with open(engine_out, "wb", buffering=OUTPUT_BUFFER) as out:
            engine_times.append(timed(lambda: engine(path, rules, out)))
        if not filecmp.cmp(base_out, engine_out, shallow=False):
            raise SystemExit(f"outputs differ: compare {base_out} and {engine_out}")
        print(f"round {number}: baseline {base_times[-1]:.2f}s, engine {engine_times[-1]:.2f}s, "
              "same rows", flush=True)
    best_base, best_engine = min(base_times), min(engine_times)
    spent = stages(path, rules)
    base_rss = run_child([path], module="benchmarks.baseline").peak_kib / 1024
    engine_rss = run_child(["run", path, "--output", "/dev/null", "--jobs", "1"]).peak_kib / 1024
    per = 1e6 / args.count
    print()
    print(f"corpus: {path} ({args.count:,} interactions); best of {args.rounds} rounds")
    print()
    print("| | seconds | interactions/s | µs per interaction | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|")
    for name, best, rss in (("baseline", best_base, base_rss), ("engine", best_engine, engine_rss)):
        print(f"| {name} | {best:.2f} | {args.count / best:,.0f} | {best * per:.1f} | {rss:.1f} |")
    print()
    print(f"engine / baseline time: {best_engine / best_base:.2f}")
    print()
    print("| engine stage | µs per interaction |")
    print("|---|---:|")
    for name, seconds in spent.items():
        print(f"| {name} | {seconds * per:.1f} |")
    print()
    print(f"whole command, {default_jobs()} cores:")
    print()
    print("\n".join(jobs_table(path, args.count, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
