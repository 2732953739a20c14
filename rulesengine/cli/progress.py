"""A progress line on stderr for long runs: rows so far and interactions per second (`run`),
or how far an analysis has gone (`check`).

Only a person watching a terminal wants it; in a pipe, a log file or CI it would
be noise, so it stays silent unless the stream is a terminal. Short runs never
show it either: the first line appears after `delay` seconds, then at most every
`every` seconds, overwritten in place and erased at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rulesengine.wording import counted

ERASE = "\r\x1b[K"


def render(interactions: int, rows: int, seconds: float) -> str:
    """The progress text, e.g. `rulesengine: 120,000 interactions, 455,210 rows, 9,870 interactions/s`."""
    rate = interactions / seconds if seconds > 0 else 0.0
    return (f"rulesengine: {counted(interactions, 'interaction', grouped=True)}, "
            f"{counted(rows, 'row', grouped=True)}, {rate:,.0f} interactions/s")


#: the progress text of two running counts after some seconds (`render` for `run`)
Text = Callable[[int, int, float], str]


class Progress:
    """Redraws the progress line from running counts; a no-op when not on a terminal."""

    def __init__(self, stream: TextIO, *, enabled: bool | None = None, delay: float = 1.0,
                 every: float = 0.25, clock: Callable[[], float] = time.monotonic, text: Text = render) -> None:
        self.stream = stream
        self.text = text
        self.enabled = stream.isatty() if enabled is None else enabled
        self.every = every
        self.clock = clock
        self.started = clock()
        self._next = self.started + delay
        self._shown = False

    def update(self, interactions: int, rows: int) -> None:
        """Called as the counts grow (for every interaction, in `run`); draws only when the next
        draw is due."""
        if not self.enabled:
            return
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.every
        self.stream.write(ERASE + self.text(interactions, rows, now - self.started))
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Erase the line, so the summary that follows starts clean."""
        if self._shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self._shown = False
