"""The usual UTC timestamps read a second at a time, each new second from its minute.

Nearly every timestamp of a stream is `YYYY-MM-DDTHH:MM:SSZ` or
`YYYY-MM-DDTHH:MM:SS.mmmZ`, and events of one second share its first 19
characters. The second is worked out once (the reader remembers it) and the rest,
`Z` or `.mmmZ`, looked up in a table of its 1,001 spellings: a usual timestamp
costs two slices and two lookups, and a rest missing from the table is no usual
shape. A new second costs no full parse either: its minute (`YYYY-MM-DDTHH:MM`, remembered too) plus its
seconds from a table of their 60 spellings. One event in eight opens a new
second in a busy stream, one in several hundred a new minute. Any other shape
is left to the full parse. And before all that, a timestamp equal to the one
read last (two in five lines repeat the line before: events of one moment come
together) is answered from it, at the cost of one comparison.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

#: answers remembered by the callers' caches, each bounded to this many
KEPT = 4096

#: what follows the second in the two usual shapes, `Z` or `.mmmZ` → its milliseconds
_TAILS = {"Z": 0} | {f".{milli:03d}Z": milli for milli in range(1000)}
#: `SS` → its milliseconds past the minute (no leap second: the full parse refuses `60` too)
_SECONDS = {f"{second:02d}": second * 1000 for second in range(60)}


def utc_reader(parse_minute: Callable[[str], int | None],
               other_ms: Callable[[str], int | None]) -> Callable[[str], int | None]:
    """A reader of epoch milliseconds: a timestamp in one of the two usual shapes from its
    second, its second from its `YYYY-MM-DDTHH:MM` minute (parsed by `parse_minute`
    once and remembered) and its seconds, and its milliseconds; any other (or one whose
    minute or second is no time) from `other_ms`, the full parse; the timestamp read last
    from what it read as. One function, so that the usual timestamp costs one call.

    Seconds are remembered in a plain dict, emptied when it holds `KEPT`: a lookup there
    costs less than an LRU cache's, and a stream's times come nearly in order, so little is
    lost by forgetting them all at once. Minutes, looked up only for a new second, are kept
    in an LRU cache of `KEPT`.
    """
    tail_ms = _TAILS.get
    seconds: dict[str, int | None] = {}
    second_ms = seconds.get
    minute_ms = functools.lru_cache(maxsize=KEPT)(parse_minute)

    def second_of(prefix: str) -> int | None:
        past = _SECONDS.get(prefix[17:19])
        if past is None or prefix[16] != ":":
            return None
        start = minute_ms(prefix[:16])
        return None if start is None else start + past

    def new_second(ts: str, prefix: str, milli: int | None) -> int | None:
        """A timestamp whose second is not remembered, or is remembered as no time (None)."""
        if milli is None or len(prefix) < 19 or prefix in seconds:
            return other_ms(ts)
        if len(seconds) >= KEPT:
            seconds.clear()
        second = seconds[prefix] = second_of(prefix)
        return other_ms(ts) if second is None else second + milli

    #: the timestamp read last and what it read as (a line's often repeats the one before)
    last_ts: str | None = None
    last_ms: int | None = None

    def read(ts: str) -> int | None:
        nonlocal last_ts, last_ms
        if ts == last_ts:
            return last_ms
        prefix = ts[:19]
        second = second_ms(prefix)
        milli = tail_ms(ts[19:])
        last_ts = ts
        last_ms = new_second(ts, prefix, milli) if second is None or milli is None else second + milli
        return last_ms

    return read
