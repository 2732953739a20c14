"""`rulesengine graph`: draw interactions as Mermaid sequence diagrams, DOT, or JSON."""

from __future__ import annotations

import argparse

from rulesengine.cli import options
from rulesengine.cli.destination import TextSink, add_output, rule_files, write_output
from rulesengine.cli.messages import complain, not_found, print_diagnostics, rules_or_exit, sources_or_exit
from rulesengine.cli.wanted_lines import ids_in, lines_for
from rulesengine.decide.decider import Decider
from rulesengine.events.assemble import Rejection, assemble
from rulesengine.events.read import InputError, sizes_now
from rulesengine.output.diagram import EXPORTERS
from rulesengine.runtime.pipeline import model_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph", help="draw interactions (Mermaid sequence diagram, DOT or JSON)",
        description="Draw each interaction of the input: --format mermaid gives a sequence "
                    "diagram with one lane per party, each step timed from the interaction's "
                    "start and each party's descriptor at its end; json gives one object per line.",
    )
    options.add_event_sources(parser)
    options.add_rule_sources(parser)
    parser.add_argument("--no-rules", action="store_true",
                        help="leave the descriptors out: draw the events only, without loading rules")
    parser.add_argument("--interaction", metavar="ID", help="draw only this interaction")
    parser.add_argument("--format", choices=sorted(EXPORTERS), default="mermaid",
                        help="mermaid (default): a sequence diagram, one lane per party; dot: a "
                             "Graphviz graph of who brought whom in; json: one object per "
                             "interaction and line")
    add_output(parser, "the drawings")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.no_rules and (args.rules or args.settings or args.no_default_rules):
        complain("rulesengine graph", "--no-rules draws no descriptors, so it takes no "
                 "--rules, --set or --no-default-rules")
        return 2
    sources = sources_or_exit(args)
    if sources is None:
        return 2
    decider = None
    if not args.no_rules:
        decider = rules_or_exit(args)
        if decider is None:
            return 2
    return write_output(args.output, "graph", lambda out: _draw(args, decider, sources, out),
                        [*sources, *rule_files(args.rules)])


def _draw(args: argparse.Namespace, decider: Decider | None, sources: list[str], out: TextSink) -> int:
    export = EXPORTERS[args.format]
    seen: list[str] = []
    printed = 0
    status = 0
    sizes = sizes_now(sources)  # a did-you-mean's reading reads the files as they are now
    only = lines_for(args.interaction, sources)
    try:
        for item in assemble(sources, include_open=args.include_open, select=only, sizes=sizes):
            if isinstance(item, Rejection):
                if args.interaction in (None, item.interaction):
                    print_diagnostics(item.diagnostics)
                    status = 1
                continue
            seen.append(item.id)
            if args.interaction in (None, item.id):
                if printed and args.format != "json":
                    out.write("\n")
                model = model_of(item)
                decisions = decider.decide(model) if decider else None
                out.write(export(model, decisions))
                tied = [problem for decision in decisions or () for problem in decision.problems]
                if tied:
                    print_diagnostics(tied)
                    status = 1
                printed += 1
    except InputError as problem:
        complain("rulesengine", problem)
        return 2
    if args.interaction is not None and args.interaction not in seen and status == 0:
        if only is not None:
            seen = ids_in(sources, sizes, include_open=args.include_open)
        complain("rulesengine", not_found("interaction", args.interaction, "the input", seen))
        return 1
    return status
