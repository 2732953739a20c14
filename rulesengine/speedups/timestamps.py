"""The usual UTC timestamps read a minute at a time.

Nearly every timestamp of a stream is `YYYY-MM-DDTHH:MM:SSZ` or
`YYYY-MM-DDTHH:MM:SS.mmmZ`, and events of one minute share its first 16
characters. Parsing that minute once (the caller remembers it) and reading the
seconds and milliseconds as one number is several times faster than a full parse
of each; any other shape is left to the full parse.
"""

from __future__ import annotations

from collections.abc import Callable

#: answers remembered by the callers' caches, each bounded to this many
KEPT = 4096


def utc_ms(ts: str, minute_ms: Callable[[str], int | None]) -> int | None:
    """Epoch milliseconds of `ts` in one of the two usual shapes, from `minute_ms` of its
    `YYYY-MM-DDTHH:MM` prefix; None when `ts` has another shape or its minute is no time,
    for the full parse to decide."""
    size = len(ts)
    if ((size == 24 and ts[19] == ".") or size == 20) and ts[-1] == "Z" and ts[16] == ":":
        minute = minute_ms(ts[:16])
        clock = ts[17:19] + (ts[20:23] if size == 24 else "000")
        if minute is not None and clock.isdigit() and clock.isascii() and clock < "6":
            return minute + int(clock)
    return None
