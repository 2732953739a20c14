"""Hostile shapes of input that once took quadratic time, at doubling sizes.

    .venv/bin/python -m benchmarks.scaling [--rounds 3] [--largest 8]

Each case is one small input that grows with N, run through the whole event stage
and the writers (`rulesengine run FILE --jobs 1 --output /dev/null --rejects
/dev/null`, in this process, diagnostics discarded), best of `--rounds`, for N, 2N,
... up to `--largest` times N. Linear work shows as a flat "µs per item" column and a
time that doubles with N:

- `seq strings`: one line missing `seq` whose `data` holds N strings `"seq"` (the
  search for the key's column once copied the rest of the line at every one);
- `unknown leavers`: one interaction with N `party.left` events of parties that never
  arrived (each problem once walked all events for its hint);
- `unknown inviters`: one interaction whose N agents are invited `by` parties that
  never were (each hint once compared the name with every party's);
- `broken lines`: one interaction with N lines whose `ts` is not a timestamp (every
  diagnostic was kept and listed);
- `cut line`: one line cut short whose `data` holds N strings `"interaction"` (its id
  is read from its own top-level key, following the text token by token).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from rulesengine.cli import main as rulesengine

_TS = "2026-03-02T10:00:00Z"


def _event(seq: int, event: str, **fields: object) -> dict:
    return {"interaction": "c1", "seq": seq, "ts": _TS, "event": event, **fields}


def seq_strings(count: int) -> list[dict]:
    line = _event(1, "interaction.created", media="chat", data={"x": ["seq"] * count})
    del line["seq"]
    return [line]


def cut_line(count: int) -> list[bytes]:
    line = orjson.dumps(_event(1, "interaction.created", media="chat", data={"x": ["interaction"] * count}))
    return [line[:-3]]


def unknown_leavers(count: int) -> list[dict]:
    return [_event(1, "interaction.created", media="chat"),
            *(_event(2 + n, "party.left", party=f"c1.u{n}") for n in range(count)),
            _event(count + 2, "interaction.ended")]


def unknown_inviters(count: int) -> list[dict]:
    return [_event(1, "interaction.created", media="chat"),
            *(_event(2 + n, "party.invited", party=f"c1.a{n}", kind="agent", resource="A", by=f"c1.x{n}",
                     intent="route") for n in range(count)),
            _event(count + 2, "interaction.ended")]


def broken_lines(count: int) -> list[dict]:
    return [_event(1, "interaction.created", media="chat"),
            *({**_event(2 + n, "customer.left"), "ts": "later"} for n in range(count)),
            _event(count + 2, "interaction.ended")]


#: case -> (input of size N as records or raw lines, the smallest N)
CASES: dict[str, tuple[Callable[[int], list[dict] | list[bytes]], int]] = {
    "seq strings": (seq_strings, 100_000),
    "cut line": (cut_line, 100_000),
    "unknown leavers": (unknown_leavers, 2_000),
    "unknown inviters": (unknown_inviters, 2_000),
    "broken lines": (broken_lines, 2_000),
}


def seconds_to_run(path: Path, rounds: int) -> float:
    """The best of `rounds` whole runs over `path`, diagnostics and summary discarded."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):
            status = rulesengine(["run", str(path), "--jobs", "1", "--output", os.devnull,
                                  "--rejects", os.devnull])
        best = min(best, time.perf_counter() - started)
        if status not in (0, 1):
            raise SystemExit(f"rulesengine run {path} failed with {status}")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument("--largest", type=int, default=8, help="the largest size, in multiples of the first "
                                                               "(default 8)")
    args = parser.parse_args(argv)
    print("| case | N | seconds | µs per item | time / time at N/2 |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, (make, first) in CASES.items():
            previous = None
            size = first
            while size <= first * args.largest:
                path = Path(folder) / "input.jsonl"
                path.write_bytes(b"".join((item if isinstance(item, bytes) else orjson.dumps(item)) + b"\n"
                                          for item in make(size)))
                seconds = seconds_to_run(path, args.rounds)
                growth = f"{seconds / previous:.2f}" if previous else ""
                print(f"| {name} | {size:,} | {seconds:.3f} | {seconds / size * 1e6:.1f} | {growth} |", flush=True)
                previous = seconds
                size *= 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
