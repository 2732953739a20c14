"""The command line: the only place that prints to the terminal or chooses an exit code.

Each subcommand lives in its own module of this package and exposes
`register(subparsers)`, which adds its parser and sets `handler(args) -> int`. Only
the module of the subcommand asked for is imported (every one for `--help` or a
usage error), so a command loads the stages it uses and no others.
Exit codes: 0 clean, 1 findings (rejected input, failed check), 2 usage or unreadable input or
unwritable output; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 standard output closed by its reader.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import TypeVar, overload

from rulesengine.cli import project
from rulesengine.cli.signals import Stopped, stopping_on_signals
from rulesengine.speedups.arrow_pool import prefer_system_pool
from rulesengine.speedups.collector import fewer_young_collections, no_collection_at_exit

#: the subcommands, each the module of this package of the same name (`-` written `_`), in the order help lists them
SUBCOMMANDS = ("run", "convert", "check", "test", "explain", "graph", "report", "rules", "fmt", "diff", "config",
               "generate", "sample", "spark-run")
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


class _Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import rulesengine

        print(f"rulesengine {rulesengine.__version__}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with `only`, that subcommand's alone."""
    parser = argparse.ArgumentParser(
        prog="rulesengine",
        description="Turn contact-center interaction events into technical descriptors.",
    )
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=SubcommandParser)
    for name in SUBCOMMANDS if only is None else (only,):
        import_module(module_of(name)).register(subparsers)
    return parser


def module_of(subcommand: str) -> str:
    """The module that registers a subcommand: its name, `-` written `_`."""
    return f"rulesengine.cli.{subcommand.replace('-', '_')}"


def _asked_for(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names, if its first argument is one."""
    return argv[0] if argv and argv[0] in SUBCOMMANDS else None


#: the exit status when standard output's reader left (`| head`): that of a process killed by
#: SIGPIPE, as the shell reports it for other tools, neither success (0) nor findings (1)
BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; without `argv` it is the process's own (`sys.argv`), which ends with it."""
    if argv is None:
        no_collection_at_exit()
        fewer_young_collections()
        prefer_system_pool()
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_asked_for(arguments)).parse_args(arguments)
    try:
        args.project = project.find_here()
        project.apply(args.project, args)
    except project.ConfigError as problem:
        print(f"rulesengine: error: {problem}", file=sys.stderr)
        return 2
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
