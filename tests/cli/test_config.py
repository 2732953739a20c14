"""Project settings (`rulesengine.toml`, `[tool.rulesengine]`): every command reads them, the
command line wins, `rulesengine config` shows them with where each comes from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.cli import run as run_command

FLOWS = Path(__file__).parents[1] / "flows"
FLOW = str(FLOWS / "c01_routed_completed.jsonl")
#: a site rule that decides the flow's agent (accepted, engaged 4m29s) only when short_engagement is over that
SITE = """\
param short_engagement: duration = 10s  "An engagement this short is worth a look"
rule site.quick  "Agents who barely handled the chat"  for agent  when engage < short_engagement
  set result Completed reason Rejected  priority 30
"""
TEST = """\
case "the agent of c01 barely handled it"
  events from "c01.jsonl"
  expect
    a1: RoutedTo/Completed [Rejected]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose settings name a site layer and set its parameter; commands run in a subfolder."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "quick.rules").write_text(SITE)
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "quick.rulestest").write_text(TEST)
    (tmp_path / "checks" / "c01.jsonl").write_bytes(Path(FLOW).read_bytes())
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "chats"\n\n[tool.rulesengine]\nrules = ["site"]\ntest-paths = ["checks"]\njobs = 1\n\n'
        '[tool.rulesengine.params]\nshort_engagement = "5m"\n')
    (tmp_path / "deep" / "down").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "down")
    return tmp_path


def _agent_row(out: str) -> dict:
    [row] = [json.loads(line) for line in out.splitlines() if json.loads(line)["kind"] == "agent"]
    return row


def test_run_takes_the_layers_and_parameters_of_the_settings(project, capsys):
    assert main(["run", FLOW]) == 0
    row = _agent_row(capsys.readouterr().out)
    assert (row["rule"], row["result_reason"]) == ("agent.routed_to + site.quick + record.handling", "Rejected")
    assert main(["run", FLOW, "--set", "short_engagement=1s"]) == 0
    assert _agent_row(capsys.readouterr().out)["result_reason"] == "Unspecified"
    (project / "other").mkdir()
    (project / "other" / "none.rules").write_text(  # replaces the settings' layers; their params still apply
        'param short_engagement: duration = 1s  "read by nothing here"\n'
        'rule other.none  "never"  for workbin  when engage < short_engagement  set result Completed\n')
    assert main(["run", FLOW, "--rules", str(project / "other")]) == 0
    assert _agent_row(capsys.readouterr().out)["rule"] == "agent.routed_to + agent.completed + record.handling"


def test_run_takes_the_jobs_of_the_settings(project, capsys, monkeypatch):
    parallel = []

    def no_workers(*_, jobs, **__):
        parallel.append(jobs)
        yield from ()

    monkeypatch.setattr(run_command, "decide_parallel", no_workers)
    assert main(["run", FLOW]) == 0
    assert parallel == []  # one job: no workers
    assert main(["run", FLOW, "--jobs", "2"]) == 0
    assert parallel == [2]


def test_check_explain_graph_report_and_rules_read_the_settings(project, capsys):
    assert main(["check"]) == 0
    assert capsys.readouterr().err == "rulesengine check: 27 rules, 8 facts, 0 errors, 0 warnings\n"
    assert main(["explain", FLOW, "--party", "c01_routed_completed.a1"]) == 0
    assert "by site.quick" in capsys.readouterr().out
    assert main(["graph", FLOW, "--format", "json"]) == 0
    assert "site.quick" in capsys.readouterr().out
    assert main(["report", FLOW, "-o", str(project / "report.html")]) == 0
    assert "site.quick" in (project / "report.html").read_text()
    assert main(["rules", "list"]) == 0
    assert "  site.quick " in capsys.readouterr().out


def test_diff_compares_the_layers_of_the_settings_at_a_revision_or_the_rule_sets_given(project, capsys):
    assert main(["diff", FLOW, "--new-rules", str(project / "site")]) == 1
    assert "site.quick" in capsys.readouterr().out
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "site"], cwd=project, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "site"],
                   cwd=project, check=True)
    (project / "site" / "quick.rules").write_text(SITE.replace("priority 30", "priority 30\n# moved"))
    assert main(["diff", FLOW, "--against", "HEAD"]) == 0
    (project / "site" / "quick.rules").write_text(SITE.replace("reason Rejected", "reason Revoked"))
    assert main(["diff", FLOW, "--against", "HEAD"]) == 1
    assert "Revoked" in capsys.readouterr().out


def test_test_runs_the_test_paths_of_the_settings(project, capsys):
    assert main(["test"]) == 0
    assert capsys.readouterr().err == "rulesengine test: 1 passed\n"
    assert main(["test", "--set", "short_engagement=1s"]) == 1


def test_config_shows_each_setting_and_where_it_comes_from(project, capsys):
    assert main(["config"]) == 0
    out, err = capsys.readouterr()
    settings = project / "pyproject.toml"
    assert err == f"settings file: {settings}\n"
    assert out.splitlines() == [
        f"rules = [{project / 'site'}]  ({settings} [tool.rulesengine] rules)",
        "default-rules = true  (default)",
        f"params.short_engagement = 5m  ({settings} [tool.rulesengine] params.short_engagement)",
        f"jobs = 1  ({settings} [tool.rulesengine] jobs)",
        f"test-paths = [{project / 'checks'}]  ({settings} [tool.rulesengine] test-paths)",
    ]


def test_an_own_settings_file_is_found_first_and_read_whole(project, capsys):
    (project / "deep" / "rulesengine.toml").write_text("default-rules = false\n")
    assert main(["config", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["file"] == str(project / "deep" / "rulesengine.toml")
    assert {s["name"]: s["value"] for s in shown["settings"]} == {"rules": [], "default-rules": False, "jobs": None,
                                                                  "test-paths": []}


def test_no_settings_file_is_the_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["config"]) == 0
    out, err = capsys.readouterr()
    assert err == "settings file: none\n"
    assert out.splitlines() == ["rules = []  (default)", "default-rules = true  (default)",
                                "jobs = none  (default: every core)",
                                "test-paths = []  (default: the tests beside the rules)"]


def test_a_folder_that_is_gone_has_no_settings(tmp_path, monkeypatch, capsys):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert main(["config"]) == 0
    assert capsys.readouterr().err == "settings file: none\n"


@pytest.mark.parametrize(("text", "says"), [
    ('[tool.rulesengine]\nrule = ["site"]\n', "unknown setting 'rule'; did you mean 'rules'?"),
    ("[tool.rulesengine]\njobs = 0\n", "jobs must be a whole number from 1 to 256"),
    ('[tool.rulesengine]\nrules = "site"\n', "rules must be a list of paths"),
    ('[tool.rulesengine]\ndefault-rules = "no"\n', "default-rules must be true or false"),
    ("[tool.rulesengine.params]\nshort = [1]\n", "params must be a table of NAME = VALUE"),
    ("[tool.rulesengine\n", "Expected ']' at the end of a table declaration"),
])
def test_a_bad_settings_file_stops_every_command(tmp_path, monkeypatch, capsys, text, says):
    (tmp_path / "pyproject.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulesengine: error: {tmp_path / 'pyproject.toml'}: ") and says in err
