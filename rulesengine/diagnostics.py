"""Positions and diagnostics shared by every stage.

Every problem a user can cause (a bad event line, a bad rule) becomes a `Diagnostic`
that prints itself the way compilers do: ``path:line:col: severity: CODE message``,
then the offending source line and a caret under the column. What it prints for a
terminal is made `printable`: an id or a broken line may hold escape sequences
that would otherwise retitle, recolour or rewrite the user's terminal.
"""

from __future__ import annotations

import difflib
import enum
from unicodedata import combining, east_asian_width

import attrs
import msgspec

#: characters a terminal would act on rather than show (C0, DEL, C1) and the invisible
#: ones that reorder or break text (bidirectional controls, line and paragraph
#: separators), each shown as an escape
_ESCAPED = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))} | {
    code: f"\\u{code:04x}" for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                          0x2028, 0x2029)}
_ESCAPED_BUT_TABS = {code: shown for code, shown in _ESCAPED.items() if code != 0x09}


def printable(text: str, *, tabs: bool = False) -> str:
    """`text` safe to print on a terminal: every control character written as an escape
    (`\\x1b`, `\\u202e`); `tabs` keeps tabs as they are (a source line's indentation)."""
    return text.translate(_ESCAPED_BUT_TABS if tabs else _ESCAPED)


def _columns(text: str) -> int:
    """How many columns a terminal gives `text`: two for each wide or fullwidth character
    (CJK, fullwidth forms), none for a combining mark, one for any other."""
    return sum(2 if east_asian_width(char) in "WF" else 0 if combining(char) else 1 for char in text)


#: a source line longer than this many characters is shown in part, around the caret
LONGEST_SHOWN = 240
#: the characters shown before the caret when a line is cut, unless it is near the line's end
_AROUND = LONGEST_SHOWN // 2
_CUT = "..."


def shown_part(text: str, caret_at: int) -> tuple[str, int]:
    """What of a source line a diagnostic shows, and where its caret goes in that: the whole line,
    or for a line past `LONGEST_SHOWN` (an event of a megabyte on one line) that many characters
    around the caret, each cut side marked `...`."""
    if len(text) <= LONGEST_SHOWN:
        return text, caret_at
    start = min(max(caret_at - _AROUND, 0), len(text) - LONGEST_SHOWN)
    end = start + LONGEST_SHOWN
    head = _CUT if start else ""
    tail = _CUT if end < len(text) else ""
    return f"{head}{text[start:end]}{tail}", caret_at - start + len(head)


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Position(msgspec.Struct, frozen=True, order=True, gc=False):
    """A place in a text file; lines and columns count from 1.

    A `msgspec.Struct` rather than an attrs class: every event line carries one, and
    a Struct is built an order of magnitude faster.
    """

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@attrs.frozen
class Diagnostic:
    """One problem, with where it is and the text of its line (for the caret)."""

    severity: Severity
    code: str
    message: str
    position: Position | None = None
    source_line: str | None = attrs.field(default=None, eq=False)
    hint: str | None = None

    @property
    def sort_key(self) -> tuple:
        where = self.position
        return (
            (where.path, where.line, where.col) if where else ("", 0, 0),
            self.code,
            self.message,
        )

    def headline(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"{where}{self.severity.value}: {self.code} {self.message}"

    def render(self) -> str:
        """The headline, then the source line with a caret, then the hint, for a terminal:
        control characters are shown as escapes (`printable`), the caret still under its column."""
        lines = [printable(self.headline())]
        if self.source_line is not None and self.position is not None:
            text, caret_at = shown_part(self.source_line.rstrip("\n"), max(self.position.col - 1, 0))
            before = printable(text[:caret_at], tabs=True)
            lines.append(f"    {before}{printable(text[caret_at:], tabs=True)}")
            # a space under each column, tabs kept so that the caret lines up under them
            padding = "\t".join(" " * _columns(part) for part in before.split("\t"))
            lines.append(f"    {padding}^")
        if self.hint:
            lines.append(f"    hint: {printable(self.hint)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        where = self.position
        return {
            "path": where.path if where else None,
            "line": where.line if where else None,
            "col": where.col if where else None,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def error(code: str, message: str, position: Position | None = None, *,
          source_line: str | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, position, source_line, hint)


def warning(code: str, message: str, position: Position | None = None, *,
            source_line: str | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, position, source_line, hint)


def did_you_mean(name: str, candidates) -> str | None:
    """A 'did you mean' hint naming the closest known name, if one is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
