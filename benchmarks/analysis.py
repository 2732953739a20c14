"""The bounded analysis of `check`: the default rules, and the defaults under a 50-rule site layer.

    .venv/bin/python -m benchmarks.analysis [--bound 1] [--agents 2] [--rounds 3]

The site layer is generated, the same every time: 50 rules of the kinds sites write,
over resources (`resource == "Agent_7"`), durations (`engage < 20s`, `alert >= 15s`),
visibilities, reasons and attached data, at priorities that sometimes tie. Prints, for
each rule set, the median CPU time of the analysis alone (search and findings; the
rules are loaded once), the interactions decided, the distinct cases and the findings,
on one process: CPU time, since the machines it runs on are shared.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rulesengine.analysis.findings import analyse
from rulesengine.analysis.search import DEFAULT_AGENTS, DEFAULT_BOUND, search
from rulesengine.decide.ruleset import load_rules

_SLOTS = ("set result Completed reason AnsweredByAgent", "set result Abandoned", "set role InConference",
          "set result Redirected reason RouteOnNoAnswer", "set result Cleared")


def site_layer(count: int = 50) -> str:
    """`count` site rules, each a condition sites write, on a few slots and priorities."""
    rules = []
    for number in range(count):
        condition = [
            f'resource == "Agent_{number % 12}"',
            f"engage < {10 + 10 * (number % 3)}s",
            f"alert >= {15 * (1 + number % 2)}s",
            "visibility == monitor",
            f'left.reason == "{("transfer", "error")[number % 2]}"',
            f'data.campaign == "{("spring", "summer", "winter")[number % 3]}"',
        ][number % 6]
        rules.append(f'rule site.r{number:02d}  "generated rule {number}"\n  for agent\n  when {condition}\n'
                     f"  {_SLOTS[number % len(_SLOTS)]}\n  priority {30 + number % 4}\n")
    return "\n".join(rules)


def measure(paths: list[str], bound: int, agents: int, rounds: int) -> None:
    decider = load_rules(paths).decider
    assert decider is not None
    times = []
    for _ in range(rounds):
        started = time.process_time()
        searched = search(decider, bound, agents=agents)
        found = analyse(decider, searched)
        times.append(time.process_time() - started)
    kinds = [finding.what for finding in found.findings]
    print(f"  {statistics.median(times):.2f} s CPU (median of {rounds}), {searched.interactions:,} interactions, "
          f"{len(searched.cases)} distinct cases, {kinds.count('overlap')} overlaps, {kinds.count('dead')} dead "
          f"rules, {kinds.count('gap')} gaps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bound", type=int, default=DEFAULT_BOUND)
    parser.add_argument("--agents", type=int, default=DEFAULT_AGENTS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    within = f"bound {args.bound}, agents {args.agents}"
    print(f"the default rules, {within}:")
    measure([], args.bound, args.agents, args.rounds)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site.rules"
        site.write_text(site_layer(), encoding="utf-8")
        print(f"the default rules and a 50-rule site layer, {within}:")
        measure([str(site)], args.bound, args.agents, args.rounds)


if __name__ == "__main__":
    main()
