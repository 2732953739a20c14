"""The state `run --state` keeps between batches: its size and the time to save and load it.

    .venv/bin/python -m benchmarks.state [--open 100000] [--rounds 3]

Generates `--open` chats and cuts each one off before its second half (no
`interaction.ended`), feeds those lines to an assembler that keeps what is open, then
prints the size of the state file, the events it holds, and the median time of
writing it (`StateFolder.commit`) and of reading it back (`StateFolder.load`, which
reads every event line again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict

import orjson

from rulesengine.events.assemble import Assembler
from rulesengine.events.generate import generate_lines
from rulesengine.events.read import read_line
from rulesengine.runtime.state import StateFolder


def open_chats(count: int) -> Assembler:
    """An assembler holding `count` chats, each cut off half way."""
    events: dict[str, list[str]] = defaultdict(list)
    for line in generate_lines(count, 1):
        events[orjson.loads(line)["interaction"]].append(line)
    assembler = Assembler(keep_open=True)
    number = 0
    for lines in events.values():
        for line in lines[: max(1, len(lines) // 2)]:
            number += 1
            assembler.counts.lines = number
            assembler.take(read_line(line.encode(), "events.jsonl", number))
    list(assembler.finish())
    return assembler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open chats to keep")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    carried = open_chats(args.open).carry_over()
    events = sum(len(held.events) for held in carried.open)
    saves, loads = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            state = StateFolder(folder)
            started = time.perf_counter()
            state.commit(carried, None, [])
            saves.append(time.perf_counter() - started)
            started = time.perf_counter()
            loaded = state.load()
            loads.append(time.perf_counter() - started)
            state.close()
            assert len(loaded.open) == len(carried.open)
        size = os.path.getsize(os.path.join(folder, "state"))
    print(f"{len(carried.open):,} open chats, {events:,} events: state file {size / 2**20:.1f} MiB "
          f"({size / events:.0f} bytes an event); save {statistics.median(saves):.2f}s, "
          f"load {statistics.median(loads):.2f}s (median of {args.rounds})")


if __name__ == "__main__":
    main()
