"""The usual UTC timestamps read a second at a time.

Nearly every timestamp of a stream is `YYYY-MM-DDTHH:MM:SSZ` or
`YYYY-MM-DDTHH:MM:SS.mmmZ`, and events of one second share its first 19
characters. Parsing that second once (the caller remembers it) and looking the
milliseconds up in a table of their 1,000 spellings costs a third less than a full
parse of each; any other shape is left to the full parse.
"""

from __future__ import annotations

from collections.abc import Callable

#: answers remembered by the callers' caches, each bounded to this many
KEPT = 4096

#: `mmm` → its milliseconds
_MILLIS = {f"{milli:03d}": milli for milli in range(1000)}


def utc_reader(parse_second: Callable[[str], int | None],
               other_ms: Callable[[str], int | None]) -> Callable[[str], int | None]:
    """A reader of epoch milliseconds: a timestamp in one of the two usual shapes from its
    `YYYY-MM-DDTHH:MM:SS` prefix, parsed by `parse_second` once and remembered, and its
    milliseconds; any other (or one whose second is no time) from `other_ms`, the full
    parse. One function, so that the usual timestamp costs one call.

    The seconds are remembered in a plain dict, emptied when it holds `KEPT` of them: a
    lookup there costs less than an LRU cache's, and a stream's seconds come nearly in
    order, so little is lost by forgetting them all at once.
    """
    millis = _MILLIS.get
    seconds: dict[str, int | None] = {}

    def read(ts: str) -> int | None:
        size = len(ts)
        if size == 24 and ts[23] == "Z" and ts[19] == ".":
            milli = millis(ts[20:23])
        elif size == 20 and ts[19] == "Z":
            milli = 0
        else:
            return other_ms(ts)
        prefix = ts[:19]
        try:
            second = seconds[prefix]
        except KeyError:
            if len(seconds) >= KEPT:
                seconds.clear()
            second = seconds[prefix] = parse_second(prefix)
        return other_ms(ts) if second is None or milli is None else second + milli

    return read
