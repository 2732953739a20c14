"""`rulesengine spark-run`'s refusals before Spark starts: one line each, exit 2."""

from __future__ import annotations

import sys

import pytest

from rulesengine.cli import main

from .events import broken_file


@pytest.fixture
def events(tmp_path):
    return broken_file(tmp_path / "events.parquet")


def _refusal(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main(["spark-run", *arguments]) == 2
    return capsys.readouterr().err


def test_a_missing_input(tmp_path, capsys):
    missing = tmp_path / "missing.parquet"
    assert _refusal(capsys, str(missing), "-o", str(tmp_path / "rows")) == (
        f"rulesengine spark-run: error: cannot read {missing}: no such file or folder\n")


def test_an_output_that_exists(events, tmp_path, capsys):
    (tmp_path / "rows").mkdir()
    assert _refusal(capsys, str(events), "-o", str(tmp_path / "rows")) == (
        f"rulesengine spark-run: error: --output {tmp_path / 'rows'} exists already: Spark writes a new "
        "folder; remove it or name another\n")


def test_rows_and_rejects_in_one_folder(events, tmp_path, capsys):
    folder = str(tmp_path / "out")
    assert _refusal(capsys, str(events), "-o", folder, "--rejects", folder) == (
        "rulesengine spark-run: error: --output and --rejects name the same folder\n")


def test_a_setting_without_a_value(events, tmp_path, capsys):
    assert _refusal(capsys, str(events), "-o", str(tmp_path / "rows"), "--set", "short") == (
        "rulesengine spark-run: error: --set expects NAME=VALUE, got 'short'\n")


def test_rules_with_an_error(events, tmp_path, capsys):
    assert _refusal(capsys, str(events), "-o", str(tmp_path / "rows"), "--rules", str(tmp_path / "none")) == (
        f"rulesengine spark-run: error: R407 no such rules file or folder: {tmp_path / 'none'}\n")


def test_without_pyspark(events, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.errors", None)
    assert _refusal(capsys, str(events), "-o", str(tmp_path / "rows")) == (
        "rulesengine spark-run: error: spark-run needs pyspark: pip install 'rulesengine[spark]'\n")
