"""`--version`, and `-o FILE` on explain and graph: the same text as stdout, written atomically."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from rulesengine.cli import main

FLOWS = Path(__file__).parents[1] / "flows"
TRANSFER = str(FLOWS / "c03_transfer.jsonl")
CONFERENCE = str(FLOWS / "c05_conference.jsonl")


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"rulesengine {importlib.metadata.version('rulesengine')}\n"


@pytest.mark.parametrize("argv", [
    ["explain", TRANSFER, CONFERENCE],
    ["explain", TRANSFER, "--format", "json", "--party", "c03_transfer.a2"],
    ["graph", TRANSFER, CONFERENCE],
    ["graph", TRANSFER, "--format", "dot"],
    ["graph", TRANSFER, CONFERENCE, "--format", "json"],
])
def test_output_file_holds_what_stdout_shows(capsys, tmp_path, argv):
    assert main(argv) == 0
    shown = capsys.readouterr().out
    target = tmp_path / "out.txt"
    assert main([*argv, "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == shown
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_an_unreadable_input_leaves_the_old_file_alone(capsys, tmp_path, command):
    target = tmp_path / "out.txt"
    target.write_text("before\n")
    assert main([command, TRANSFER, str(tmp_path / "missing.jsonl"), "--output", str(target)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert target.read_text() == "before\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_findings_still_write_the_file(capsys, tmp_path, command):
    """Exit 1 is a finding, like rejected interactions in `run`: the output is complete."""
    target = tmp_path / "out.txt"
    target.write_text("before\n")
    assert main([command, TRANSFER, "--interaction", "nope", "-o", str(target)]) == 1
    assert target.read_text() == ""


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_an_output_in_a_missing_folder_is_a_usage_error(capsys, tmp_path, command):
    target = tmp_path / "no" / "out.txt"
    assert main([command, TRANSFER, "-o", str(target)]) == 2
    assert capsys.readouterr().err == (f"rulesengine {command}: error: cannot write {target}: "
                                       "No such file or directory\n")


def test_sample_writes_the_events_that_sample_reads(capsysbinary, tmp_path):
    assert main(["sample"]) == 0
    shown = capsysbinary.readouterr().out
    assert shown.startswith(b"# C1 ") and shown.count(b"\n") > 3000
    target = tmp_path / "events.jsonl"
    assert main(["sample", "-o", str(target)]) == 0
    assert target.read_bytes() == shown
    assert main(["run", "--sample"]) == 0
    from_flag = capsysbinary.readouterr().out
    assert main(["run", str(target)]) == 0
    assert capsysbinary.readouterr().out == from_flag
