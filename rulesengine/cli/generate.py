"""The `generate` subcommand: random but realistic event streams, for load tests and demos."""

from __future__ import annotations

import argparse

from rulesengine.cli import options
from rulesengine.cli.destination import TextSink, add_output, write_output
from rulesengine.cli.messages import complain
from rulesengine.events.generate import Profile, ProfileError, generate_lines, load_profile


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write random interactions as event lines",
        description="Write COUNT random interactions (every documented chat flow and some "
        "compositions), interleaved by time like a live stream. The same seed gives the "
        "same bytes.",
    )
    parser.add_argument("--count", type=options.whole_number(0, "interactions"), default=100,
                        help="interactions to write (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--profile", metavar="FILE",
                        help="a TOML file setting the mix of shapes and families, the delays, the arrival "
                             "rate and attached data (docs/cli.md#rulesengine-generate)")
    add_output(parser, "the events")
    parser.set_defaults(handler=run)


def _write(args: argparse.Namespace, profile: Profile, out: TextSink) -> None:
    for line in generate_lines(args.count, args.seed, profile=profile):
        out.write(f"{line}\n")


def run(args: argparse.Namespace) -> int:
    try:
        profile = load_profile(args.profile) if args.profile else Profile()
    except ProfileError as problem:
        complain("rulesengine generate", problem)
        return 2

    def produce(out: TextSink) -> int:
        try:
            _write(args, profile, out)
        except OverflowError:  # a time past what a timestamp holds: the file is left unwritten
            complain("rulesengine generate", f"the times pass the year 9999 (--count {args.count} with the "
                     "profile's arrival and delays): generate fewer interactions, or closer together")
            return 2
        return 0

    return write_output(args.output, "generate", produce, [args.profile] if args.profile else [])
