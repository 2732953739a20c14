"""`rulesengine explain`: for each party, which rule decided each slot and why the others did not."""

from __future__ import annotations

import argparse
import sys

from rulesengine.assemble import Rejection
from rulesengine.cli import options
from rulesengine.cli.report import print_diagnostics, rules_or_exit
from rulesengine.explain import (
    explain_interaction,
    parameters,
    render_json,
    render_parameters_text,
    render_text,
)
from rulesengine.loader import InputError
from rulesengine.pipeline import iter_models

RENDERERS = ("json", "text")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="show which rule decided each party's descriptor, and why not the others",
        description="Evaluate events and, for each party, print the rule that decided its role, "
                    "its result and its record type with the value of each condition, for every "
                    "other rule of that kind the first condition that failed, and the derived facts "
                    "the rules read; then every parameter with its value and where it comes from.",
    )
    options.add_event_sources(parser)
    options.add_rule_sources(parser)
    parser.add_argument("--interaction", metavar="ID", help="only this interaction")
    parser.add_argument("--party", metavar="P", help="only this party")
    parser.add_argument("--derivation", action="store_true",
                        help="also show how each fact was derived: its definition and the value of each part")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text",
                        help="text (default) or json (one object per party and line)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    evaluator = rules_or_exit(args)
    if evaluator is None:
        return 2
    params = parameters(evaluator.params)
    shown = 0
    try:
        for item in iter_models(options.event_sources(args), include_open=args.include_open):
            if isinstance(item, Rejection):
                print_diagnostics(item.diagnostics)
                continue
            if args.interaction is not None and item.id != args.interaction:
                continue
            for explanation in explain_interaction(evaluator, item, derivation=args.derivation):
                if args.party is None or explanation.party == args.party:
                    if args.format == "json":
                        print(render_json(explanation, params))
                    else:
                        print(("\n" if shown else "") + render_text(explanation))
                    shown += 1
    except InputError as problem:
        print(f"rulesengine explain: error: {problem}", file=sys.stderr)
        return 2
    if not shown:
        print("rulesengine explain: no matching party", file=sys.stderr)
        return 1
    if args.format == "text":
        print("\n" + render_parameters_text(params))
    return 0
