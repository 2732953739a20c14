"""`rulesengine check` and `rulesengine explain` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesengine.cli import main

HERE = Path(__file__).parent
FLOWS = HERE.parent / "flows"
BROKEN = HERE / "broken"
#: a real overlap: loading says nothing of it, `check` proves it with a witness
OVERLAP = HERE / "equal_priority_overlap.rules"


def test_check_defaults_is_clean(capsys):
    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "rulesengine check: 26 rules, 8 facts, 0 errors, 0 warnings\n"


def test_check_text_lists_every_problem(capsys, snapshot):
    code = main(["check", "--rules", str(BROKEN / "unknown_fact.rules"),
                 "--rules", str(BROKEN / "never_decides.rules")])
    out, _ = capsys.readouterr()
    assert code == 1
    out = out.replace(str(BROKEN), "broken")
    assert out.count(": error: R101 ") == 1 and out.count(": warning: R302 ") == 1
    assert out == snapshot


def test_check_warnings_alone_exit_zero(capsys):
    assert main(["check", "--rules", str(OVERLAP)]) == 0


def test_check_strict_fails_on_warnings_alone(capsys):
    assert main(["check", "--strict", "--rules", str(OVERLAP)]) == 1
    out = capsys.readouterr().out
    assert ": warning: R301 rules 'agent.completed' and 'agent.finished' both match party " in out


def test_check_strict_passes_clean_rules(capsys):
    assert main(["check", "--strict"]) == 0


def test_check_github_format(capsys):
    assert main(["check", "--rules", str(BROKEN / "unknown_fact.rules"), "--format", "github"]) == 1
    out, _ = capsys.readouterr()
    assert out == (f"::error file={BROKEN}/unknown_fact.rules,line=3,col=8,title=R101::"
                   "unknown name 'orign' (did you mean 'origin'?)\n")


def test_check_github_format_escapes_a_file_name_s_commas_and_colons(capsys, tmp_path):
    odd = tmp_path / "my,site:1%.rules"
    odd.write_text((BROKEN / "unknown_fact.rules").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check", "--rules", str(odd), "--format", "github"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"::error file={tmp_path}/my%2Csite%3A1%25.rules,line=3,col=8,title=R101::unknown name")


def test_check_json_format_and_bad_setting(capsys):
    assert main(["check", "--rules", str(BROKEN / "unknown_param.rules"), "--set", "slow_alert=5x",
                 "--format", "json"]) == 1
    out, _ = capsys.readouterr()
    assert [json.loads(line)["code"] for line in out.splitlines()] == ["R205", "R101"]


def test_check_without_defaults(capsys, tmp_path):
    (tmp_path / "only.rules").write_text('vocabulary role: A\nrule a "d" for agent set role A\n')
    assert main(["check", "--no-defaults", "--rules", str(tmp_path)]) == 0
    assert "1 rule, 0 facts, 0 errors" in capsys.readouterr().err


def test_explain_one_party_as_text(capsys, snapshot):
    code = main(["explain", str(FLOWS / "c03_transfer.jsonl"), "--party", "c03_transfer.a1"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.startswith("c03_transfer c03_transfer.a1 (agent Agent1): RoutedTo/Transferred  IRF\n")
    assert "    ✓ transfer_completed  (transfer_completed is true)\n" in out
    assert out == snapshot


def test_explain_json_every_party_of_an_interaction(capsys):
    code = main(["explain", str(FLOWS / "c11_abandoned_while_alerting.jsonl"), "--format", "json",
                 "--interaction", "c11_abandoned_while_alerting"])
    out, _ = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["party"].split(".")[1], r["resource_role"], r["technical_result"]) for r in rows] == [
        ("q1", "Received", "Diverted"), ("s1", "Puller", "Routed"),
        ("a1", "RoutedTo", "CustomerAbandoned")]


def test_explain_no_matching_party(capsys):
    assert main(["explain", str(FLOWS / "c01_routed_completed.jsonl"), "--party", "nobody"]) == 1


DOCUMENTED = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("flow", sorted(DOCUMENTED))
def test_default_rules_give_the_documented_descriptors_end_to_end(flow, capsys):
    assert main(["explain", str(FLOWS / f"{flow}.jsonl"), "--format", "json"]) == 0
    rows = {row["party"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    for expected in DOCUMENTED[flow]["documented"]:
        row = rows[expected["party"]]
        assert {key: row[key] for key in expected} == expected
