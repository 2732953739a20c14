"""`rulesengine explain`: for each party, which rule decided each slot and why the others did not."""

from __future__ import annotations

import argparse
import sys

from rulesengine.assemble import Rejection
from rulesengine.cli import options
from rulesengine.cli.report import complain, print_diagnostics, rules_or_exit, sources_or_exit
from rulesengine.explain import explain, render_json, render_text
from rulesengine.loader import InputError
from rulesengine.pipeline import iter_facts

RENDERERS = {"text": render_text, "json": render_json}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="show which rule decided each party's descriptor, and why not the others",
        description="Evaluate events and, for each party, print the rule that decided its role "
                    "and its result with the value of each condition, and for every other rule "
                    "of that kind the first condition that failed.",
    )
    options.add_event_sources(parser)
    options.add_rule_sources(parser)
    parser.add_argument("--interaction", metavar="ID", help="only this interaction")
    parser.add_argument("--party", metavar="P", help="only this party")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text",
                        help="text (default) or json (one object per party and line)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    sources = sources_or_exit(args)
    if sources is None:
        return 2
    evaluator = rules_or_exit(args)
    if evaluator is None:
        return 2
    render = RENDERERS[args.format]
    shown = 0
    try:
        for item in iter_facts(sources, include_open=args.include_open):
            if isinstance(item, Rejection):
                print_diagnostics(item.diagnostics)
                continue
            interaction, parties = item
            if args.interaction is not None and interaction.id != args.interaction:
                continue
            for facts in sorted(parties, key=lambda f: f.first_seq):
                if args.party is None or facts.party == args.party:
                    if shown and args.format == "text":
                        print()
                    print(render(explain(evaluator, facts)))
                    shown += 1
    except InputError as problem:
        complain("rulesengine explain", problem)
        return 2
    if not shown:
        print("rulesengine explain: no matching party", file=sys.stderr)
        return 1
    return 0
