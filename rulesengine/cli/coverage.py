"""Rule coverage on the command line, for `run` and `test` alike (not a subcommand of its own):
the options, the covering decider they ask for, and the report with its exit code."""

from __future__ import annotations

import argparse
import math
import sys

from rulesengine.cli.destination import USAGE_OR_INPUT_ERROR, TextSink, write_output
from rulesengine.decide.coverage import CoverageCounts, CoveringDecider
from rulesengine.decide.coverage_report import coverage_report, render_json, render_text
from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules

FORMATS = {"text": render_text, "json": render_json}


def add_options(parser: argparse.ArgumentParser, what: str) -> None:
    """`--coverage` and the options that go with it; `what` says what the rules are run on."""
    group = parser.add_argument_group("rule coverage")
    group.add_argument("--coverage", action="store_true",
                       help=f"after the usual output, report what each rule did over {what}: the parties it "
                            "decided, those it matched but lost, and which branches of its 'or's and '|'s "
                            "were taken (on stderr, or to --coverage-file)")
    group.add_argument("--coverage-file", metavar="FILE",
                       help="write the coverage report to FILE (atomically) instead of stderr; implies --coverage")
    group.add_argument("--coverage-format", choices=sorted(FORMATS), default="text",
                       help="text (default) or json (schema in docs/testing.md)")
    group.add_argument("--fail-under", type=_percentage, metavar="PCT",
                       help="exit 1 when fewer than PCT percent of the rules decided at least one party; "
                            "implies --coverage")


def wanted(args: argparse.Namespace) -> bool:
    return bool(args.coverage or args.coverage_file is not None or args.fail_under is not None)


def decider_for(loaded: LoadedRules, args: argparse.Namespace) -> Decider | None:
    """The decider to run: one that counts when coverage is asked for; None when the rules did not load."""
    if loaded.decider is None or not wanted(args):
        return loaded.decider
    assert loaded.program.compiled is not None
    return CoveringDecider(loaded.program.compiled, loaded.rules)


def counts(decider: Decider) -> CoverageCounts | None:
    """What the decider counts into, for `RunStats.coverage`: the workers' counts are added to it."""
    return decider.counts if isinstance(decider, CoveringDecider) else None


def report(args: argparse.Namespace, decider: Decider) -> int:
    """Write the report of what the decider counted; the exit code it adds: 1 below
    `--fail-under`, 2 when the file cannot be written, else 0."""
    if not isinstance(decider, CoveringDecider):
        return 0
    found = coverage_report(decider, decider.counts)
    text = FORMATS[args.coverage_format](found) + "\n"

    def write(out: TextSink) -> int:
        out.write(text)
        return 0

    if args.coverage_file is None:
        write(sys.stderr)
    elif write_output(args.coverage_file, args.command, write) == USAGE_OR_INPUT_ERROR:
        return USAGE_OR_INPUT_ERROR
    if args.fail_under is not None and found.percent < args.fail_under:
        print(f"rulesengine {args.command}: error: rule coverage {found.percent:.1f}% is under "
              f"--fail-under {args.fail_under:g}%", file=sys.stderr)
        return 1
    return 0


def _percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value
