"""Helpers for the bounded analysis tests: check a rule set, run its witnesses."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from rulesengine.cli import main
from rulesengine.decide.ruleset import default_layer

#: the example site layer: a short-engagement result and a monitor-visibility role, both at
#: the default priority; the syntax alone suspects ten ties, five of them impossible
SITE = """\
rule site.short_engagement  "An agent who left within 5 s of accepting did not really handle the chat"
  for agent
  when engage < 5s
  set result Abandoned

rule site.supervisor  "A supervisor who joined in monitor visibility"
  for agent
  when visibility == monitor
  set role ReceivedConsult
"""


@attrs.frozen
class Checked:
    code: int
    out: str
    err: str
    witnesses: Path

    def codes(self) -> list[str]:
        return [json.loads(line)["code"] for line in self.out.splitlines()]

    def findings(self, code: str) -> list[dict]:
        return [found for found in map(json.loads, self.out.splitlines()) if found["code"] == code]


def check(capsys: pytest.CaptureFixture[str], folder: Path, *argv: str) -> Checked:
    """`rulesengine check --format json --witness folder/witnesses ARGV`."""
    witnesses = folder / "witnesses"
    code = main(["check", "--format", "json", "--witness", str(witnesses), *argv])
    out, err = capsys.readouterr()
    return Checked(code, out, err, witnesses)


def run_rows(capsys: pytest.CaptureFixture[str], witness: Path, *rules: str) -> tuple[int, dict[str, dict], str]:
    """`rulesengine run` of a witness file with the same rule layers: exit code, rows by party, stderr."""
    code = main(["run", str(witness), *rules])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    return code, {row["party"]: row for row in rows}, err


def default_files(folder: Path, replace: dict[str, tuple[str, str]] | None = None) -> Path:
    """The default rule files copied into `folder/rules`, with `replace[file] = (old, new)` applied once."""
    target = folder / "rules"
    target.mkdir()
    for path, text in default_layer():
        name = Path(path).name
        if replace and name in replace:
            old, _ = replace[name]
            assert text.count(old) == 1, old
        changed = text.replace(*replace[name]) if replace and name in replace else text
        (target / name).write_text(changed, encoding="utf-8")
    return target
