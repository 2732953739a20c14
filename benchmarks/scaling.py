"""Hostile shapes of input that once took quadratic time, at doubling sizes.

    .venv/bin/python -m benchmarks.scaling [--rounds 3] [--largest 8]

Each case is one small input that grows with N, run through the whole event stage
and the writers (`rulesengine run FILE --jobs 1 --output /dev/null --rejects
/dev/null`, in this process, its collector set as the command sets its own, diagnostics
discarded), best of `--rounds`, for N, 2N,
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
  is read from its own top-level key, following the text token by token);
- `comment lines`: N comment and blank lines before one interaction (each line the
  decoder refuses is read on its own, and the lines after it were once walked again
  from the start of their block of lines);
- `hop chain`: one interaction of N queue-and-strategy hops before an agent (what each
  mediation party led to is a fact that recurses down the parties it brought in, worked
  out once per party, not a walk of everything below it from every party).

Rule layers of N rules, loaded by `rulesengine run EMPTY --rules FILE` with the cache of
rule sets off (`RULESENGINE_NO_CACHE`): the load every run pays the first time it meets a
layer (`check` would add its bounded search, which grows with what the rules test):

- `tying rules`: N rules of one priority that may all tie with one another (`alert >
  Ns`, four outcomes in turn): every pair was once compared, listed as a possible tie,
  and tested by generated code, in time and memory that grew with N²;
- `pinned rules`: N rules of one priority, each about one resource (`resource ==
  "Agent_N"`), in turn two outcomes: exclusive, once proved so pair by pair.
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
from rulesengine.speedups.collector import fewer_young_collections
from rulesengine.speedups.parser_cache import OFF_SWITCH

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


def comment_lines(count: int) -> list[bytes]:
    """N comment and blank lines in turn, then one interaction: lines the decoder refuses, each
    read on its own."""
    return [*(b"# padding" if n % 2 else b"" for n in range(count)),
            *map(orjson.dumps, unknown_leavers(1))]


def hop_chain(count: int) -> list[dict]:
    """N queue-and-strategy hops, each strategy placing the chat in the next queue, then an agent."""
    events = [_event(1, "interaction.created", media="chat")]
    previous = None
    for hop in range(count):
        queue, strategy = f"c1.q{hop}", f"c1.s{hop}"
        events.append(_event(0, "party.entered", party=queue, kind="queue", resource="Q",
                             **({"by": previous} if previous else {})))
        if previous:
            events.append(_event(0, "party.left", party=previous))
        events.append(_event(0, "party.entered", party=strategy, kind="strategy", resource="S", by=queue))
        events.append(_event(0, "party.left", party=queue))
        previous = strategy
    events += [_event(0, "party.invited", party="c1.a1", kind="agent", resource="A", by=previous, intent="route"),
               _event(0, "party.left", party=previous),
               _event(0, "party.accepted", party="c1.a1"),
               _event(0, "party.left", party="c1.a1"),
               _event(0, "interaction.ended")]
    return [{**event, "seq": seq} for seq, event in enumerate(events, start=1)]


_OUTCOMES = ("Completed", "Abandoned reason Revoked", "Redirected reason Rejected", "Transferred")


def tying_rules(count: int) -> str:
    return "\n".join(f'rule site.t{n}  "ties"  for agent  when alert > {n}s  set result {_OUTCOMES[n % 4]}  '
                     "priority 40" for n in range(count))


def pinned_rules(count: int) -> str:
    return "\n".join(f'rule site.p{n}  "pinned"  for agent  when resource == "Agent_{n}"  '
                     f"set result {_OUTCOMES[n % 2]}  priority 40" for n in range(count))


#: rule layer case -> (the layer of size N, the smallest N)
RULE_CASES: dict[str, tuple[Callable[[int], str], int]] = {
    "tying rules": (tying_rules, 500),
    "pinned rules": (pinned_rules, 500),
}

#: case -> (input of size N as records or raw lines, the smallest N)
CASES: dict[str, tuple[Callable[[int], list[dict] | list[bytes]], int]] = {
    "seq strings": (seq_strings, 100_000),
    "cut line": (cut_line, 100_000),
    "unknown leavers": (unknown_leavers, 2_000),
    "unknown inviters": (unknown_inviters, 2_000),
    "broken lines": (broken_lines, 2_000),
    "comment lines": (comment_lines, 50_000),
    "hop chain": (hop_chain, 1_250),
}


def seconds_to_run(path: Path, rounds: int) -> float:
    """The best of `rounds` whole runs over `path`, diagnostics and summary discarded."""
    return _best_of(rounds, ["run", str(path), "--jobs", "1", "--output", os.devnull, "--rejects", os.devnull])


def seconds_to_load(path: Path, rounds: int) -> float:
    """The best of `rounds` runs over no events with the rule layer at `path` over the defaults,
    loaded anew each time (no cache of rule sets): what loading the layer costs."""
    empty = path.with_name("empty.jsonl")
    empty.write_bytes(b"")
    saved = os.environ.get(OFF_SWITCH)
    os.environ[OFF_SWITCH] = "1"
    try:
        return _best_of(rounds, ["run", str(empty), "--rules", str(path), "--output", os.devnull])
    finally:
        if saved is None:
            del os.environ[OFF_SWITCH]
        else:
            os.environ[OFF_SWITCH] = saved


def _best_of(rounds: int, command: list[str]) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            status = rulesengine(command)
        best = min(best, time.perf_counter() - started)
        if status not in (0, 1):
            raise SystemExit(f"rulesengine {' '.join(command)} failed with {status}")
    return best


def _write_events(path: Path, items: list[dict] | list[bytes]) -> None:
    path.write_bytes(b"".join((item if isinstance(item, bytes) else orjson.dumps(item)) + b"\n" for item in items))


def _print_rows(name: str, first: int, largest: int, measure: Callable[[int], float]) -> None:
    """One table row per size from `first` to `first * largest`, doubling, with the growth."""
    previous = None
    size = first
    while size <= first * largest:
        seconds = measure(size)
        growth = f"{seconds / previous:.2f}" if previous else ""
        print(f"| {name} | {size:,} | {seconds:.3f} | {seconds / size * 1e6:.1f} | {growth} |", flush=True)
        previous = seconds
        size *= 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument("--largest", type=int, default=8, help="the largest size, in multiples of the first "
                                                               "(default 8)")
    args = parser.parse_args(argv)
    fewer_young_collections()  # the collector as the command sets it in its own process
    print("| case | N | seconds | µs per item | time / time at N/2 |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "input.jsonl"
        rules = Path(folder) / "site.rules"

        def run_over(make: Callable[[int], list[dict] | list[bytes]]) -> Callable[[int], float]:
            def measure(size: int) -> float:
                _write_events(events, make(size))
                return seconds_to_run(events, args.rounds)
            return measure

        def load_of(make: Callable[[int], str]) -> Callable[[int], float]:
            def measure(size: int) -> float:
                rules.write_text(make(size), encoding="utf-8")
                return seconds_to_load(rules, args.rounds)
            return measure

        for name, (make, first) in CASES.items():
            _print_rows(name, first, args.largest, run_over(make))
        for name, (make_rules, first) in RULE_CASES.items():
            _print_rows(name, first, args.largest, load_of(make_rules))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
