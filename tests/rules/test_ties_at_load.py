"""Loading rules says nothing of ties it only suspects: `R301` is the overlap `check` proves.

Two rules of one priority that set a slot differently and whose text does not exclude each
other stay rivals inside the compiled rules, tested against each other whenever one decides
(`R310` when they really tie); but an agent who engaged and one who declined never meet, so
`run`, `explain` and the API print no warning about them, as `check` reports none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine import Engine
from rulesengine.cli import main
from rulesengine.decide.ruleset import load_rules

#: two rules of priority 5 the syntax cannot tell apart: an agent who declined has no engagement
SITE = """\
rule site.short  "An agent who left within 5 s of accepting"
  for agent
  when engage < 5s
  set result Abandoned
  priority 5

rule site.declined_pull  "An agent who declined a chat they were to pull"
  for agent
  match invited rejected
  when origin == pull
  set result Redirected reason Rejected
  priority 5
"""


@pytest.fixture
def site(tmp_path: Path) -> str:
    path = tmp_path / "site.rules"
    path.write_text(SITE, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv", [("run", "--sample"), ("explain", "--sample", "--interaction", "c03_transfer")],
                         ids=" ".join)
def test_a_command_loads_the_rules_without_a_warning(capsys, site, argv):
    assert main([*argv, "--rules", site]) == 0
    err = capsys.readouterr().err
    assert "R301" not in err and "warning" not in err


def test_the_api_loads_the_rules_without_a_warning(site):
    assert Engine.from_rules(site).warnings == ()


def test_the_two_rules_are_still_tested_against_each_other_when_one_decides(site):
    loaded = load_rules([site])
    assert loaded.diagnostics == () and loaded.decider is not None
    rivals = {rule.id: rule.rivals.get("result", frozenset()) for rule in loaded.decider.rules}
    assert "site.declined_pull" in rivals["site.short"] and "site.short" in rivals["site.declined_pull"]


def test_check_proves_them_disjoint_and_warns_of_nothing(capsys, site):
    assert main(["check", "--strict", "--verbose", "--rules", site]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "0 warnings" in err and ": 0 overlaps, " in err
    assert "  proved disjoint within the bound: 'site.declined_pull' and 'site.short' (result)\n" in err
