"""`rulesengine fmt`: rule files rewritten in the one canonical layout, or checked against it.

The layout is `rulesengine.language.format`'s; this module finds the files, reads them,
writes back those that change (atomically, keeping their mode), prints diffs and chooses
the exit code. `--check` and `--diff` mean what `black --check --diff` means: `--diff`
shows what would change and writes nothing; `--check` shows the same and fails (exit 1)
when anything would change, the gate a CI job wants.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from rulesengine.cli.messages import complain, print_diagnostics
from rulesengine.events.read import STDIN, STDIN_NAME
from rulesengine.language.format import FormatError, format_text
from rulesengine.language.layers import rule_text
from rulesengine.output.files import AtomicFile, OutputError
from rulesengine.wording import counted

PROGRAM = "rulesengine fmt"
#: the files a folder stands for
SUFFIX = ".rules"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fmt", help="rewrite rule files in the canonical layout, or --check that they are",
        description="Rewrite each rule file in the canonical layout (docs/cli.md#rulesengine-fmt), "
                    "comments kept; only files that change are written. A folder stands for its "
                    "*.rules files, in its sub-folders too (hidden ones skipped); '-', or no PATH "
                    "with standard input not a terminal, formats standard input to standard output. "
                    "Exit 0 when done, 1 with --check when a file would change, 2 when a file does "
                    "not parse or cannot be read or written (it is left as it was).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="a rule file or a folder of them; '-' reads standard input")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; print the diff of each file that would change and exit 1 "
                             "if any would (for CI)")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print the diff of each file that would change (exit 0)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        targets = list(_targets(args.paths))
    except argparse.ArgumentTypeError as problem:
        complain(PROGRAM, problem)
        return 2
    preview = args.check or args.diff
    tally: Counter[str] = Counter()
    for target in targets:
        tally[_format_one(target, preview=preview)] += 1
    if targets != [STDIN]:
        _summarize(tally, preview=preview)
    if tally["failed"]:
        return 2
    return 1 if args.check and tally["changed"] else 0


def _targets(paths: Sequence[str]) -> Iterator[str]:
    """The files to format, in the order named, a folder's in sorted order, each file once."""
    if not paths:
        if sys.stdin is None or sys.stdin.isatty():
            raise argparse.ArgumentTypeError(
                "nothing to format: name rule files or folders, or pipe a rule file into standard input")
        paths = [STDIN]
    seen: set[str] = set()
    for path in paths:
        found = _rule_files(path) if path != STDIN and os.path.isdir(path) else [path]
        for name in found:
            key = name if name == STDIN else os.path.realpath(name)
            if key not in seen:
                seen.add(key)
                yield name


def _rule_files(folder: str) -> list[str]:
    """A folder's `*.rules` files and those of its sub-folders, hidden files and folders left out
    (a `.git`, a `.venv` holding an installed copy of the default rules)."""
    found: list[str] = []
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(os.path.join(root, name) for name in sorted(files)
                     if name.endswith(SUFFIX) and not name.startswith("."))
    return found


def _format_one(path: str, *, preview: bool) -> str:
    """Format one file (or standard input): 'changed', 'unchanged' or 'failed'."""
    name = STDIN_NAME if path == STDIN else path
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        complain(PROGRAM, f"cannot read {name}: {_why(problem)}")
        return "failed"
    try:
        formatted, problems = format_text(rule_text(data), name)
    except FormatError as problem:
        complain(PROGRAM, f"{problem}; left unchanged")
        return "failed"
    if formatted is None:
        print_diagnostics(problems, program=PROGRAM)
        return "failed"
    if preview:
        sys.stdout.write(_diff(text, formatted, name))
    elif path == STDIN:
        sys.stdout.write(formatted)
    elif formatted != text:
        try:
            _replace(path, formatted)
        except OutputError as problem:
            complain(PROGRAM, problem)
            return "failed"
    return "unchanged" if formatted == text else "changed"


def _why(problem: OSError | UnicodeDecodeError) -> str:
    if isinstance(problem, UnicodeDecodeError):
        return f"not UTF-8 (byte {problem.start})"
    return problem.strerror or str(problem)


def _replace(path: str, text: str) -> None:
    """Write the file anew under a temporary name beside it, then rename it over the old one:
    never half a rule file, and the mode it had. A link is followed: its target is rewritten."""
    target = AtomicFile(os.path.realpath(path))
    try:
        target.write(text.encode("utf-8"))
        target.commit()
    finally:
        target.discard()


def _diff(text: str, formatted: str, name: str) -> str:
    """A unified diff from the file to its formatted self, as `patch -p0` applies it: its lines
    are what `patch` takes for lines, each up to a `\\n` (a `\\r` or a `\\u2028` within one,
    which `str.splitlines` would split at, is part of it)."""
    diff = difflib.unified_diff(_lines(text), _lines(formatted), fromfile=name, tofile=name)
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in diff)


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _summarize(tally: Counter[str], *, preview: bool) -> None:
    changed, unchanged = tally["changed"], tally["unchanged"]
    if preview:
        parts = [f"{counted(changed, 'file')} would be reformatted", f"{unchanged} already formatted"]
    else:
        parts = [f"{counted(changed, 'file')} reformatted", f"{unchanged} left unchanged"]
    if tally["failed"]:
        parts.append(f"{tally['failed']} not formatted (errors above)")
    print(f"{PROGRAM}: {', '.join(parts)}", file=sys.stderr)
