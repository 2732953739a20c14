"""The command line: the only place that prints to the terminal or chooses an exit code.

Each subcommand lives in its own module of this package and exposes
`register(subparsers)`, which adds its parser and sets `handler(args) -> int`.
Exit codes: 0 clean, 1 findings (rejected input, failed check), 2 usage or unreadable input or
unwritable output; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 standard output closed by its reader.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TypeVar, overload

from rulesengine import __version__
from rulesengine.cli import check, convert, explain, generate, graph, report, run, sample
from rulesengine.cli.signals import Stopped, stopping_on_signals

SUBCOMMANDS = (run, convert, check, explain, graph, report, generate, sample)
_N = TypeVar("_N")


class SubcommandParser(argparse.ArgumentParser):
    """A subcommand's parser: an argument it does not know is its own usage error.

    argparse hands a subcommand's unknown arguments back to the main parser, which
    would answer `run x --party y` with the usage of `rulesengine` instead of `run`'s.
    """

    # the overloads argparse's own signature has, so that this parser stands wherever it does
    @overload
    def parse_known_args(self, args: Iterable[str] | None = None,
                         namespace: None = None) -> tuple[argparse.Namespace, list[str]]: ...
    @overload
    def parse_known_args(self, args: Iterable[str] | None, namespace: _N) -> tuple[_N, list[str]]: ...
    @overload
    def parse_known_args(self, *, namespace: _N) -> tuple[_N, list[str]]: ...

    def parse_known_args(self, args: Iterable[str] | None = None,
                         namespace: _N | None = None) -> tuple[_N | argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


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


#: the exit status when standard output's reader left (`| head`): that of a process killed by
#: SIGPIPE, as the shell reports it for other tools, neither success (0) nor findings (1)
BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with stopping_on_signals():
        try:
            return args.handler(args)
        except BrokenPipeError:
            _quiet_stdout()
            return BROKEN_PIPE
        except KeyboardInterrupt:
            print("rulesengine: interrupted", file=sys.stderr)
            return 130
        except Stopped as stop:
            print(f"rulesengine: stopped by {stop.name}", file=sys.stderr)
            return 128 + stop.signum


def _quiet_stdout() -> None:
    """Point the process's standard output at /dev/null, so that the interpreter's last flush
    of what is still buffered for the pipe that broke says nothing on its way out."""
    if sys.stdout is not sys.__stdout__ or sys.stdout is None:
        return  # replaced (by a caller capturing it): theirs to deal with
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    os.dup2(devnull, fd)
    os.close(devnull)
