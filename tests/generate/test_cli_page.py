"""docs/cli.md's `generate` section says what the generator does: its delays and their
defaults, its families of shapes with their weights, its profile shapes, its error line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.events.generate import ALL_SHAPES, DELAYS
from rulesengine.events.generate_shapes import FAMILIES, OPTIONAL_SHAPES

PAGE = Path(__file__).parents[2] / "docs" / "cli.md"


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## `rulesengine generate`")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _rows(header: str) -> list[list[str]]:
    """The cells of the table whose header row starts with `header`."""
    lines = _section().splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith(f"| {header}"))
    rows = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_the_delays_and_their_defaults() -> None:
    shown = {row[0].strip("`"): row[1] for row in _rows("delay (`[seconds]`)")}
    assert shown == {name: f"{low:g} to {high:g}" for name, (low, high) in DELAYS.items()}


def test_the_families_their_shapes_and_default_weights() -> None:
    shown = {row[0].strip("`"): re.findall(r"`(\w+)` \((\d+)\)", row[1]) for row in _rows("family")}
    in_a_family = {flow for family in FAMILIES.values() for flow in family}
    expected = {family: list(flows) for family, flows in FAMILIES.items()}
    expected["(none)"] = [flow for flow in ALL_SHAPES if flow not in in_a_family]
    assert shown == {family: [(flow, str(ALL_SHAPES[flow][0])) for flow in flows]
                     for family, flows in expected.items()}


def test_the_profile_shapes() -> None:
    assert [row[0].strip("`") for row in _rows("profile shape")] == list(OPTIONAL_SHAPES)


def test_the_error_line_is_what_the_generator_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    [shown] = re.findall(r"^rulesengine generate: error: .*\n", _section(), flags=re.MULTILINE)
    Path("typo.toml").write_text("[shares]\ndecline = 0.1\n", encoding="utf-8")
    assert main(["generate", "--profile", "typo.toml"]) == 2
    assert capsys.readouterr().err == shown
