"""Which test files a run reads: those named, or those beside the rules it loads."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import attrs

from rulesengine.language.layers import DEFAULTS_FOLDER

SUFFIX = ".rulestest"


@attrs.frozen
class Source:
    """A test file: the name its diagnostics and results show, and where it is."""

    shown: str
    path: Path


class MissingPath(Exception):
    """A named test file or folder that does not exist."""


def named(paths: Sequence[str]) -> list[Source]:
    """The files named, and the `*.rulestest` files anywhere under the folders named."""
    found = []
    for name in paths:
        given = Path(name)
        if given.is_dir():
            found += [Source(str(path), path) for path in sorted(given.rglob(f"*{SUFFIX}"))]
        elif given.exists():
            found.append(Source(name, given))
        else:
            raise MissingPath(f"no such test file or folder: {name}")
    return found


def beside_rules(rules: Sequence[str], *, defaults: bool) -> list[Source]:
    """The default rules' own tests (unless `defaults` is off), then for each rule layer the
    `*.rulestest` files of its folder, or the one of the same name as its file."""
    found = []
    if defaults:
        folder = resources.files("rulesengine.rules")
        found += [Source(f"{DEFAULTS_FOLDER}/{entry.name}", Path(str(entry)))
                  for entry in sorted(folder.iterdir(), key=lambda e: e.name) if entry.name.endswith(SUFFIX)]
    for name in rules:
        given = Path(name)
        if given.is_dir():
            found += [Source(str(path), path) for path in sorted(given.glob(f"*{SUFFIX}"))]
        elif given.with_suffix(SUFFIX).is_file():
            found.append(Source(str(given.with_suffix(SUFFIX)), given.with_suffix(SUFFIX)))
    return found
