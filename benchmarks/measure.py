"""Running a command as a child process and reading its wall time, CPU time and peak RSS.

The peak comes from GNU time (`/usr/bin/time -f %M`), not from `os.wait4` in this
process: Linux carries a child's pre-`exec` peak over into its own, and a child
spawned from a large benchmark process would report that process's size.

Before the first child runs, the engine's and the benchmarks' modules are compiled to
bytecode, as installing a package leaves them: in a source checkout installed for
development, with `PYTHONDONTWRITEBYTECODE` set, each child would otherwise compile them
anew as it starts (about a tenth of a second that no installed copy pays).
"""

from __future__ import annotations

import compileall
import functools
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

import rulesengine

TIME = "/usr/bin/time"


@attrs.frozen
class Measured:
    """One run of a command: wall seconds, peak resident set in KiB, exit status, and the CPU
    seconds (user and system) it used, which a busy machine inflates far less than wall time."""

    seconds: float
    peak_kib: int
    status: int
    cpu_seconds: float


@functools.cache
def compiled() -> None:
    """The engine's and the benchmarks' modules compiled to bytecode (once per process)."""
    for package in (Path(rulesengine.__file__).parent, Path(__file__).parent):
        compileall.compile_dir(package, quiet=1)


def run_child(args: Sequence[str], module: str = "rulesengine") -> Measured:
    """Run `python -m MODULE ARGS` with stdout and stderr discarded."""
    return run_command([sys.executable, "-m", module, *args])


def run_command(command: Sequence[str]) -> Measured:
    """Run `command` with stdout and stderr discarded, measured by GNU time."""
    compiled()
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        done = subprocess.run([TIME, "-q", "-f", "%M %U %S", "-o", report.name, *command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - started
        peak, user, system = report.read().split()[-3:]
    return Measured(seconds, int(peak), done.returncode, float(user) + float(system))
