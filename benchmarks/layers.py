"""What a large site layer costs: the default rules alone against the defaults with N site rules.

    .venv/bin/python -m benchmarks.layers [--count 50000] [--rules 500 5000] [--rounds 3] [--load-only]
    .venv/bin/python -m benchmarks.layers --repeating [--count 20000] [--rules 100 500]

A site with many rules writes most of them about one resource or one value of attached
data, so the layer is a mix of the shapes such a site writes, in equal parts: an agent by
name, a queue by name and where the customer left it, a campaign in the attached data, a
threshold on transfers. Each shape has a priority of its own (31 to 34), as a site orders
its concerns, so rules of different shapes never tie. Their conditions name resources and campaigns the generated
corpus does not have, so every row stays what the defaults give (the benchmark checks
it) and the figure is the cost of testing the rules, not of different answers. For each
layer size it reports the time to load the rules, not in the cache (parsed, checked,
compiled and saved) and read back from it, each the best of `--rounds`, then the best of
`--rounds` alternating runs of the main job (one process, JSON lines to a file), and the
ratio to the defaults. `--load-only` stops after the loading, with the time per rule: how
loading grows with the layer. The cache is a temporary directory (`XDG_CACHE_HOME`).

`--repeating` writes a layer whose rules repeat costly expressions instead (a count over the
other parties, a step pattern, the time between two moments, a quantifier), each with a
threshold no interaction of the corpus reaches, so that every rule is tested and none
matches; each size is run, in alternating rounds, by the decider that works each repeated
expression out once per party and by one that works it out at every test
(`Decider(sharing=False)`).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from benchmarks.corpus import DATA, corpus
from benchmarks.run import engine_to, timed
from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules, default_layer, load_layers
from rulesengine.language.layers import Layer

VOCABULARY = "extend vocabulary result_reason: SiteAgent, SiteQueue, SiteCampaign, SiteTransfer\n"


def site_rule(number: int) -> str:
    """The rule `number` of the layer, one of four shapes in turn."""
    shape = number % 4
    if shape == 0:
        return (f'rule site.agent_{number} "agent {number} by name" for agent\n'
                f'  when resource == "SiteAgent_{number}" and engage < {number % 50 + 5}s\n'
                f'  set result Completed reason SiteAgent priority 31\n')
    if shape == 1:
        return (f'rule site.queue_{number} "queue {number} by name" for queue, workbin\n'
                f'  when resource == "SiteQueue_{number}" and at_customer_left == waiting\n'
                f'  set result CustomerAbandoned reason SiteQueue priority 32\n')
    if shape == 2:
        return (f'rule site.campaign_{number} "campaign {number}" for agent\n'
                f'  when data.campaign == "C{number}" and origin in (route, inbound)\n'
                f'  set result Completed reason SiteCampaign priority 33\n')
    return (f'rule site.transfer_{number} "long transfers {number}" for agent\n'
            f'  when origin == transfer and engage > {number + 1000}m\n'
            f'  set result Completed reason SiteTransfer priority 34\n')


def repeating_rule(number: int) -> str:
    """The rule `number` of a layer that repeats costly expressions, one of four shapes in turn."""
    shape = number % 4
    if shape == 0:
        condition = f"count(o in others: o.kind == agent) > {number + 100}"
    elif shape == 1:
        condition = f"customer_left - accepted > {number + 1000}m"
    elif shape == 2:
        condition = f"some(o in others: o.kind == agent and o.engage > 1h) and stay > {number + 1000}m"
    else:
        return (f'rule site.pattern_{number} "pattern {number}" for agent\n'
                f"  match invited accepted (held retrieved)* left\n"
                f"  when stay > {number + 1000}m\n"
                f"  set result Completed reason SiteTransfer priority 34\n")
    return (f'rule site.repeat_{number} "repeated {number}" for agent\n'
            f"  when {condition}\n"
            f"  set result Completed reason SiteAgent priority {31 + shape}\n")


def layer(size: int, rule: Callable[[int], str] = site_rule) -> list[tuple[str, str]]:
    return [(f"site-{size}.rules", VOCABULARY + "\n".join(rule(n) for n in range(size)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50_000, help="interactions in the corpus (default 50000)")
    parser.add_argument("--rules", type=int, nargs="+", default=[500, 5000], help="layer sizes (default 500 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--load-only", action="store_true", help="measure loading the rules only")
    parser.add_argument("--repeating", action="store_true",
                        help="a layer that repeats costly expressions, run with and without sharing them")
    args = parser.parse_args(argv)
    if args.repeating:
        return _sharing(args.count, args.rules, args.rounds)
    defaults = default_layer()
    sizes = [0, *args.rules]
    sets: dict[int, LoadedRules] = {}
    cold: dict[int, Timing] = {}
    warm: dict[int, Timing] = {}
    with tempfile.TemporaryDirectory(prefix="rulesengine-cache-") as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
        os.environ.pop("RULESENGINE_NO_CACHE", None)
        load_layers([defaults], {})  # the parser's tables, built once
        for size in sizes:
            layers = [defaults, layer(size)] if size else [defaults]
            cold[size], warm[size], sets[size] = _load_times(layers, Path(cache_home, "rulesengine"), args.rounds)
            problems = [d.render() for d in sets[size].errors]
            if problems:
                raise SystemExit("\n".join(problems))
    if args.load_only:
        print(f"loading the defaults and a site layer; best of {args.rounds} rounds")
        print()
        print("| site rules | load, not cached (s) | CPU (s) | CPU ms per site rule | load, cached (s) | CPU (s) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for size in sizes:
            per_rule = f"{(cold[size].cpu - cold[0].cpu) * 1000 / size:.2f}" if size else ""
            print(f"| {size:,} | {cold[size].seconds:.2f} | {cold[size].cpu:.2f} | {per_rule} "
                  f"| {warm[size].seconds:.3f} | {warm[size].cpu:.3f} |")
        return 0
    path = str(corpus(args.count))
    times: dict[int, list[float]] = {size: [] for size in sets}
    outputs = {size: DATA / f"layers-{size}.jsonl" for size in sets}
    for _ in range(args.rounds):
        for size, loaded in sets.items():
            times[size].append(timed(lambda size=size, loaded=loaded: engine_to(path, loaded.decider, outputs[size])))
    for size in args.rules:
        if not _same_rows(outputs[0], outputs[size]):
            raise SystemExit(f"the {size}-rule layer changed rows: compare {outputs[0]} and {outputs[size]}")
    print(f"corpus: {path} ({args.count:,} interactions); best of {args.rounds} rounds")
    print()
    print("| site rules | load, not cached (s) | load, cached (s) | run (s) | µs per interaction | run / defaults |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = min(times[0])
    for size in sets:
        best = min(times[size])
        print(f"| {size:,} | {cold[size].seconds:.2f} | {warm[size].seconds:.3f} | {best:.2f} "
              f"| {best * 1e6 / args.count:.1f} "
              f"| {best / base:.2f} |")
    return 0


def _sharing(count: int, sizes: Sequence[int], rounds: int) -> int:
    """Each size of a repeating layer run with the sharing and without it, alternating."""
    path = str(corpus(count))
    deciders: dict[tuple[int, bool], Decider] = {}
    with tempfile.TemporaryDirectory(prefix="rulesengine-cache-") as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
        for size in sizes:
            loaded = load_layers([default_layer(), layer(size, repeating_rule)], {})
            if loaded.errors or loaded.decider is None or loaded.program.compiled is None:
                raise SystemExit("\n".join(d.render() for d in loaded.errors))
            deciders[size, True] = loaded.decider
            deciders[size, False] = Decider(loaded.program.compiled, sharing=False)
    outputs = {key: DATA / f"layers-repeating-{key[0]}-{'shared' if key[1] else 'each'}.jsonl" for key in deciders}
    times: dict[tuple[int, bool], list[float]] = {key: [] for key in deciders}
    for _ in range(rounds):
        for key, decider in deciders.items():
            times[key].append(timed(lambda key=key, decider=decider: engine_to(path, decider, outputs[key])))
    for size in sizes:
        if not filecmp.cmp(outputs[size, True], outputs[size, False], shallow=False):
            raise SystemExit(f"sharing changed rows: compare {outputs[size, True]} and {outputs[size, False]}")
    print(f"corpus: {path} ({count:,} interactions); best of {rounds} alternating rounds")
    print()
    print("| site rules | run, shared (s) | µs per interaction | run, each test (s) | µs per interaction "
          "| each test / shared |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        shared, each = min(times[size, True]), min(times[size, False])
        print(f"| {size:,} | {shared:.2f} | {shared * 1e6 / count:.1f} | {each:.2f} | {each * 1e6 / count:.1f} "
              f"| {each / shared:.2f} |")
    return 0


def _load_times(layers: list[Layer], cache: Path, rounds: int) -> tuple[Timing, Timing, LoadedRules]:
    """The best times of loading `layers` not in the cache (which then saves them) and read
    back from it, and the rule set."""
    cold, warm = [], []
    for _ in range(rounds):
        for saved in cache.glob("*.rules-cache"):
            saved.unlink()
        cold.append(_timed_load(layers)[0])
        timing, loaded = _timed_load(layers)
        warm.append(timing)
    return Timing(min(t.seconds for t in cold), min(t.cpu for t in cold)), \
        Timing(min(t.seconds for t in warm), min(t.cpu for t in warm)), loaded


@attrs.frozen
class Timing:
    """Wall and CPU seconds (the CPU time is what other work on the machine inflates least)."""

    seconds: float
    cpu: float


def _timed_load(layers: list[Layer]) -> tuple[Timing, LoadedRules]:
    started, cpu = time.perf_counter(), time.process_time()
    loaded = load_layers(layers, {})
    return Timing(time.perf_counter() - started, time.process_time() - cpu), loaded


def _same_rows(first: Path, second: Path) -> bool:
    """The same descriptors, whatever the rule columns say (the layers' line numbers differ)."""
    return filecmp.cmp(first, second, shallow=False) or _descriptors(first) == _descriptors(second)


def _descriptors(path: Path) -> list[bytes]:
    with open(path, "rb") as handle:
        return [line.split(b',"rule"', 1)[0] for line in handle]


if __name__ == "__main__":
    raise SystemExit(main())
