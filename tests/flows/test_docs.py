"""`docs/flows/` is current: every page is what `flowdocs.py` writes from the fixtures."""

from __future__ import annotations

import json

import pytest

from .flowdocs import DOCS, FLOWS, pages

EXPECTED = pages()
DOCUMENTED = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(EXPECTED), ids=lambda path: path.name)
def test_page_is_current(path) -> None:
    assert path.read_text(encoding="utf-8") == EXPECTED[path], (
        "docs/flows is stale: run .venv/bin/python tests/flows/flowdocs.py"
    )


def test_no_stray_pages() -> None:
    assert set(DOCS.glob("*.md")) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_page_shows_flow_picture_and_descriptors(name: str) -> None:
    text = EXPECTED[DOCS / f"{name}.md"]
    entry = DOCUMENTED[name]
    assert text.startswith(f"# {entry['flow']}\n")
    assert "```mermaid\nsequenceDiagram\n" in text
    for row in entry["documented"]:
        assert f"| `{row['party']}` |" in text
        assert (f"| {row['resource_role']} | {row['role_reason']} | {row['technical_result']} "
                f"| {row['result_reason']} |") in text
    assert f"({name}.md)" in EXPECTED[DOCS / "README.md"]
