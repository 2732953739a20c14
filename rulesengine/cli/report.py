"""`rulesengine report`: one HTML page with the run's figures and a page per interaction."""

from __future__ import annotations

import argparse
import sys

from rulesengine import __version__
from rulesengine.cli import options
from rulesengine.cli.destination import TextSink, add_output, write_with_rules
from rulesengine.cli.messages import complain, print_diagnostics
from rulesengine.decide.decider import Decider
from rulesengine.decide.explain import parameters, render_parameters_text
from rulesengine.events.assemble import Rejection, assemble
from rulesengine.events.read import InputError
from rulesengine.report.details import Keeper, detail_of
from rulesengine.report.figures import Tally
from rulesengine.report.page import About, render
from rulesengine.runtime.pipeline import RunStats, decide_interaction
from rulesengine.wording import counted

#: interactions with a page of their own unless --details says otherwise
DEFAULT_DETAILS = 500


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="write an HTML report: descriptor and rule counts, problems, alert times, "
                       "abandons, and each interaction's diagram and explanation",
        description="Evaluate events as run does and write one self-contained HTML page (no network "
                    "needed to open it): parties per descriptor and per rule, undecided parties, "
                    "rejected interactions with their reasons, alert times and the slowest to answer, "
                    "abandoned shares, and for each interaction its diagram and its explanation.",
    )
    options.add_event_sources(parser)
    options.add_rule_sources(parser)
    parser.add_argument("--details", type=options.whole_number(0, "interactions"), default=DEFAULT_DETAILS,
                        metavar="N",
                        help=f"give the first N interactions a page with their diagram and explanation "
                             f"(default {DEFAULT_DETAILS}), besides those the report lists; the figures "
                             "count every interaction")
    add_output(parser, "the page")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    return write_with_rules(args, "report", lambda decider, sources, out: _report(args, decider, sources, out))


def _report(args: argparse.Namespace, decider: Decider, sources: list[str], out: TextSink) -> int:
    stats = RunStats()
    tally = Tally()
    keeper = Keeper(args.details, tally)
    shown = 0
    try:
        for item in assemble(sources, include_open=args.include_open, stats=stats.stream):
            if isinstance(item, Rejection):
                tally.reject(item)
                shown += print_diagnostics(item.diagnostics, already_shown=shown)
                continue
            evaluated = decide_interaction(item, decider, stats)
            shown += print_diagnostics(evaluated.problems, already_shown=shown)
            keeper.offer(item, tally.add(evaluated))
    except InputError as problem:
        complain("rulesengine report", problem)
        return 2
    details = [detail_of(decider, interaction) for interaction in keeper.kept()]
    about = About(_sources_read(sources), _rules_used(args), __version__,
                  render_parameters_text(parameters(decider.params)), args.details)
    out.write(render(tally.figures(stats.stream, (rule.ref for rule in decider.rules)), details, about))
    stream = stats.stream
    print(f"rulesengine report: {counted(stream.interactions, 'interaction')} read, {stream.evaluated} evaluated, "
          f"{stream.rejected} rejected, {stream.held_open} held open; {counted(stats.rows, 'party', 'parties')}, "
          f"{len(details)} with a page", file=sys.stderr)
    return 1 if stream.rejected or stream.late_events or stream.bad_lines or stats.problems else 0


def _sources_read(sources: list[str]) -> tuple[str, ...]:
    """The event sources, as the report's header names them."""
    names = {options.sample_path(): "the bundled sample", "-": "standard input"}
    return tuple(names.get(source, source) for source in sources)


def _rules_used(args: argparse.Namespace) -> str:
    """The rule layers in force, as the report's header names them."""
    layers = ([] if args.no_default_rules else ["the defaults"]) + list(args.rules)
    settings = [f"--set {setting}" for setting in args.settings]
    return ", ".join(layers + settings) or "none"
