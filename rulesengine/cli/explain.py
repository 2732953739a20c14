"""`rulesengine explain`: for each party, which rule decided each slot and why the others did not."""

from __future__ import annotations

import argparse

from rulesengine.cli import options
from rulesengine.cli.destination import TextSink, add_output, write_with_rules
from rulesengine.cli.messages import complain, not_found, print_diagnostics
from rulesengine.cli.wanted_lines import ids_in, lines_for, lines_naming, naming, parties_near, takes_part
from rulesengine.decide.decider import Decider
from rulesengine.decide.explain import (
    explain_interaction,
    parameters,
    render_json,
    render_parameters_text,
    render_text,
)
from rulesengine.events.assemble import Rejection, assemble
from rulesengine.events.read import InputError, sizes_now
from rulesengine.runtime.pipeline import model_of

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
    add_output(parser, "the explanations")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    return write_with_rules(args, "explain", lambda decider, sources, out: _explain(args, decider, sources, out))


def _explain(args: argparse.Namespace, decider: Decider, sources: list[str], out: TextSink) -> int:
    params = parameters(decider.params)
    shown = 0
    interactions: list[str] = []
    #: parties of the interactions a mistyped --party most likely meant, for a did-you-mean
    near: list[str] = []
    sizes = sizes_now(sources)  # every reading below reads the files as they are now
    only = lines_for(args.interaction, sources)
    #: with --party alone, the interactions whose lines name it: those whose rejections are shown
    named: set[str] = set()
    noticed = naming(args.party, named) if args.party is not None and args.interaction is None else None
    try:
        if noticed is not None:
            only = lines_naming(args.party, sources, sizes)
        for item in assemble(sources, include_open=args.include_open, select=only, noticed=noticed, sizes=sizes):
            if isinstance(item, Rejection):
                if item.interaction in named if noticed is not None else args.interaction in (None, item.interaction):
                    print_diagnostics(item.diagnostics)
                continue
            interactions.append(item.id)
            if args.interaction is not None and item.id != args.interaction:
                continue
            near_here = args.party is not None and (args.interaction is not None or args.party.startswith(item.id))
            if args.party is not None and not near_here and not takes_part(item, args.party):
                continue  # neither explained nor a did-you-mean's: no model made
            model = model_of(item)
            if args.party is not None:
                parties = [party.id for party in model.parties]
                if near_here:
                    near.extend(parties)
                if args.party not in parties:
                    continue
            for explanation in explain_interaction(decider, model, derivation=args.derivation):
                if args.party is None or explanation.party == args.party:
                    if args.format == "json":
                        out.write(render_json(explanation, params) + "\n")
                    else:
                        out.write(("\n" if shown else "") + render_text(explanation) + "\n")
                    shown += 1
    except InputError as problem:
        complain("rulesengine explain", problem)
        return 2
    if not shown:
        if only is not None and args.interaction is not None and args.interaction not in interactions:
            interactions = ids_in(sources, sizes, include_open=args.include_open)
        elif only is not None and noticed is not None:
            near = parties_near(args.party, sources, sizes, include_open=args.include_open)
        complain("rulesengine explain", _nothing_found(args, interactions, near))
        return 1
    if args.format == "text":
        out.write("\n" + render_parameters_text(params) + "\n")
    return 0


def _nothing_found(args: argparse.Namespace, interactions: list[str], near: list[str]) -> str:
    """Why nothing was explained, naming what was asked for and the closest thing there is.

    Only the parties of the interactions a party id starts with (or of `--interaction`)
    are candidates for the did-you-mean: remembering every party of a long input would
    undo streaming.
    """
    if args.interaction is not None and args.interaction not in interactions:
        return not_found("interaction", args.interaction, "the input", interactions)
    if args.party is not None:
        where = f"interaction {args.interaction!r}" if args.interaction else "the input"
        return not_found("party", args.party, where, near)
    return "no interaction in the input was evaluated"
