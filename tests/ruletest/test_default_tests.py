"""The default rules ship with their own tests: every documented flow, in the compact form."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import orjson

from rulesengine.cli import main
from rulesengine.ruletest.compact import records
from rulesengine.ruletest.parse import parse

FLOWS = Path(__file__).parents[1] / "flows"
DOCUMENTED = json.loads((FLOWS / "documented.json").read_text(encoding="utf-8"))


def shipped_cases():
    text = resources.files("rulesengine.rules").joinpath("chat.rulestest").read_text(encoding="utf-8")
    case_file, problem = parse(text, "rules/chat.rulestest")
    assert problem is None
    return {case.interaction: case for case in case_file.cases}


def test_rulesengine_test_with_no_argument_passes_on_the_default_rules_own_tests(capsys):
    assert main(["test"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "rules/chat.rulestest " + "." * len(DOCUMENTED) + "\n"
    assert captured.err == f"rulesengine test: {len(DOCUMENTED)} passed\n"


def test_every_documented_flow_is_a_case_named_as_its_page_with_the_fixture_events():
    cases = shipped_cases()
    assert sorted(cases) == sorted(DOCUMENTED)
    for flow, case in cases.items():
        assert case.name == DOCUMENTED[flow]["flow"]
        made, problems = records(case.events, flow, case.start)
        assert problems == []
        fixture = [orjson.loads(line) for line in (FLOWS / f"{flow}.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip() and not line.startswith("#")]
        assert [m.record for m in made] == fixture, flow


def test_every_case_expects_exactly_the_documented_descriptors():
    for flow, case in shipped_cases().items():
        expected = {f"{flow}.{e.target.text}": e.written.rsplit(" ", 1)[0] for e in case.expectations}
        documented = {}
        for party in DOCUMENTED[flow]["documented"]:
            role = party["resource_role"] + (
                "" if party["role_reason"] == "Unspecified" else f" [{party['role_reason']}]")
            result = party["technical_result"] + (
                "" if party["result_reason"] == "Unspecified" else f" [{party['result_reason']}]")
            documented[party["party"]] = f"{role}/{result}"
        assert expected == documented, flow
