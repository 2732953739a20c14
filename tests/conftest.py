"""What every test shares: an environment that does not leak in from the shell running pytest."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """`COLUMNS` fits `--format table` to a width; tests that want one set it themselves."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The cache folder (parser tables, loaded rule sets) of this test run alone, never the
    user's: what one run saves is read back by its later tests, as by later commands."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        patch.delenv("RULESENGINE_NO_CACHE", raising=False)
        yield
