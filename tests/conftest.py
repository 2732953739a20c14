"""What every test shares: an environment that does not leak in from the shell running pytest."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """`COLUMNS` fits `--format table` to a width; tests that want one set it themselves."""
    monkeypatch.delenv("COLUMNS", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    """The cache folder (parser tables, loaded rule sets) of this test run alone, never the
    user's: set before collection, since some test modules load rules when imported. What one
    test saves is read back by later ones, as by later commands."""
    folder = tempfile.mkdtemp(prefix="rulesengine-test-cache-")
    config.stash[_CACHE_HOME] = (folder, os.environ.get("XDG_CACHE_HOME"), os.environ.get(OFF_SWITCH))
    os.environ["XDG_CACHE_HOME"] = folder
    os.environ.pop(OFF_SWITCH, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, home, off = config.stash[_CACHE_HOME]
    shutil.rmtree(folder, ignore_errors=True)
    for name, value in (("XDG_CACHE_HOME", home), (OFF_SWITCH, off)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_CACHE_HOME = pytest.StashKey[tuple[str, str | None, str | None]]()
OFF_SWITCH = "RULESENGINE_NO_CACHE"
