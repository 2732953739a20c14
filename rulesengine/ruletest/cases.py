"""What a test file says, as frozen records with the places they are written."""

from __future__ import annotations

import attrs

from rulesengine.diagnostics import Position

#: the codes of problems in test files, documented in docs/testing.md
SYNTAX = "T001"
BAD_TIME = "T101"
UNKNOWN_EVENT = "T102"
BAD_EVENT_WORDS = "T103"
BAD_DATA = "T104"
EVENTS_FILE = "T105"
UNKNOWN_TARGET = "T201"
UNKNOWN_WORD = "T202"
#: an expectation the rules do not meet (used where a failure is reported as a diagnostic)
FAILED = "T301"


@attrs.frozen
class Word:
    """One word of a line, with where it starts (a column of the test file)."""

    text: str
    position: Position


@attrs.frozen
class EventLine:
    """One compact event line: its offset from the interaction's start and its words."""

    offset: Word
    words: tuple[Word, ...]
    #: the attached data, as written (a JSON object), if any
    data: Word | None = None
    #: the whole line as written, for carets under the event stage's diagnostics
    source_line: str = attrs.field(default="", eq=False)


@attrs.frozen
class Part:
    """One side of a descriptor: a value and its reason (`Redirected [Revoked]`)."""

    value: Word
    reason: Word | None = None


@attrs.frozen
class Expectation:
    """`TARGET: Role/Result [RECORD]`: what one party should get."""

    #: a party id (short, as the events write it, or whole) or a resource name with `#n`
    target: Word
    role: Part
    result: Part
    record: Word | None
    #: character offsets, in the file's text, of what `--update` rewrites: descriptor and record
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.target.position.line

    @property
    def written(self) -> str:
        """The expectation as a descriptor writes it, e.g. `RoutedTo/Redirected [Revoked] IRF`."""
        record = f" {self.record.text}" if self.record else ""
        return f"{_part(self.role)}/{_part(self.result)}{record}"


def _part(part: Part) -> str:
    return part.value.text + (f" [{part.reason.text}]" if part.reason else "")


@attrs.frozen
class Case:
    """One test: a name, the events of one interaction, what some of its parties should get."""

    name: str
    position: Position
    #: the interaction id the compact events get; None: the case name's slug
    interaction: str | None
    #: when the first compact event happened (RFC 3339); None: `compact.DEFAULT_START`
    start: Word | None
    #: compact events, or None when the events come from a file
    events: tuple[EventLine, ...] | None
    #: a JSON-lines file (as written, relative to the test file), or None for compact events
    events_file: Word | None
    expectations: tuple[Expectation, ...]


@attrs.frozen
class CaseFile:
    """A parsed test file; `text` is kept to rewrite expectations in place."""

    path: str
    text: str
    cases: tuple[Case, ...]
