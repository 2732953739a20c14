"""Input order must not matter: interleaving, shuffling and splitting give the same result."""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events.assemble import Interaction, Rejection, assemble

from .builders import routed, transfer, write


def broken_by(interaction: str) -> list[dict]:
    items = routed(interaction)
    items[4]["by"] = f"{interaction}.q1"  # the queue already left
    return items


def duplicate_seq(interaction: str) -> list[dict]:
    items = transfer(interaction)
    items[5]["seq"] = 5
    return items


def bad_line(interaction: str) -> list[dict]:
    items = routed(interaction)
    items[3]["event"] = "party.lef"
    return items


SHAPES = {"routed": routed, "transfer": transfer, "broken_by": broken_by,
          "duplicate_seq": duplicate_seq, "bad_line": bad_line}


def outcome(paths: list[str]) -> tuple[dict[str, Interaction], Counter]:
    """Interactions by id (events carry a mapping, so they do not hash) and rejection counts."""
    interactions: dict[str, Interaction] = {}
    rejected: Counter = Counter()
    for item in assemble(paths):
        if isinstance(item, Rejection):
            rejected[(item.interaction, item.kind, tuple(sorted(d.code for d in item.diagnostics)))] += 1
        else:
            assert item.id not in interactions
            interactions[item.id] = item
    return interactions, rejected


@settings(max_examples=60, deadline=None)
@given(shapes=st.lists(st.sampled_from(sorted(SHAPES)), min_size=1, max_size=6),
       rnd=st.randoms(use_true_random=False), files=st.integers(min_value=1, max_value=4))
def test_interleaving_shuffling_and_splitting_change_nothing(shapes, rnd: random.Random, files):
    groups = [SHAPES[shape](f"i{number}") for number, shape in enumerate(shapes)]
    canonical = [item for group in groups for item in group]
    for group in groups:  # any order inside an interaction, interaction.ended still last
        body = group[:-1]
        rnd.shuffle(body)
        group[:-1] = body
    turns = [number for number, group in enumerate(groups) for _ in group]
    rnd.shuffle(turns)
    cursors = [iter(group) for group in groups]
    stream = [next(cursors[number]) for number in turns]
    cuts = sorted(rnd.randint(0, len(stream)) for _ in range(files - 1))
    chunks = [stream[start:end] for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True)]

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        expected = outcome([str(write(base / "canonical.jsonl", canonical))])
        paths = [str(write(base / f"part{number}.jsonl", chunk)) for number, chunk in enumerate(chunks)]
        assert outcome(paths) == expected

    interactions, rejected = expected
    assert len(interactions) == sum(shape in ("routed", "transfer") for shape in shapes)
    assert sum(rejected.values()) == len(shapes) - len(interactions)
