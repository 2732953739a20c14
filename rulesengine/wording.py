"""How counts are written in the messages people read: `1 row`, `2 rows`, `1 party`.

Every count in a summary, a warning or a progress line goes through `counted`, so no
message says "1 parties" however the numbers fall.
"""

from __future__ import annotations


def noun(number: int, singular: str, plural: str | None = None) -> str:
    """The form of a noun that goes with `number` (plural: `singular` + s unless given)."""
    if number == 1:
        return singular
    return plural if plural is not None else f"{singular}s"


def counted(number: int, singular: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """`number` and the noun that goes with it; `grouped` writes thousands separators."""
    figure = f"{number:,}" if grouped else str(number)
    return f"{figure} {noun(number, singular, plural)}"
