"""The findings docs/errors.md shows are what `check` prints, witnesses included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rulesengine.cli import main
from tests.analysis.conftest import SITE, default_files

ERRORS = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")


def _section(code: str) -> str:
    return ERRORS.split(f"\n## {code} ")[1].split("\n## ")[0]


def _blocks(code: str) -> list[str]:
    return re.findall(r"```\n(.*?)```", _section(code), flags=re.DOTALL)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(capsys, *argv: str) -> str:
    main(["check", "--witness", "w", *argv])
    return capsys.readouterr().out


def test_the_overlap_and_its_witness_are_as_shown(here, capsys):
    (here / "site.rules").write_text(SITE, encoding="utf-8")
    out = _check(capsys, "--rules", "site.rules")
    shown, witness = _blocks("R301")
    assert shown in out
    name = re.search(r"of interaction '([^']+)'", shown).group(1)
    written = (here / "w" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    lines = witness.splitlines()
    assert written[0].startswith(lines[0].removesuffix(" ..."))
    assert written[1:] == lines[1:]


def test_the_dead_rule_is_as_shown(here, capsys):
    (here / "site.rules").write_text('rule site.never  "Nobody is both"\n  for agent\n'
                                     "  when origin == pull and origin == route\n  set result Cleared\n",
                                     encoding="utf-8")
    [shown] = _blocks("R304")
    assert shown in _check(capsys, "--rules", "site.rules")


def test_the_gap_is_as_shown(here, capsys):
    still = ('rule agent.still_alerting  "An invitation still unanswered when processing stopped (assumed)"\n'
             "  for agent\n  match invited\n  set result Incomplete\n")
    default_files(here, {"chat.rules": (still, "")})
    [shown] = _blocks("R305")
    assert shown in _check(capsys, "--no-default-rules", "--rules", "rules")


def test_the_changed_flow_is_as_shown(here, capsys):
    (here / "site.rules").write_text('disable rule queue.diverted_answered  "ours"\n', encoding="utf-8")
    [shown] = _blocks("R306")
    assert shown in _check(capsys, "--flows", "--rules", "site.rules")
    assert "R306" not in _check(capsys, "--rules", "site.rules")
