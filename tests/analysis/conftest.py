"""Helpers for the bounded analysis tests: check a rule set, run its witnesses."""

from __future__ import annotations

import json
import re
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


SLOT_FIELDS = {"role": "resource_role", "result": "technical_result", "record": "fact"}


def witness(checked: Checked, finding: dict) -> Path:
    """The witness file of a finding, by the interaction its message names."""
    name = re.search(r"of interaction '([^']+)'", finding["message"]).group(1)
    return checked.witnesses / f"{name}.jsonl"


def assert_tie_reproduced(capsys: pytest.CaptureFixture[str], checked: Checked, finding: dict, *layers: str) -> None:
    """Running the witness with the same layers: both rules match the party and tie (R310), its slot Unspecified."""
    first, second = re.search(r"rules '([^']+)' and '([^']+)' both match", finding["message"]).groups()
    party = re.search(r"both match party '([^']+)'", finding["message"]).group(1)
    slot = re.search(r"set its (\w+) differently", finding["message"]).group(1)
    code, rows, err = run_rows(capsys, witness(checked, finding), *layers)
    assert code == 1
    assert rows[party][SLOT_FIELDS[slot]] == "Unspecified"
    [tie] = [line for line in err.splitlines() if " R310 " in line and f"both match party '{party}'" in line]
    assert f"'{first}'" in tie and f"'{second}'" in tie
