"""What every test shares: an environment that does not leak in from the shell running pytest."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """`COLUMNS` fits `--format table` to a width; tests that want one set it themselves."""
    monkeypatch.delenv("COLUMNS", raising=False)
