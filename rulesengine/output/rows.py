"""Descriptor rows and the writers that put them out (JSON lines, CSV; the table is in `table`).

A `Row` joins what the interaction model knows of a party with what the rules
decided for it (`Decision`). Writers get rows one interaction at a time, so the main job
streams; where their bytes go is `output_files`' business.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Protocol

import msgspec
import msgspec.structs

from rulesengine.decide.decision import Decision, descriptor_text
from rulesengine.model.interaction import InteractionModel, Party
from rulesengine.output.files import BinarySink
from rulesengine.output.table import TableWriter


class Row(msgspec.Struct, frozen=True, gc=False):
    """One descriptor row, fields in the order of the output contract.

    One per party on the main job's path, so a `msgspec.Struct`: cheap to build, and
    encoded to JSON by msgspec directly, keys in field order.
    """

    interaction: str
    party: str
    kind: str
    resource: str
    record: str
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
    def of(cls, model: InteractionModel, party: Party, decision: Decision) -> Row:
        rule, rule_at = decision.rule_columns
        # positional, in field order: keywords cost a third of the call, once per row
        return cls(
            model.id, party.id, party.kind, party.resource, decision.record, party.start.ts, party.end.ts,
            party.alert_ms, party.engage_ms, decision.resource_role, decision.role_reason,
            decision.technical_result, decision.result_reason, rule, rule_at, model.provisional,
        )

    def to_dict(self) -> dict[str, str | int | bool | None]:
        """The row as a dict, keys in contract order: what one JSON line of `run` holds."""
        return msgspec.structs.asdict(self)

    @property
    def descriptor(self) -> str:
        """`Role [Reason]/Result [Reason]`, the way the warehouse documentation writes it."""
        return descriptor_text(self.resource_role, self.role_reason, self.technical_result, self.result_reason)


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

    def __init__(self, stream: BinarySink):
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

    def __init__(self, stream: BinarySink):
        self._stream = stream
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\n")
        self._csv.writerow(FIELDS)
        self._stream.write(self._taken())

    def render(self, rows: Sequence[Row]) -> bytes:
        """The bytes `write` would write for these rows."""
        for row in rows:
            cells = [_cell(value) for value in row_values(row)]
            if any("\r" in cell for cell in cells):
                self._text.write(_quoting_returns(cells))
            else:
                self._csv.writerow(cells)
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


#: the writers of the formats whose rows become bytes batch by batch
STREAM_WRITERS: dict[str, Callable[[BinarySink], StreamWriter]] = {"jsonl": JsonLinesWriter, "csv": CsvWriter}
WRITERS: dict[str, Callable[[BinarySink], RowWriter]] = {**STREAM_WRITERS, "table": TableWriter}


def _quoting_returns(cells: list[str]) -> str:
    """A CSV line of cells one of which holds a carriage return, which RFC 4180 quotes: Python's
    `csv` quotes a cell for the characters of its own line end only (`\\n` here), so the line is
    written with `\\r\\n`, which quotes both, and its own end made `\\n` again."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow(cells)
    return text.getvalue()[:-2] + "\n"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
