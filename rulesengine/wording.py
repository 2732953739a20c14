"""How counts are written in the messages people read: `1 row`, `2 rows`, `1 party`.

Every count in a summary, a warning or a progress line goes through `counted`, so no
message says "1 parties" however the numbers fall; a noun named at run time takes its
article from `a`, so none says "a agent".
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


def a(word: str) -> str:
    """`word` after the indefinite article its first letter calls for: `an agent`, `a queue`."""
    return f"{'an' if word[:1].lower() in _VOWELS else 'a'} {word}"


_VOWELS = frozenset("aeiou")
