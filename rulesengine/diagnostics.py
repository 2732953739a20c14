"""Positions and diagnostics shared by every stage.

Every problem a user can cause (a bad event line, a bad rule) becomes a `Diagnostic`
that prints itself the way compilers do: ``path:line:col: severity: CODE message``,
then the offending source line and a caret under the column.
"""

from __future__ import annotations

import difflib
import enum

import attrs
import msgspec


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
        """The headline, then the source line with a caret, then the hint."""
        lines = [self.headline()]
        if self.source_line is not None and self.position is not None:
            text = self.source_line.rstrip("\n")
            lines.append(f"    {text}")
            caret_at = max(self.position.col - 1, 0)
            padding = "".join("\t" if ch == "\t" else " " for ch in text[:caret_at])
            lines.append(f"    {padding}^")
        if self.hint:
            lines.append(f"    hint: {self.hint}")
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
