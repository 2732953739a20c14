"""Where a subcommand's text goes: stdout, or a file that appears only once complete."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Protocol

from rulesengine.cli.messages import complain, rules_or_exit, sources_or_exit
from rulesengine.decide.decider import Decider
from rulesengine.events.read import STDIN
from rulesengine.output.files import AtomicFile, Output, OutputError, replaced_path, same_file, sweep_leftovers

#: the exit code of a usage error or of input that cannot be read
USAGE_OR_INPUT_ERROR = 2


def add_output(parser: argparse.ArgumentParser, what: str) -> None:
    """The `--output FILE` option, worded alike for every subcommand that has one."""
    parser.add_argument("--output", "-o", metavar="FILE",
                        help=f"write {what} to FILE (atomically) instead of stdout")


class TextSink(Protocol):
    """Where a command writes its text: standard output, or a new file taking UTF-8."""

    def write(self, text: str, /) -> int: ...


def write_output(path: str | None, command: str, produce: Callable[[TextSink], int],
                 inputs: Sequence[str] = ()) -> int:
    """Run `produce` on stdout, or on a new UTF-8 file at `path`; return its exit code.

    The file is written under a temporary name and takes its own only when `produce`
    finished with findings or none (0 or 1): after an unreadable input or a crash,
    whatever was at `path` before is still there, never half an output. A `path` that is
    one of the `inputs` is refused before anything is read (2).
    """
    if path is None:
        return produce(sys.stdout)
    try:
        check_distinct((("--output", path),), inputs)
        target = AtomicFile(path)
    except argparse.ArgumentTypeError as problem:
        complain(f"rulesengine {command}", problem)
        return USAGE_OR_INPUT_ERROR
    except OutputError as problem:
        complain(f"rulesengine {command}", problem)
        return USAGE_OR_INPUT_ERROR
    try:
        status = produce(_Utf8(target))
        if status != USAGE_OR_INPUT_ERROR:
            target.commit()
        return status
    except OutputError as problem:
        complain(f"rulesengine {command}", problem)
        return USAGE_OR_INPUT_ERROR
    finally:
        target.discard()


def rule_files(paths: Sequence[str]) -> list[str]:
    """The rule files that `--rules` paths stand for (a folder: its `*.rules` files), which an
    output must not replace either."""
    found = []
    for path in paths:
        found += sorted(glob.glob(os.path.join(glob.escape(path), "*.rules"))) if os.path.isdir(path) else [path]
    return found


def check_distinct(outputs: Sequence[tuple[str, str | None]], sources: Sequence[str]) -> None:
    """`argparse.ArgumentTypeError` when two outputs (option, path) are one file, or an output
    is an input: the first would leave only the one written last, the second would replace
    the input with what was made from it. Found before anything is read or written."""
    named = [(option, path) for option, path in outputs if path is not None]
    for number, (option, path) in enumerate(named):
        for other_option, other in named[:number]:
            if same_file(path, other):
                raise argparse.ArgumentTypeError(f"{option} {path} is the same file as {other_option} {other}")
        for source in sources:
            if source != STDIN and same_file(path, source):
                raise argparse.ArgumentTypeError(f"{option} {path} is the same file as the input {source}")


def open_atomic(stack: ExitStack, path: str | None, **kwargs: str) -> AtomicFile | None:
    """An output file for `path` (`AtomicFile`'s options), discarded when `stack` closes unless
    committed first. Temporary files that killed runs left in its folder are removed first."""
    if path is None:
        return None
    sweep_leftovers(os.path.dirname(replaced_path(path)))
    target = AtomicFile(path, **kwargs)
    stack.callback(target.discard)
    return target


class _Utf8:
    """Text written to an output file as UTF-8, the file's own buffer gathering it."""

    def __init__(self, target: Output) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(text.encode("utf-8"))
        return len(text)


def write_with_rules(args: argparse.Namespace, command: str,
                     produce: Callable[[Decider, list[str], TextSink], int]) -> int:
    """Work out the event sources and load the rules the options ask for, then write what
    `produce` makes with them where `--output` says; 2 when either fails (nothing is
    written then)."""
    sources = sources_or_exit(args)
    if sources is None:
        return USAGE_OR_INPUT_ERROR
    decider = rules_or_exit(args)
    if decider is None:
        return USAGE_OR_INPUT_ERROR
    return write_output(args.output, command, lambda out: produce(decider, sources, out),
                        [*sources, *rule_files(args.rules)])
