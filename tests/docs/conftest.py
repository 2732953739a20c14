"""A shell in which `rulesengine` is this checkout's package, for running the pages' commands."""

from __future__ import annotations

import os
import sys

import pytest


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    """PATH with a `rulesengine` that is this interpreter running this checkout's package."""
    bin_dir = tmp_path_factory.mktemp("bin")
    script = bin_dir / "rulesengine"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rulesengine "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env
