"""Benchmark corpora: generated event files under `benchmarks/data/`, made once and reused.

A corpus is written streaming (one line at a time, to a temporary name renamed at the
end), so generating a million interactions needs no more memory than ten thousand,
and an interrupted run never leaves a truncated file that a later run would reuse.
"""

from __future__ import annotations

import os
from pathlib import Path

from rulesengine.events.generate import generate_lines

DATA = Path(__file__).resolve().parent / "data"
#: every corpus uses this seed, so figures from different runs compare
SEED = 7


def corpus(count: int, seed: int = SEED) -> Path:
    """The path of a generated corpus of `count` interactions, generating it if missing."""
    path = DATA / f"events-{count}-s{seed}.jsonl"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with open(partial, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(f"{line}\n" for line in generate_lines(count, seed))
    os.replace(partial, path)
    return path
