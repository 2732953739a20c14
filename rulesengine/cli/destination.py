"""Where a subcommand's text goes: stdout, or a file that appears only once complete."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO

from rulesengine.cli.report import complain
from rulesengine.output_files import AtomicFile, Output, OutputError

#: the exit code of a usage error or of input that cannot be read
USAGE_OR_INPUT_ERROR = 2


def add_output(parser: argparse.ArgumentParser, what: str) -> None:
    """The `--output FILE` option, worded alike for every subcommand that has one."""
    parser.add_argument("--output", "-o", metavar="FILE",
                        help=f"write {what} to FILE (atomically) instead of stdout")


def write_output(path: str | None, command: str, produce: Callable[[TextIO], int]) -> int:
    """Run `produce` on stdout, or on a new UTF-8 file at `path`; return its exit code.

    The file is written under a temporary name and takes its own only when `produce`
    finished with findings or none (0 or 1): after an unreadable input or a crash,
    whatever was at `path` before is still there, never half an output.
    """
    if path is None:
        return produce(sys.stdout)
    try:
        target = AtomicFile(path)
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


class _Utf8:
    """Text written to an output file as UTF-8, the file's own buffer gathering it."""

    def __init__(self, target: Output) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(text.encode("utf-8"))
        return len(text)
