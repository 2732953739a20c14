"""docs/events.md documents every code the event stage can report, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from rulesengine.events import assemble, diagnose, read, wellformed

DOCS = Path(__file__).parents[2] / "docs" / "events.md"


def emitted_codes() -> set[str]:
    text = "".join(Path(module.__file__).read_text() for module in (read, diagnose, assemble, wellformed))
    return set(re.findall(r'"(E1\d\d)"', text))


def test_every_code_is_documented_once():
    headings = re.findall(r"^### (E1\d\d) ", DOCS.read_text(), flags=re.MULTILINE)
    assert len(headings) == len(set(headings))
    assert set(headings) == emitted_codes()
    assert len(headings) == 25


def test_each_code_has_an_example_and_a_fix():
    sections = re.split(r"^### ", DOCS.read_text(), flags=re.MULTILINE)[1:]
    for section in sections:
        code = section[:4]
        if not code.startswith("E1"):
            continue
        assert f"error: {code} " in section, code
        assert "Fix:" in section, code
