"""Reading docs/customizing.md as a script: its rule files and its commands, in page order.

A ```rules (or ```toml) block whose first line is `# PATH: ...` is a file the reader creates
at PATH.
A ```console block holds `$ rulesengine ...` lines, each followed by what it prints
(stdout, then stderr). Replaying the steps in order is what a reader does.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import attrs

PAGE = Path(__file__).parents[2] / "docs" / "customizing.md"
PROMPT = "$ "
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", flags=re.DOTALL | re.MULTILINE)
_FILE_HEADER = re.compile(r"# (\S+\.(?:rules|toml)):")
#: the blocks that are files the reader creates
_FILE_BLOCKS = ("rules", "toml")
#: the run summary's duration is the one thing that differs between runs
_DURATION = re.compile(r"written in \d+\.\d+s")


@attrs.frozen
class RuleFile:
    path: str
    text: str


@attrs.frozen
class Command:
    argv: tuple[str, ...] = attrs.field(converter=tuple)  # without the leading `rulesengine`
    shown: str  # what the page says it prints, one trailing newline per line

    @property
    def line(self) -> str:
        return shlex.join(("rulesengine", *self.argv))


def blocks(language: str) -> list[str]:
    """The bodies of the page's fenced blocks of one language, in order."""
    return [body for lang, body in _fenced() if lang == language]


def steps() -> list[RuleFile | Command]:
    """Every rule file and command of the page, in reading order."""
    result: list[RuleFile | Command] = []
    for language, body in _fenced():
        if language in _FILE_BLOCKS:
            header = _FILE_HEADER.match(body)
            assert header, f"a {language} block must start with '# PATH: ...': {body[:60]!r}"
            result.append(RuleFile(header.group(1), body))
        elif language == "console":
            result.extend(_commands(body))
    return result


def _fenced() -> list[tuple[str, str]]:
    return _BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def rule_files() -> dict[str, str]:
    """The page's rule files by path (a later block of the same path wins)."""
    return {step.path: step.text for step in steps() if isinstance(step, RuleFile)}


def _commands(body: str) -> list[Command]:
    """Each `$ ` line of a console block, with the lines up to the next one."""
    lines = body.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if line.startswith(PROMPT)]
    assert starts and starts[0] == 0, f"a console block starts with a command: {body[:60]!r}"
    commands: list[Command] = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        program, *argv = shlex.split(lines[start][len(PROMPT):])
        assert program == "rulesengine", f"the page only runs rulesengine: {lines[start]!r}"
        commands.append(Command(argv, "".join(lines[start + 1:end])))
    return commands


def same_run(text: str) -> str:
    """The text with the run summary's duration fixed, so two runs compare equal."""
    return _DURATION.sub("written in 0.01s", text)
