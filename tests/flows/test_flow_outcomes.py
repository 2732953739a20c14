"""Every documented flow end to end: the rows `run` prints and the `explain` text, pinned.

The run output of each fixture is kept as the very JSON lines a user sees, one snapshot file
per flow under `__snapshots__/`. Each snapshot is backed by explicit assertions of the
documented descriptors (`documented.json`, transcribed from the domain reference), so a wrong
snapshot cannot pass.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from rulesengine.cli import main

FLOWS = Path(__file__).parent
TOP = FLOWS.parent.parent
DOCUMENTED = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))
FIXTURES = sorted(path.stem for path in FLOWS.glob("*.jsonl"))
PARTS = ("resource_role", "role_reason", "technical_result", "result_reason")


class JsonLinesSnapshot(SingleFileSnapshotExtension):
    """A snapshot that is the exact JSON lines output, readable in review."""

    file_extension = "jsonl"
    _write_mode = WriteMode.TEXT


def run_rows(capsys, flow: str) -> tuple[str, list[dict]]:
    assert main(["run", str(FLOWS / f"{flow}.jsonl")]) == 0
    out = capsys.readouterr().out
    return out, [json.loads(line) for line in out.splitlines()]


def test_every_fixture_has_documented_descriptors():
    assert sorted(DOCUMENTED) == FIXTURES


@pytest.mark.parametrize("flow", FIXTURES)
def test_run_gives_the_documented_descriptors(flow, capsys, snapshot):
    out, rows = run_rows(capsys, flow)
    by_party = {row["party"]: row for row in rows}
    for expected in DOCUMENTED[flow]["documented"]:
        row = by_party[expected["party"]]
        assert {part: row[part] for part in PARTS} == {part: expected[part] for part in PARTS}, flow
    assert out == snapshot(extension_class=JsonLinesSnapshot)


@pytest.mark.parametrize("flow", FIXTURES)
def test_every_row_names_the_rules_that_decided_it_where_they_are_written(flow, capsys):
    _, rows = run_rows(capsys, flow)
    for row in rows:
        ids, places = row["rule"].split(" + "), row["rule_at"].split(" + ")
        assert len(ids) == len(places)
        for rule_id, place in zip(ids, places, strict=True):
            path, line = place.rsplit(":", 1)
            written = files("rulesengine").joinpath(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
            assert written.split()[:2] == ["rule", rule_id], (place, written)


@pytest.mark.parametrize("flow", FIXTURES)
def test_explain_text(flow, capsys, snapshot):
    _, rows = run_rows(capsys, flow)
    assert main(["explain", str(FLOWS / f"{flow}.jsonl")]) == 0
    text = capsys.readouterr().out
    headlines = [line for line in text.splitlines() if line.startswith(f"{flow} ")]
    assert headlines == [
        f"{row['interaction']} {row['party']} ({row['kind']} {row['resource']}): "
        f"{row['resource_role']}/{row['technical_result']}"
        + ("" if row["result_reason"] == "Unspecified" else f" [{row['result_reason']}]")
        + f"  {row['record']}"
        for row in rows
    ]
    assert text == snapshot


@pytest.mark.parametrize("flow", FIXTURES)
def test_flow_names_agree_across_fixture_snapshot_and_page(flow):
    """The fixture's first line, `documented.json`, the docs page and the snapshot name one flow."""
    title = DOCUMENTED[flow]["flow"]
    first_line = (FLOWS / f"{flow}.jsonl").read_text(encoding="utf-8").splitlines()[0]
    page = (TOP / "docs" / "flows" / f"{flow}.md").read_text(encoding="utf-8")
    snapshot_file = (FLOWS / "__snapshots__" / "test_flow_outcomes"
                     / f"test_run_gives_the_documented_descriptors[{flow}].jsonl")
    assert first_line == f"# {title}."
    assert page.splitlines()[0] == f"# {title}"
    assert snapshot_file.read_text(encoding="utf-8").count(f'"interaction":"{flow}"') == len(
        snapshot_file.read_text(encoding="utf-8").splitlines())
