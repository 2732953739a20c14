"""`generate --profile FILE`: the mix of shapes, the delays and the arrival rate a corpus is made of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.events.generate import DELAYS, SHAPES


def _generated(capsys, tmp_path: Path, profile: str | None, count: int = 400) -> list[dict]:
    argv = ["generate", "--count", str(count), "--seed", "5"]
    if profile is not None:
        path = tmp_path / "profile.toml"
        path.write_text(profile)
        argv += ["--profile", str(path)]
    assert main(argv) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _rows(capsys, tmp_path: Path, events: list[dict]) -> list[dict]:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    assert main(["run", str(path), "--jobs", "1"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_an_empty_profile_is_the_default_stream(capsys, tmp_path):
    assert _generated(capsys, tmp_path, "") == _generated(capsys, tmp_path, None)


def test_shape_weights_choose_the_flows(capsys, tmp_path):
    only = "\n".join(f"{flow} = {3 if flow == 'x07_blind_transfer' else 1 if flow == 'c09_abandoned_in_queue' else 0}"
                     for flow in SHAPES)
    events = _generated(capsys, tmp_path, f"[shapes]\n{only}\n", count=200)
    flows = [e["data"]["flow"] for e in events if e["event"] == "interaction.created"]
    assert sorted(set(flows)) == ["c09_abandoned_in_queue", "x07_blind_transfer"]
    assert flows.count("x07_blind_transfer") == 150  # three in every deck of four


def _c01_engagements(capsys, tmp_path: Path, profile: str | None) -> tuple[list[int], list[dict]]:
    """How long the agent of each routed-and-completed chat was engaged, and the rows."""
    events = _generated(capsys, tmp_path, profile)
    c01 = {e["interaction"] for e in events if e["event"] == "interaction.created"
           and e["data"]["flow"] == "c01_routed_completed"}
    rows = _rows(capsys, tmp_path, events)
    return [row["engage_ms"] for row in rows if row["interaction"] in c01 and row["kind"] == "agent"], rows


def test_delays_and_arrivals_shape_the_times(capsys, tmp_path):
    short, rows = _c01_engagements(capsys, tmp_path, "arrival = 60\n[seconds]\ntalk = [1, 2]\n")
    usual, _ = _c01_engagements(capsys, tmp_path, None)
    longest = 1_000 * (2 + DELAYS["leaving"][1] + DELAYS["agents_ending"][1])
    assert short and max(short) <= longest
    assert sorted(usual)[len(usual) // 2] > 20_000
    starts = sorted({row["interaction"]: row["start"] for row in rows}.values())
    assert starts[-1] > "2026-03-02T12:00"  # 400 arrivals a minute apart: hours, not ten minutes


@pytest.mark.parametrize(("profile", "says"), [
    ("[shapes]\nc01_routed = 3\n", "unknown shape 'c01_routed'; did you mean 'c01_routed_completed'?"),
    ("[seconds]\ntalks = [1, 2]\n", "unknown delay 'talks'; did you mean 'talk'?"),
    ("[seconds]\ntalk = [5, 2]\n", "seconds.talk must be [LOW, HIGH], 0 <= LOW <= HIGH"),
    ("[shapes]\nc01_routed_completed = -1\n", "shapes.c01_routed_completed must be a whole number, 0 or more"),
    ("[shapes]\n" + "".join(f"{flow} = 0\n" for flow in SHAPES), "every shape has weight 0"),
    ("arrival = 0\n", "arrival must be a number of seconds above 0"),
    ("mix = 1\n", "unknown key 'mix'"),
    ("[shapes\n", "Expected ']' at the end of a table declaration"),
])
def test_a_bad_profile_is_one_line_and_exit_2(capsys, tmp_path, profile, says):
    path = tmp_path / "profile.toml"
    path.write_text(profile)
    assert main(["generate", "--profile", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"rulesengine generate: error: {path}: ") and says in err
