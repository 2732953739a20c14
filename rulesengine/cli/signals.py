"""SIGTERM and SIGHUP end a command the way Ctrl-C does: unwinding, so outputs are discarded.

Python's own default for those signals ends the process on the spot, leaving any
temporary output file behind and `--jobs` workers to fend for themselves. While a
command runs they raise `Stopped` in the main thread instead, which unwinds like
`KeyboardInterrupt` through every clean-up on the way out. A signal that was
ignored when the command started (`nohup` ignores SIGHUP) stays ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType

#: the signals that stop a command, other than SIGINT (which Python already turns into KeyboardInterrupt)
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(BaseException):
    """A signal asked the command to stop; a `BaseException`, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[None]:
    """While inside, `STOPPING` signals raise `Stopped` once; a second one during the clean-up it
    starts is ignored, so the clean-up finishes. Outside the main thread, nothing changes."""
    def stop(signum: int, _frame: object) -> None:
        if os.getpid() != owner:
            # a process forked from this one (a `--jobs` worker) before it set its own
            # handlers: the signal does what it would have done there, and ends it
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        for handled in installed:
            signal.signal(handled, signal.SIG_IGN)
        raise Stopped(signum)

    owner = os.getpid()
    installed: dict[int, Callable[[int, FrameType | None], object] | int | signal.Handlers | None] = {}
    try:
        for signum in STOPPING:
            if signal.getsignal(signum) is signal.SIG_DFL:
                installed[signum] = signal.signal(signum, stop)
    except ValueError:  # not the main thread: signals are not ours to handle
        pass
    try:
        yield
    finally:
        for signum, previous in installed.items():
            signal.signal(signum, previous)
