"""Running `rulesengine` as a child process and reading its wall time and peak RSS.

`os.wait4` gives the resource usage of exactly that child, so successive
measurements in one benchmark process do not mix (`RUSAGE_CHILDREN` would report the
largest child so far).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence

import attrs


@attrs.frozen
class Measured:
    """One run of a command: wall seconds, peak resident set in KiB, exit status."""

    seconds: float
    peak_kib: int
    status: int


def run_child(args: Sequence[str]) -> Measured:
    """Run `python -m rulesengine ARGS` with stdout and stderr discarded."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "rulesengine", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, usage.ru_maxrss, child.returncode)
