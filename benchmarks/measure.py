"""Running a command as a child process and reading its wall time and peak RSS.

The peak comes from GNU time (`/usr/bin/time -f %M`), not from `os.wait4` in this
process: Linux carries a child's pre-`exec` peak over into its own, and a child
spawned from a large benchmark process would report that process's size.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import attrs

TIME = "/usr/bin/time"


@attrs.frozen
class Measured:
    """One run of a command: wall seconds, peak resident set in KiB, exit status."""

    seconds: float
    peak_kib: int
    status: int


def run_child(args: Sequence[str], module: str = "rulesengine") -> Measured:
    """Run `python -m MODULE ARGS` with stdout and stderr discarded."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        done = subprocess.run([TIME, "-q", "-f", "%M", "-o", report.name, sys.executable, "-m", module, *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - started
        peak = int(report.read().split()[-1])
    return Measured(seconds, peak, done.returncode)
