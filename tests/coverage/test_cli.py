"""`run --coverage` and `test --coverage` as a user runs them: the report, the JSON, --fail-under,
--jobs, where the report goes."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from .conftest import HAND_COUNTED, PARTIES

TOP = Path(__file__).parents[2]
SITE = ("--no-default-rules", "--rules", "site.rules")


def _report(err: str) -> str:
    """The coverage report at the end of stderr."""
    return err[err.index("rule coverage:"):]


def test_run_reports_coverage_on_stderr_after_the_usual_output(site, rulesengine, snapshot):
    code, out, err = rulesengine("run", "events.jsonl", *SITE, "--coverage", "--jobs", "1")
    assert code == 1  # the tie on i3.a2 is a finding of the run itself
    assert len(out.splitlines()) == PARTIES
    assert err.index("rulesengine: 3 interactions read") < err.index("rule coverage:")
    assert _report(err) == snapshot


def test_test_and_run_count_the_same_on_the_same_interactions(site, rulesengine):
    assert rulesengine("test", "site.rulestest", *SITE, "--coverage-file", "tests.json",
                       "--coverage-format", "json")[0] == 0
    rulesengine("run", "events.jsonl", *SITE, "--coverage-file", "run.json", "--coverage-format", "json")
    assert (site / "tests.json").read_bytes() == (site / "run.json").read_bytes()


def test_the_json_report_follows_its_documented_schema(site, rulesengine):
    rulesengine("run", "events.jsonl", *SITE, "--coverage-file", "coverage.json", "--coverage-format", "json")
    report = orjson.loads((site / "coverage.json").read_bytes())
    assert list(report) == ["schema", "parties", "rules_total", "rules_decided", "percent", "branches_total",
                            "branches_taken", "rules"]
    assert (report["schema"], report["parties"], report["rules_total"], report["rules_decided"],
            report["percent"], report["branches_total"], report["branches_taken"]) == (
        "rulesengine.coverage/1", PARTIES, 5, 2, 40.0, 5, 4)
    for rule in report["rules"]:
        assert list(rule) == ["id", "at", "kinds", "priority", "parties", "decided", "lost", "tied", "branches"]
        for branch in rule["branches"]:
            assert list(branch) == ["within", "group", "text", "taken"]
        taken = [branch["taken"] for branch in rule["branches"]]
        counted = [rule["parties"], rule["decided"], rule["lost"], rule["tied"], *taken]
        assert counted == HAND_COUNTED[rule["id"]]
    assert report["rules"][1] == {"id": "site.caller", "at": "site.rules:12", "kinds": ["agent"], "priority": 0,
                                  "parties": 4, "decided": 0, "lost": 0, "tied": 1, "branches": []}


@pytest.mark.parametrize(("under", "code"), [("0", 0), ("40", 0), ("40.1", 1), ("100", 1)])
def test_fail_under_exits_1_below_the_share_of_rules_that_decided(site, rulesengine, under, code):
    got, _, err = rulesengine("test", "site.rulestest", *SITE, "--fail-under", under)
    assert got == code
    if code:
        assert err.endswith(f"rulesengine test: error: rule coverage 40.0% is under --fail-under {under}%\n")
    else:
        assert "--fail-under" not in err
    assert "rule coverage: 2 of 5 rules decided at least once (40.0%)" in err


@pytest.mark.parametrize("under", ["abc", "-1", "100.5", "nan"])
def test_fail_under_takes_a_percentage(site, rulesengine, under, capsys):
    with pytest.raises(SystemExit) as stopped:
        rulesengine("test", "site.rulestest", *SITE, "--fail-under", under)
    assert stopped.value.code == 2
    assert f"expected a percentage from 0 to 100, got '{under}'" in capsys.readouterr().err


def test_the_report_cannot_replace_an_input_or_the_rows(site, rulesengine):
    code, _, err = rulesengine("run", "events.jsonl", *SITE, "-o", "rows.jsonl", "--coverage-file", "rows.jsonl")
    assert code == 2
    assert "--coverage-file rows.jsonl is the same file as --output rows.jsonl" in err
    assert not (site / "rows.jsonl").exists()


def test_an_unwritable_report_file_is_exit_2(site, rulesengine):
    code, _, err = rulesengine("test", "site.rulestest", *SITE, "--coverage-file", "missing/coverage.txt")
    assert code == 2
    assert "missing/coverage.txt" in err


def test_the_counts_are_the_same_whatever_jobs(tmp_path, monkeypatch, rulesengine):
    monkeypatch.chdir(tmp_path)
    assert rulesengine("generate", "--count", "400", "--seed", "3", "-o", "big.jsonl")[0] == 0
    reports = []
    for jobs in ("1", "2", "3"):
        rulesengine("run", "big.jsonl", "--sample", "--jobs", jobs, "-o", f"rows{jobs}.jsonl",
                    "--coverage-file", f"coverage{jobs}.json", "--coverage-format", "json")
        reports.append((tmp_path / f"coverage{jobs}.json").read_bytes())
    assert reports[0] == reports[1] == reports[2]
    assert orjson.loads(reports[0])["parties"] == len((tmp_path / "rows1.jsonl").read_bytes().splitlines())


def test_the_default_rules_own_tests_give_the_figure_the_docs_give(tmp_path, monkeypatch, rulesengine):
    monkeypatch.chdir(tmp_path)
    code, _, err = rulesengine("test", "--coverage")
    assert code == 0
    headline = _report(err).splitlines()[0]
    assert headline in (TOP / "docs" / "testing.md").read_text(encoding="utf-8")
    assert re.fullmatch(r"rule coverage: \d+ of \d+ rules decided at least once \(\d+\.\d%\), "
                        r"\d+ of \d+ branch(es)? taken, \d+ parties", headline)
