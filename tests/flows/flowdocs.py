"""Writes `docs/flows/`: one page per flow fixture and an index, from the fixtures themselves.

Each page takes its title from `documented.json`, its story from the fixture's comment
lines, its picture from `rulesengine.output.diagram.to_mermaid` with the default rules'
decisions, and its table from the documented descriptors, so the pages cannot drift from
the fixtures or the rules. `test_docs.py`
checks the pages are current; rewrite them from the repository root with:

    .venv/bin/python tests/flows/flowdocs.py
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from rulesengine.decide.decision import Decision
from rulesengine.decide.ruleset import load_rules
from rulesengine.events.contract import Event
from rulesengine.events.read import read_lines
from rulesengine.model.interaction import InteractionModel
from rulesengine.output.diagram import to_mermaid

FLOWS = Path(__file__).parent
DOCS = FLOWS.parents[1] / "docs" / "flows"
TABLE_HEAD = (
    "| Party | Resource | Resource role | Role reason | Technical result | Result reason |\n"
    "|---|---|---|---|---|---|\n"
)


def _story(fixture: Path) -> str:
    """The fixture's comment lines after the title, up to the descriptors they announce."""
    lines = []
    for line in fixture.read_text(encoding="utf-8").splitlines()[1:]:
        text = line.removeprefix("#").strip()
        if not line.startswith("#") or text.startswith(("Documented:", "Implied")):
            break
        lines.append(text)
    return " ".join(lines)


def _graph(fixture: Path) -> InteractionModel:
    events = sorted((item for item in read_lines([str(fixture)]) if isinstance(item, Event)), key=lambda e: e.seq)
    return InteractionModel(fixture.stem, events)


@functools.cache
def _rules():
    return load_rules().decider


def _decisions(graph: InteractionModel) -> list[Decision]:
    """What the default rules decide for each party, for the picture's notes."""
    return _rules().decide(graph)


def _table(rows: list[dict], graph: InteractionModel) -> str:
    body = "".join(
        f"| `{row['party']}` | {graph.party(row['party']).resource} | {row['resource_role']} "
        f"| {row['role_reason']} | {row['technical_result']} | {row['result_reason']} |\n"
        for row in rows
    )
    return TABLE_HEAD + body


def _is_documented(name: str) -> bool:
    return name.startswith("c")


def page(name: str, entry: dict) -> str:
    """The Markdown page of one fixture."""
    fixture = FLOWS / f"{name}.jsonl"
    graph = _graph(fixture)
    if _is_documented(name):
        heading = "Documented descriptors"
        source = ("These rows are the acceptance truth of the default rules (Info Mart User's "
                  "Guide, chat flows).")
    else:
        heading = "Implied descriptors"
        source = ("A composition of documented flows: these rows are what the principles in the "
                  "domain reference imply, not rows the vendor documents.")
    return (
        f"# {entry['flow']}\n\n"
        f"Fixture: [`tests/flows/{name}.jsonl`](../../tests/flows/{name}.jsonl)\n\n"
        f"## What happens\n\n{_story(fixture)}\n\n"
        f"## Picture\n\n```mermaid\n{to_mermaid(graph, _decisions(graph))}```\n\n"
        f"## {heading}\n\n{source} The other rows of the flow (queue and strategy stays that "
        "handed the chat on) follow the default rules and are pinned by the snapshot tests.\n\n"
        f"{_table(entry['documented'], graph)}"
    )


def _summary(entry: dict) -> str:
    return "; ".join(
        f"{row['party'].rsplit('.', 1)[1]} {row['resource_role']}/{row['technical_result']}"
        + ("" if row["result_reason"] == "Unspecified" else f" [{row['result_reason']}]")
        for row in entry["documented"]
    )


def index(documented: dict) -> str:
    """`docs/flows/README.md`: every page with its descriptors at a glance."""
    sections = []
    for title, chosen in (("Documented chat flows", True), ("Compositions", False)):
        rows = "".join(
            f"| [{entry['flow']}]({name}.md) | {_summary(entry)} |\n"
            for name, entry in documented.items() if _is_documented(name) == chosen
        )
        sections.append(f"## {title}\n\n| Flow | Descriptors |\n|---|---|\n{rows}")
    return (
        "# Chat flows\n\n"
        "One page per event fixture in `tests/flows/`: what happens, a picture of the "
        "interaction as `rulesengine graph` draws it (each step timed from the start of the "
        "chat, each party's descriptor and record type at its end, as the default rules "
        "decide them), and the descriptors the default rules must give. The documented "
        "flows come from the Info Mart User's Guide; the compositions combine them.\n\n"
        + "\n".join(sections)
    )


def pages() -> dict[Path, str]:
    """Every file of `docs/flows/` with its expected text."""
    documented = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))
    written = {DOCS / f"{name}.md": page(name, entry) for name, entry in documented.items()}
    written[DOCS / "README.md"] = index(documented)
    return written


if __name__ == "__main__":
    DOCS.mkdir(parents=True, exist_ok=True)
    for path, text in pages().items():
        path.write_text(text, encoding="utf-8")
