"""Source timestamps in, epoch milliseconds and contract `ts` text out.

Platforms write times their own way: RFC 3339 text (Genesys Cloud), epoch
milliseconds as a number or a string (Twilio `TimestampMs`, `event_date_ms`).
A time that is almost RFC 3339 but writes a field with one digit
(`2021-04-2T15:30:51.418Z`, seen in published Genesys Cloud records) is read as
what it plainly means when repair is allowed, and reported as repaired so the
adapter can count and note it; anything else is not a time.
"""

from __future__ import annotations

import functools
import re
from calendar import timegm
from datetime import UTC, datetime
from typing import NamedTuple

from rulesengine.speedups.timestamps import KEPT, utc_reader

#: RFC 3339 as Genesys Cloud and most platforms write it, with room for one-digit fields
_LOOSE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?"
    r"([Zz]|[+-]\d{2}:?\d{2})\Z")
#: the widths RFC 3339 requires of month, day, hour, minute and second
_WIDTHS = (2, 2, 2, 2, 2)
#: epoch milliseconds of years 1970 to 9999: anything else is not a plausible time
_EARLIEST, _LATEST = 0, 253_402_300_800_000


class Moment(NamedTuple):
    """A time read from a source: epoch milliseconds, and whether its text had to be repaired
    (a tuple: one is made for every time of every record)."""

    ms: int
    repaired: bool = False


def parse_text(text: object, *, repair: bool) -> Moment | None:
    """The moment an RFC 3339 text names, or None if it names none.

    With `repair`, one-digit month, day, hour, minute or second fields are read
    as if zero-padded (the result says so); without it such a text is no time.
    Most times are written `2021-04-01T12:27:53.386Z`: their second is worked out
    once from its minute and remembered, their milliseconds looked up.
    """
    if type(text) is not str:
        return None
    ms = _usual_ms(text)
    return _parsed(text, repair) if ms is None else Moment(ms)


def _minute_ms(minute: str) -> int | None:
    """Epoch milliseconds of a `YYYY-MM-DDTHH:MM` prefix, or None if it is not one."""
    moment = _parsed(minute + ":00Z", repair=False)
    return None if moment is None else moment.ms


#: a time of another shape has no short cut: `_parsed` reads it
_usual_ms = utc_reader(_minute_ms, lambda _text: None)


def _parsed(text: str, repair: bool) -> Moment | None:
    found = _LOOSE.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    short = any(len(field) < width for field, width in zip((month, day, hour, minute, second), _WIDTHS, strict=True))
    if short and not repair:
        return None
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          tzinfo=UTC)
    except ValueError:
        return None
    ms = timegm(moment.utctimetuple()) * 1000 + int((fraction or "0")[:3].ljust(3, "0"))
    ms -= _offset_ms(zone)
    if not _EARLIEST <= ms < _LATEST:
        return None
    return Moment(ms, short)


def _offset_ms(zone: str) -> int:
    if zone in ("Z", "z"):
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000


def parse_epoch_ms(value: object) -> int | None:
    """Epoch milliseconds given as a whole number or its decimal text, or None."""
    if type(value) is str and value.isascii() and value.isdigit():
        value = int(value)
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int or not _EARLIEST <= value < _LATEST:
        return None
    return value


def ts_text(ms: int) -> str:
    """The contract's `ts` for epoch milliseconds: UTC, with milliseconds (`...T10:00:07.250Z`)."""
    minute, rest = divmod(ms, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{_minute_text(minute)}:{seconds:02d}.{millis:03d}Z"


@functools.lru_cache(maxsize=KEPT)
def _minute_text(minute: int) -> str:
    """`YYYY-MM-DDTHH:MM` of a minute since the epoch."""
    return f"{datetime.fromtimestamp(minute * 60, UTC):%Y-%m-%dT%H:%M}"
