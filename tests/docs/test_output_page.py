"""docs/output.md, checked against the engine: its fields, its example rows, its rejects.

The example rows must be, byte for byte, lines that `rulesengine run` writes for the
documented flows; when the rules change, the failure shows the lines to put on the page.
"""

from __future__ import annotations

import json
import re

import pytest

from rulesengine.cli import main
from rulesengine.output.rows import FIELDS

from .commands import TOP, blocks, commands, run_in_order

PAGE = TOP / "docs" / "output.md"
FLOWS = TOP / "tests" / "flows"
#: the documented flows, as opposed to the compositions (`x..`) the fixtures add
DOCUMENTED = sorted(path.stem for path in FLOWS.glob("c*.jsonl"))


def fenced(tag: str) -> list[str]:
    return [body for found, _, body in blocks(PAGE) if found == tag]


def run_lines(capsys, *argv: str) -> list[str]:
    assert main(["run", *argv]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.fixture(scope="module")
def examples() -> list[str]:
    rows, _rejects = fenced("jsonl")
    return rows.splitlines()


def test_the_field_table_lists_every_field_in_order():
    section = PAGE.read_text(encoding="utf-8").split("## Fields\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE) == list(FIELDS)


def test_one_example_row_per_documented_flow(examples):
    assert [json.loads(line)["interaction"] for line in examples] == DOCUMENTED


@pytest.mark.parametrize("flow", DOCUMENTED)
def test_each_example_row_is_what_run_writes(capsys, examples, flow):
    [example] = [line for line in examples if json.loads(line)["interaction"] == flow]
    written = run_lines(capsys, str(FLOWS / f"{flow}.jsonl"))
    party = json.loads(example)["party"]
    assert example in written, "the page should show:\n" + "\n".join(
        line for line in written if json.loads(line)["party"] == party)


def test_the_sample_writes_the_same_rows(capsys, examples):
    assert set(examples) <= set(run_lines(capsys, "--sample"))


def test_the_opening_example_is_a_row_of_its_flow(capsys):
    [opening] = fenced("json")
    shown = json.loads(opening)
    assert list(shown) == list(FIELDS)
    written = [json.loads(line) for line in run_lines(capsys, str(FLOWS / f"{shown['interaction']}.jsonl"))]
    assert shown in written


def test_the_rejects_example_is_what_its_commands_write(tmp_path, environment):
    run_in_order(commands(PAGE), tmp_path, environment)
    _rows, rejects = fenced("jsonl")
    assert (tmp_path / "rejects.jsonl").read_text(encoding="utf-8") == rejects
    kinds = {(item["interaction"], item["kind"]) for item in map(json.loads, rejects.splitlines())}
    assert kinds == {("c03_transfer", "rejected"), (None, "rejected")}
