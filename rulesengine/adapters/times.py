"""Source timestamps in, epoch milliseconds and contract `ts` text out.

Platforms write times their own way: RFC 3339 text (Genesys Cloud), epoch
milliseconds as a number or a string (Twilio `TimestampMs`, `event_date_ms`).
A time that is almost RFC 3339 but writes a field with one digit
(`2021-04-2T15:30:51.418Z`, seen in published Genesys Cloud records) is read as
what it plainly means when repair is allowed, and reported as repaired so the
adapter can count and note it; anything else is not a time.
"""

from __future__ import annotations

import re
from calendar import timegm
from datetime import datetime, timezone
from typing import NamedTuple

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
    Most times are written `2021-04-01T12:27:53.386Z`: their minute is worked out
    once and remembered, their seconds and milliseconds read as one number.
    """
    if type(text) is not str:
        return None
    if len(text) == 24 and text[19] == "." and text[23] == "Z" and text[10] == "T":
        minute = _minute_ms(text[:16])
        clock = text[17:19] + text[20:23]
        if minute is not None and text[16] == ":" and clock.isdigit() and clock.isascii() and clock < "6":
            return Moment(minute + int(clock))
    return _parsed(text, repair)


def _minute_ms(prefix: str) -> int | None:
    """Epoch milliseconds of a `YYYY-MM-DDTHH:MM` prefix (remembered), or None if it is not one."""
    ms = _MINUTES.get(prefix)
    if ms is None:
        moment = _parsed(prefix + ":00Z", repair=False)
        if moment is None:
            return None
        if len(_MINUTES) >= _KEPT:
            _MINUTES.clear()
        ms = _MINUTES[prefix] = moment.ms
    return ms


#: epoch ms of recently seen minutes, and `ts` prefixes of recently written ones; each cleared when full
_MINUTES: dict[str, int] = {}
_PREFIXES: dict[int, str] = {}
_KEPT = 4096


def _parsed(text: str, repair: bool) -> Moment | None:
    found = _LOOSE.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    short = any(len(field) < width for field, width in zip((month, day, hour, minute, second), _WIDTHS))
    if short and not repair:
        return None
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          tzinfo=timezone.utc)
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
    prefix = _PREFIXES.get(minute)
    if prefix is None:
        if len(_PREFIXES) >= _KEPT:
            _PREFIXES.clear()
        prefix = _PREFIXES[minute] = f"{datetime.fromtimestamp(minute * 60, timezone.utc):%Y-%m-%dT%H:%M}"
    seconds, millis = divmod(rest, 1000)
    return f"{prefix}:{seconds:02d}.{millis:03d}Z"
