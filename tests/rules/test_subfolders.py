"""A rules folder is one layer of its own files: rule files in its sub-folders are not read,
and every command that loads the folder says so (R411), rather than decide without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Severity
from rulesengine.language.layers import read_layer

SITE = 'rule site.a "a named agent" for agent when resource == "Nobody" set result Completed priority 40\n'
TEAM = 'rule team.b "another" for agent when resource == "Noone" set result Completed priority 41\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """`rules/site.rules`, two team files a level and two levels down, one in a hidden folder."""
    rules = tmp_path / "rules"
    (rules / "team" / "night").mkdir(parents=True)
    (rules / ".git").mkdir()
    (rules / "empty").mkdir()
    (rules / "site.rules").write_text(SITE, encoding="utf-8")
    (rules / "team" / "team.rules").write_text(TEAM, encoding="utf-8")
    (rules / "team" / "night" / "night.rules").write_text(TEAM.replace("team.b", "team.c"), encoding="utf-8")
    (rules / ".git" / "old.rules").write_text("not even rules", encoding="utf-8")
    return rules


def test_a_folder_reads_its_own_files_and_warns_of_each_subfolder_with_rules(folder: Path) -> None:
    layer, found = read_layer(str(folder))
    assert [Path(path).name for path, _ in layer] == ["site.rules"]
    assert [(d.code, d.severity, d.message) for d in found] == [
        ("R411", Severity.WARNING, (f"2 rule files in {folder / 'team'} not read: --rules {folder} reads only "
                                    "the folder's own *.rules files"))]
    assert found[0].hint == f"add --rules {folder / 'team'} to read them as a layer over {folder}, or move them up"


def test_a_subfolder_named_like_a_rule_file_is_a_subfolder(folder: Path) -> None:
    (folder / "team").rename(folder / "team.rules")
    (folder / "empty").rename(folder / "empty.rules")
    layer, found = read_layer(str(folder))
    assert [Path(path).name for path, _ in layer] == ["site.rules"]
    assert [(d.code, d.message.split(" not read")[0]) for d in found] == [
        ("R411", f"2 rule files in {folder / 'team.rules'}")]


@pytest.mark.parametrize(("files", "hint"), [
    (["vip.rule", "notes.txt"], "its files are not *.rules files: notes.txt, vip.rule"),
    ([], "put the layer's rules in FILE.rules files there"),
])
def test_a_folder_with_no_rule_file_says_its_layer_is_empty(tmp_path: Path, files: list[str], hint: str) -> None:
    """Rules saved as `vip.rule`: the layer was empty, and the run decided on the defaults alone
    without a word."""
    for name in files:
        (tmp_path / name).write_text(SITE, encoding="utf-8")
    layer, found = read_layer(str(tmp_path))
    assert layer == []
    assert [(d.code, d.severity, d.message, d.hint) for d in found] == [
        ("R412", Severity.WARNING, f"no rule files in {tmp_path}: --rules {tmp_path} reads the folder's *.rules files",
         hint)]


def test_a_folder_without_rules_below_it_says_nothing(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "site.rules").write_text(SITE, encoding="utf-8")
    assert read_layer(str(tmp_path))[1] == []


@pytest.mark.parametrize("cached", [False, True])
def test_the_warning_does_not_stop_the_rules_loading_from_the_cache_or_not(folder: Path, monkeypatch,
                                                                            cached: bool) -> None:
    if not cached:
        monkeypatch.setenv("RULESENGINE_NO_CACHE", "1")
    for _ in range(2):  # the second load reads the rule set back when the cache is on
        loaded = load_rules([str(folder)])
        assert loaded.decider is not None
        assert [d.code for d in loaded.diagnostics] == ["R411"]
        assert {rule.id for rule in loaded.decider.rules} >= {"site.a"}
        assert "team.b" not in {rule.id for rule in loaded.decider.rules}


def test_an_unreadable_file_still_stops_the_load_and_both_are_told(folder: Path) -> None:
    (folder / "broken.rules").write_bytes(b"\xff\xfe not utf-8")
    loaded = load_rules([str(folder)])
    assert loaded.decider is None
    assert sorted(d.code for d in loaded.diagnostics) == ["R408", "R411"]


@pytest.mark.parametrize("command", [["run", "--sample", "--output", os.devnull], ["check"],
                                     ["rules", "list"]])
def test_every_command_that_loads_the_folder_runs_on(folder: Path, capsys, command: list[str]) -> None:
    status = main([*command, "--rules", str(folder)])
    out, err = capsys.readouterr()
    assert status == 0
    told = out if command == ["check"] else err  # check's findings are its output
    assert f"warning: R411 2 rule files in {folder / 'team'} not read" in told
    assert "site.a" in out or command[0] != "rules"
