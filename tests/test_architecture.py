"""The folder tree is the architecture: each stage imports only the stages before it.

docs/architecture.md draws the same order. A change that needs a later stage from an
earlier one belongs in the later stage (or the data it needs belongs earlier); this
test names the import that goes against the flow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rulesengine"

_BASE = {"diagnostics", "wording"}
#: each part of the package, and the parts it may import (besides itself)
MAY_IMPORT: dict[str, set[str]] = {
    "diagnostics": set(),
    "wording": set(),
    "speedups": _BASE,
    "events": _BASE | {"speedups"},
    "adapters": _BASE | {"speedups", "events"},
    "model": _BASE | {"events"},
    "language": _BASE | {"speedups", "model"},
    "decide": _BASE | {"speedups", "model", "language"},
    "output": _BASE | {"events", "model", "decide"},
    "analysis": _BASE | {"events", "model", "language", "decide"},
    "runtime": _BASE | {"speedups", "events", "model", "language", "decide", "output"},
    "report": _BASE | {"events", "model", "language", "decide", "output", "runtime"},
    "ruletest": _BASE | {"events", "model", "language", "decide", "output", "runtime"},
    "spark": _BASE | {"events", "language", "decide", "output", "runtime"},
    "cli": _BASE | {"speedups", "events", "adapters", "model", "language", "decide", "analysis", "output", "runtime",
                    "report", "ruletest", "spark", "__init__"},
    "api": _BASE | {"events", "adapters", "model", "language", "decide", "output", "runtime"},
    "__init__": {"api"},
    "__main__": {"cli"},
}
#: folders of data the package reads, not code
DATA = {"rules", "sample"}


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if _part(path) not in DATA)


def _part_named(name: str) -> str:
    """The part a name imported from the package is in: a module or folder of it, else its `__init__`."""
    return name if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file() else "__init__"


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, part of the package) for every import of the package in `path`, lazy ones included;
    a relative import counts as `relative` (the package imports absolutely, so that the part
    it reaches shows in the line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "relative"))
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{alias.name}" if node.module == "rulesengine" else str(node.module)
                     for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "rulesengine":
                found.append((node.lineno, _part_named(parts[1] if len(parts) > 1 else "__init__")))
    return found


def test_every_part_is_placed():
    assert {_part(path) for path in _modules()} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_follow_the_stages(path):
    part = _part(path)
    against = [f"{path.relative_to(PACKAGE.parent)}:{line}: {part} imports {target}"
               for line, target in _imported(path) if target != part and target not in MAY_IMPORT[part]]
    assert against == []


def _prints(path: Path) -> list[int]:
    """Lines that print or write to stdout or stderr."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            function = node.func
            if (isinstance(function, ast.Name) and function.id == "print") or (
                    isinstance(function, ast.Attribute) and function.attr == "write"
                    and isinstance(function.value, ast.Attribute) and function.value.attr in ("stdout", "stderr")):
                lines.append(node.lineno)
    return lines


def test_only_the_command_line_prints():
    printing = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in _modules() if _part(path) != "cli"
                for line in _prints(path)]
    assert printing == []
