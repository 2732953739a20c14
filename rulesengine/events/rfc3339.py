"""RFC 3339 timestamps with a zone, as epoch milliseconds: what a valid `ts` is.

Both ways a line is read use this one reading: the decoder's short cut for valid
lines, and the diagnostic pass (E105) for the lines it refuses.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from rulesengine.speedups.timestamps import KEPT, utc_reader

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def _minute_ms(minute: str) -> int | None:
    return parse_ms(minute + ":00Z")


@functools.lru_cache(maxsize=KEPT)
def _other_ms(ts: str) -> int | None:
    return parse_ms(ts)


#: Epoch milliseconds of an RFC 3339 timestamp with a zone, or None if it is not one: the
#: usual UTC shapes read a second at a time, each new second from its minute (`speedups.timestamps`),
#: recent answers for other shapes remembered.
timestamp_ms = utc_reader(_minute_ms, _other_ms)


def parse_ms(ts: str) -> int | None:
    """`timestamp_ms` the long way, for any shape: the reference the short cut is held to."""
    if (len(ts) < 20 or ts[4] != "-" or ts[7] != "-" or ts[10] not in "Tt"
            or ts[13] != ":" or ts[16] != ":" or ts[19] not in ".Zz+-"):
        return None
    if ts[-1] not in "Zz" and (ts[-6] not in "+-" or ts[-3] != ":"):
        return None
    if ts[19] == "." and not ts[20:21].isdigit():
        return None
    if ts[10] == "t" or ts[-1] == "z":
        ts = ts.upper()
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return (moment - _EPOCH) // _ONE_MS
