"""Generated streams cut into batches, and what `run --state` makes of them."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

from rulesengine.cli import main
from rulesengine.events.generate import generate_lines


def stream(count: int, seed: int) -> list[str]:
    """Interleaved generated chats, with a few lines broken and a few `interaction.ended` repeated
    later (late events), so that batches carry broken interactions and late ids across. Every
    interaction ends within the stream (one still open at its end would stay in the state)."""
    rng = random.Random(seed)
    lines = list(generate_lines(count, seed))
    breakable = [index for index, line in enumerate(lines) if '"interaction.ended"' not in line]
    for index in rng.sample(breakable, k=min(3, len(breakable))):
        lines[index] = lines[index][: len(lines[index]) // 2]  # cut short: its interaction is rejected
    ended = [line for line in lines if '"interaction.ended"' in line]
    for line in rng.sample(ended, k=min(3, len(ended))):
        lines.insert(rng.randrange(lines.index(line) + 1, len(lines) + 1), line)
    return lines


def cut(lines: list[str], cuts: list[int], folder: Path) -> list[str]:
    """The lines written as batch files, cut before each index of `cuts`."""
    bounds = [0, *sorted(set(cuts)), len(lines)]
    paths = []
    for number, (start, end) in enumerate(itertools.pairwise(bounds)):
        path = folder / f"batch{number}.jsonl"
        path.write_text("".join(line + "\n" for line in lines[start:end]), encoding="utf-8")
        paths.append(str(path))
    return paths


def run(*argv: str) -> int:
    return main(["run", *argv])


def by_interaction(rows: bytes) -> bytes:
    """JSON rows in the order `--sort` gives: by interaction id, each interaction's rows as written."""
    lines = rows.splitlines(keepends=True)
    return b"".join(sorted(lines, key=lambda line: json.loads(line)["interaction"]))
