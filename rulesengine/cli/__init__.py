"""The command line: the only place that prints to the terminal or chooses an exit code.

Each subcommand lives in its own module of this package and exposes
`register(subparsers)`, which adds its parser and sets `handler(args) -> int`.
Exit codes: 0 clean, 1 findings (rejected input, failed check), 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rulesengine import __version__
from rulesengine.cli import check, convert, explain, generate, graph, run, sample

SUBCOMMANDS = (run, convert, check, explain, graph, generate, sample)


class SubcommandParser(argparse.ArgumentParser):
    """A subcommand's parser: an argument it does not know is its own usage error.

    argparse hands a subcommand's unknown arguments back to the main parser, which
    would answer `run x --party y` with the usage of `rulesengine` instead of `run`'s.
    """

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rulesengine",
        description="Turn contact-center interaction events into technical descriptors.",
    )
    parser.add_argument("--version", action="version", version=f"rulesengine {__version__}",
                        help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=SubcommandParser)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except KeyboardInterrupt:
        print("rulesengine: interrupted", file=sys.stderr)
        return 130
