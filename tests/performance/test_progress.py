"""The progress line: its text, its silence off a terminal, its pace on one."""

from __future__ import annotations

import io

from rulesengine.cli.progress import ERASE, Progress, render


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_render_gives_counts_and_rate() -> None:
    text = render(120_000, 455_210, 12.0)
    assert text == "rulesengine: 120,000 interactions, 455,210 rows, 10,000 interactions/s"


def test_render_at_time_zero_has_no_rate() -> None:
    assert render(0, 0, 0.0).endswith(" 0 interactions/s")


def test_silent_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = Progress(stream, clock=clock)
    for count in range(1, 100):
        clock.now += 1
        progress.update(count, count * 3)
    progress.close()
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_on_a_terminal_it_waits_then_redraws_in_place_and_erases() -> None:
    stream = Terminal()
    clock = Clock()
    progress = Progress(stream, clock=clock, delay=1.0, every=0.5)
    progress.update(10, 30)
    assert stream.getvalue() == ""  # short runs show nothing
    clock.now += 2.0
    progress.update(20, 60)
    clock.now += 0.1
    progress.update(21, 63)  # too soon to redraw
    clock.now += 0.5
    progress.update(30, 90)
    progress.close()
    assert stream.getvalue() == (
        ERASE + "rulesengine: 20 interactions, 60 rows, 10 interactions/s"
        + ERASE + "rulesengine: 30 interactions, 90 rows, 12 interactions/s"
        + ERASE)
