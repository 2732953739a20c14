"""The table `run --format table` prints for people, fitted to a width when one is given.

A terminal is narrower than a row in full (the sample's widest is about 230 characters),
so when the caller gives a width, the table gives way in a fixed order: parties lose
the interaction id they repeat, then columns are dropped or cut (with `…`) until it
fits. Without a width every column is shown in full, so a table written to a file or
a pipe stays the same wherever it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from rulesengine.diagnostics import printable
from rulesengine.output.files import BinarySink

if TYPE_CHECKING:
    from rulesengine.output.rows import Row

HEADERS = ("interaction", "party", "kind", "resource", "record", "descriptor", "rule")
GAP = "  "
#: after the descriptor of a row whose interaction had not ended: it may still change
PROVISIONAL = " (provisional)"
ELLIPSIS = "…"


@attrs.frozen
class Drop:
    """Leave a column out."""

    column: str


@attrs.frozen
class Cut:
    """Shorten a column's cells, down to `floor` characters at most."""

    column: str
    floor: int


#: what gives way, in order, until the table fits. Long interaction ids are cut first
#: (their start tells them apart), then columns found elsewhere go: rule ids are in every
#: other format and in `explain`, the kind shows in the usual party ids (`q1`, `s1`,
#: `a1`). Cuts of the descriptor spare the common ones (36 characters hold
#: `Received/Diverted [AnsweredByAgent]`) until nothing else is left to give.
FITTING: tuple[Drop | Cut, ...] = (
    Cut("interaction", 20),
    Drop("rule"),
    Drop("record"),
    Cut("descriptor", 36),
    Drop("kind"),
    Cut("interaction", len("interaction")),
    Cut("resource", len("resource")),
    Cut("descriptor", 20),
)


def cells(row: Row, *, short_party: bool) -> tuple[str, ...]:
    """The row's cells in `HEADERS` order; `short_party` drops the interaction id from the party."""
    party = row.party
    if short_party and party.startswith(f"{row.interaction}.") and len(party) > len(row.interaction) + 1:
        party = party[len(row.interaction) + 1:]
    descriptor = row.descriptor + (PROVISIONAL if row.provisional else "")
    # for a terminal: an id holding an escape sequence is shown, not obeyed
    return tuple(printable(cell) for cell in (row.interaction, party, row.kind, row.resource, row.record,
                                              descriptor, row.rule or "-"))


def fitted_widths(natural: dict[str, int], width: int) -> dict[str, int]:
    """The columns kept and their widths, after as many `FITTING` steps as `width` needs.

    A cut that a later drop made unnecessary is given back, last cut first, as far as
    the width allows.
    """
    widths = dict(natural)
    cut: list[str] = []
    for step in FITTING:
        excess = _total(widths) - width
        if excess <= 0:
            break
        if isinstance(step, Drop):
            del widths[step.column]
        else:
            current = widths[step.column]
            widths[step.column] = max(min(current, step.floor), current - excess)
            cut.append(step.column)
    for column in reversed(cut):
        if column in widths:
            spare = width - _total(widths)
            widths[column] = min(natural[column], widths[column] + max(spare, 0))
    return widths


def _total(widths: dict[str, int]) -> int:
    return sum(widths.values()) + len(GAP) * (len(widths) - 1)


def render(rows: Sequence[Row], width: int | None = None) -> str:
    """The whole table, header first; fitted to `width` characters when given."""
    lines = [(HEADERS, False), *((cells(row, short_party=width is not None), row.provisional)
                                 for row in rows)]
    widths = {name: max(len(line[i]) for line, _ in lines) for i, name in enumerate(HEADERS)}
    if width is not None:
        widths = fitted_widths(widths, width)
    kept = [(i, widths[name], name == "descriptor") for i, name in enumerate(HEADERS) if name in widths]
    return "".join(
        GAP.join(_clip(line[i], size, PROVISIONAL if marked and provisional else "").ljust(size)
                 for i, size, marked in kept).rstrip() + "\n"
        for line, provisional in lines
    )


def _clip(text: str, size: int, mark: str) -> str:
    """`text` cut to `size` with an ellipsis; `mark`, which ends it, is never cut away."""
    if len(text) <= size:
        return text
    return text[:size - len(ELLIPSIS) - len(mark)] + ELLIPSIS + mark


class TableWriter:
    """An aligned table for people; it needs every row to size its columns, so it buffers."""

    def __init__(self, stream: BinarySink, width: int | None = None):
        self._stream = stream
        self._width = width
        self._rows: list[Row] = []

    def write(self, rows: Sequence[Row]) -> None:
        self._rows.extend(rows)

    def close(self) -> None:
        self._stream.write(render(self._rows, self._width).encode())
        self._stream.flush()
