"""What the report tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine.cli import main


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """The sample's report, written once for every test that reads it (the page and the browser)."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", "--sample", "-o", str(path)]) == 0
    return path
