"""The shell commands of README.md and docs/, read the way a reader copies them.

A fenced block tagged `sh`, `shell` or `bash` holds commands, one a line (a line ending in
a backslash goes on); a `console` block holds `$ ` lines, each followed by what it prints.
A command is expected to exit 0, unless its comment says otherwise with `(exit N)`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

TOP = Path(__file__).parents[2]
PAGES = [TOP / "README.md", *sorted((TOP / "docs").rglob("*.md"))]
COMMAND_BLOCKS = ("sh", "shell", "bash", "console")
PROMPT = "$ "
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", flags=re.DOTALL | re.MULTILINE)
_EXIT = re.compile(r"#.*\(exit (\d+)\)\s*$")


@attrs.frozen
class Command:
    page: str  # relative to the repository's top, e.g. `docs/cli.md`
    line: int  # where the command starts on its page
    text: str  # as written, without a prompt

    @property
    def exit_code(self) -> int:
        """What the command is documented to exit with: `(exit N)` in its comment, else 0."""
        marked = _EXIT.search(self.text)
        return int(marked.group(1)) if marked else 0

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text}"


def page_name(page: Path) -> str:
    return page.relative_to(TOP).as_posix()


def blocks(page: Path) -> list[tuple[str, int, str]]:
    """Every fenced block of a page: its tag, the line its body starts on, its body."""
    text = page.read_text(encoding="utf-8")
    return [(match.group(1), text.count("\n", 0, match.start(2)) + 1, match.group(2))
            for match in _BLOCK.finditer(text)]


def commands(page: Path) -> list[Command]:
    """The page's commands in reading order."""
    found: list[Command] = []
    for tag, first, body in blocks(page):
        if tag not in COMMAND_BLOCKS:
            continue
        pending: list[str] = []
        start = first
        for number, written in enumerate(body.splitlines(), start=first):
            line = written
            if tag == "console":
                if not written.startswith(PROMPT):
                    continue  # what the command printed
                line = written[len(PROMPT):]
            elif not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if not pending:
                start = number
            if line.endswith("\\"):
                pending.append(line[:-1])
                continue
            found.append(Command(page_name(page), start, " ".join([*pending, line]).strip()))
            pending = []
    return found


def run_in_order(steps: Iterable[Command], folder: Path, env: Mapping[str, str]) -> None:
    """Run commands one after the other in `folder`, as a reader would, checking each exit code."""
    for command in steps:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == command.exit_code, f"{command}\n{done.stderr[-2000:]}"
