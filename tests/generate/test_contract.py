"""Fixtures, generated streams and the bundled sample all keep the event contract."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from rulesengine.events.assemble import Rejection, StreamStats, assemble
from rulesengine.events.generate import SAMPLE_COUNT, generate_lines

from .contract import events_of, problems
from .profiles import EVERY_SHAPE, FIXTURES, FLOWS

GOOD = FLOWS / "c03_transfer.jsonl"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_fixture_keeps_the_contract(path: Path) -> None:
    events = events_of(path.read_text(encoding="utf-8").splitlines())
    assert events
    assert problems(events) == {}


@pytest.mark.parametrize("profile", [None, EVERY_SHAPE], ids=["default", "every-shape"])
def test_generated_events_keep_the_contract(profile) -> None:
    events = events_of(generate_lines(400, seed=11, profile=profile))
    assert problems(events) == {}
    ended = {e["interaction"] for e in events if e["event"] == "interaction.ended"}
    assert ended == {f"g11-{n}" for n in range(1, 401)}


def _broken(old: str, new: str) -> dict[str, list[str]]:
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    return problems(events_of(text.replace(old, new, 1).splitlines()))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"seq":9,', '"seq":8,', "seq not unique"),
        ('"ts":"2026-03-02T10:03:04Z","event":"party.accepted"',
         '"ts":"2026-03-02T09:03:04Z","event":"party.accepted"', "ts goes backwards"),
        ('"by":"c03_transfer.a1"', '"by":"c03_transfer.s1"', "is not an open party"),
        ('"intent":"transfer"', '"intent":"handover"', "not allowed"),
        ('"event":"party.accepted","party":"c03_transfer.a2"',
         '"event":"party.rejected","party":"c03_transfer.a2"', "leaves without accepting"),
        ('"event":"interaction.created","media":"chat"', '"event":"interaction.created"',
         "media missing"),
    ],
)
def test_the_contract_check_is_not_vacuous(old: str, new: str, expected: str) -> None:
    found = _broken(old, new)
    assert any(expected in problem for problem in found.get("c03_transfer", [])), found


@pytest.mark.parametrize("profile", [None, EVERY_SHAPE], ids=["default", "every-shape"])
def test_the_engine_assembles_every_generated_interaction(tmp_path: Path, profile) -> None:
    source = tmp_path / "generated.jsonl"
    lines = generate_lines(500, seed=13, profile=profile)
    source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    stats = StreamStats()
    produced = list(assemble([str(source)], stats=stats))
    assert [item for item in produced if isinstance(item, Rejection)] == []
    assert len(produced) == stats.evaluated == 500
    assert (stats.rejected, stats.bad_lines, stats.held_open) == (0, 0, 0)


def test_the_engine_assembles_the_bundled_sample() -> None:
    stats = StreamStats()
    with resources.as_file(resources.files("rulesengine.sample") / "sample.jsonl") as sample:
        produced = list(assemble([str(sample)], stats=stats))
    assert [item for item in produced if isinstance(item, Rejection)] == []
    assert stats.evaluated == len(list(FLOWS.glob("*.jsonl"))) + SAMPLE_COUNT
