"""Descriptor rows and the writers that put them out (JSON lines, CSV, a table).

A `Row` joins what the graph knows of a party (`PartyFacts`) with what the rules
decided (`Decision`). Writers get rows one interaction at a time, so the main job
streams; where their bytes go is `output_files`' business.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import IO, Protocol

import msgspec

from rulesengine.decision import Decision
from rulesengine.diagnostics import printable
from rulesengine.events import MEDIATION_KINDS
from rulesengine.facts import PartyFacts



class Row(msgspec.Struct, frozen=True, gc=False):
    """One descriptor row, fields in the order of the output contract.

    One per party on the main job's path, so a `msgspec.Struct`: cheap to build, and
    encoded to JSON by msgspec directly, keys in field order.
    """

    interaction: str
    party: str
    kind: str
    resource: str
    fact: str
    start: str
    end: str
    alert_ms: int | None
    engage_ms: int | None
    resource_role: str
    role_reason: str
    technical_result: str
    result_reason: str
    rule: str | None
    rule_at: str | None
    provisional: bool

    @classmethod
    def of(cls, facts: PartyFacts, decision: Decision) -> Row:
        is_msf = facts.kind in MEDIATION_KINDS and facts.handed_on
        rule, rule_at = decision.rule_columns
        # positional, in field order: keywords cost a third of the call, once per row
        return cls(
            facts.interaction, facts.party, facts.kind, facts.resource, "MSF" if is_msf else "IRF",
            facts.start_ts, facts.end_ts, facts.alert_ms, facts.engage_ms, decision.resource_role,
            decision.role_reason, decision.technical_result, decision.result_reason, rule, rule_at,
            facts.provisional,
        )

    @property
    def descriptor(self) -> str:
        """`Role/Result [Reason]`, the way the warehouse documentation writes it."""
        text = f"{self.resource_role}/{self.technical_result}"
        return text if self.result_reason == "Unspecified" else f"{text} [{self.result_reason}]"


FIELDS: tuple[str, ...] = Row.__struct_fields__
#: a row's values in field order
row_values: Callable[[Row], tuple] = attrgetter(*FIELDS)


class RowWriter(Protocol):
    def write(self, rows: Sequence[Row]) -> None: ...
    def close(self) -> None: ...


class StreamWriter(RowWriter, Protocol):
    """A writer whose rows become bytes one batch at a time (JSON lines, CSV): `write`
    writes what `render` gives, after whatever the writer wrote when made (a header)."""

    def render(self, rows: Sequence[Row]) -> bytes: ...


class JsonLinesWriter:
    """One JSON object per row, keys in contract order: the default, and streamable."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._encode_lines = msgspec.json.Encoder().encode_lines

    def render(self, rows: Sequence[Row]) -> bytes:
        """The bytes `write` would write for these rows."""
        # always a list: given a tuple, msgspec 0.22's encode_lines leaks memory on every call
        return self._encode_lines(list(rows))

    def write(self, rows: Sequence[Row]) -> None:
        self._stream.write(self.render(rows))

    def close(self) -> None:
        self._stream.flush()


class CsvWriter:
    """RFC 4180 CSV with a header; nulls are empty cells, booleans `true`/`false`."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\n")
        self._csv.writerow(FIELDS)
        self._stream.write(self._taken())

    def render(self, rows: Sequence[Row]) -> bytes:
        """The bytes `write` would write for these rows."""
        for row in rows:
            self._csv.writerow(_cell(value) for value in row_values(row))
        return self._taken()

    def write(self, rows: Sequence[Row]) -> None:
        self._stream.write(self.render(rows))

    def _taken(self) -> bytes:
        text = self._text.getvalue()
        self._text.seek(0)
        self._text.truncate()
        return text.encode()

    def close(self) -> None:
        self._stream.flush()


class TableWriter:
    """An aligned table for people; it needs every row to size its columns, so it buffers."""

    COLUMNS = ("interaction", "party", "kind", "resource", "fact", "descriptor", "rule")

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._cells: list[tuple[str, ...]] = []

    def write(self, rows: Sequence[Row]) -> None:
        for row in rows:
            # for a terminal: an id holding an escape sequence is shown, not obeyed
            self._cells.append(tuple(printable(cell) for cell in (
                row.interaction, row.party, row.kind, row.resource, row.fact, row.descriptor, row.rule or "-")))

    def close(self) -> None:
        lines = [self.COLUMNS, *self._cells]
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.COLUMNS))]
        text = "".join(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() + "\n"
            for line in lines
        )
        self._stream.write(text.encode())
        self._stream.flush()


WRITERS = {"jsonl": JsonLinesWriter, "csv": CsvWriter, "table": TableWriter}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sorted_rows(rows: Iterable[Row]) -> list[Row]:
    """Rows ordered by interaction id, then by the party's place in its interaction."""
    return sorted(rows, key=lambda row: row.interaction)
