"""`rulesengine graph`: draw interactions as Mermaid sequence diagrams, DOT, or JSON."""

from __future__ import annotations

import argparse
import sys

from rulesengine.assemble import Rejection, assemble
from rulesengine.cli import options
from rulesengine.cli.report import complain, print_diagnostics, sources_or_exit
from rulesengine.diagnostics import did_you_mean
from rulesengine.graph_export import EXPORTERS
from rulesengine.loader import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph", help="draw interactions (Mermaid sequence diagram, DOT or JSON)",
        description="Draw each interaction of the input: --format mermaid gives a sequence "
                    "diagram with one lane per party; json gives one object per line.",
    )
    options.add_event_sources(parser)
    parser.add_argument("--interaction", metavar="ID", help="draw only this interaction")
    parser.add_argument("--format", choices=sorted(EXPORTERS), default="mermaid")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # networkx loads here, not when the command line starts: `run` never needs it
    from rulesengine.graph import InteractionGraph

    sources = sources_or_exit(args)
    if sources is None:
        return 2
    export = EXPORTERS[args.format]
    seen: list[str] = []
    printed = 0
    status = 0
    try:
        for item in assemble(sources, include_open=args.include_open):
            if isinstance(item, Rejection):
                if args.interaction in (None, item.interaction):
                    print_diagnostics(item.diagnostics)
                    status = 1
                continue
            seen.append(item.id)
            if args.interaction in (None, item.id):
                if printed and args.format != "json":
                    sys.stdout.write("\n")
                sys.stdout.write(export(InteractionGraph.of(item)))
                printed += 1
    except InputError as problem:
        complain("rulesengine", problem)
        return 2
    if args.interaction is not None and args.interaction not in seen and status == 0:
        hint = did_you_mean(args.interaction, seen)
        complain("rulesengine", f"no interaction {args.interaction!r} in the input" + (f"; {hint}" if hint else ""))
        return 1
    return status
