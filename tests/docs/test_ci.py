"""docs/ci.md's workflow, run step by step as GitHub would run it on a pull request.

A temporary repository holds a site layer, its rule tests and its corpus profile, as the page
lays them out; a clone of it (so that `origin/main` exists, as after `fetch-depth: 0`) makes a
second commit that changes a threshold. Every `run:` step of the page's workflow then runs with
bash in the clone, in order, with `GITHUB_BASE_REF` set as for a pull request into `main`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

PAGE = Path(__file__).parents[2] / "docs" / "ci.md"
#: steps that cannot run here, and why
NOT_RUN = {
    "Install rulesengine": "the package under test is installed in this environment already",
    "Post them on the pull request": "needs GitHub: the test checks the file it would post",
}
SITE_RULE = """\
# rules/site/short.rules: our own reason for chats an agent barely handled.

extend vocabulary result_reason: ShortEngagement

param short_engagement: duration = {threshold}  "an accepted chat handled for less than this is short"

rule site.short_engagement  "A routed agent who accepted and left before short_engagement"
  for agent
  match invited accepted left
  when origin in (route, inbound) and engage < short_engagement
  set result Completed reason ShortEngagement
  priority 5
"""
TESTS = """\
case "a routed chat handled for minutes is completed"
  events
    +0s    created chat
    +0s    q1 entered queue Chat_In
    +1s    s1 entered strategy ChatRouting by q1
    +1s    q1 left
    +2s    a1 invited agent Agent1 by s1 intent route
    +2s    s1 left
    +5s    a1 accepted
    +5m    customer left
    +5m1s  a1 left
    +5m1s  ended
  expect
    a1: RoutedTo/Completed IRF
"""


def _block(language: str, first_line: str) -> str:
    """The page's fenced block of `language` whose first line is `first_line`."""
    text = PAGE.read_text(encoding="utf-8")
    for tag, body in re.findall(r"^```(\w+)\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE):
        if tag == language and body.startswith(first_line):
            return body
    raise AssertionError(f"no {language} block starting {first_line!r} in {PAGE}")


def _git(folder: Path, *argv: str) -> None:
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *argv],
                   cwd=folder, check=True, capture_output=True)


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone whose branch changes the site's threshold over `main`, as a pull request does."""
    base = tmp_path / "base"
    (base / "rules" / "site").mkdir(parents=True)
    (base / "rules" / "tests").mkdir()
    (base / "pyproject.toml").write_text('[project]\nname = "site-rules"\nversion = "1"\n\n'
                                         + _block("toml", "# pyproject.toml\n").split("\n", 1)[1])
    (base / "rules" / "site" / "short.rules").write_text(SITE_RULE.format(threshold="10s"))
    (base / "rules" / "tests" / "short.rulestest").write_text(TESTS)
    (base / "rules" / "corpus.toml").write_text(_block("toml", "# rules/corpus.toml\n"))
    _git(base, "init", "-q", "-b", "main")
    _git(base, "add", ".")
    _git(base, "commit", "-qm", "the site layer")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(base), str(clone))
    _git(clone, "checkout", "-q", "-b", "longer")
    (clone / "rules" / "site" / "short.rules").write_text(SITE_RULE.format(threshold="45s"))
    _git(clone, "commit", "-qam", "short engagements up to 45 seconds")
    return clone


def _steps() -> list[dict]:
    workflow = yaml.safe_load(_block("yaml", "# .github/workflows/rules.yml\n"))
    [job] = workflow["jobs"].values()
    return job["steps"]


def _run(step: dict, folder: Path) -> subprocess.CompletedProcess:
    bin_folder = str(Path(sys.executable).parent)
    environment = {**os.environ, "GITHUB_BASE_REF": "main", "PATH": f"{bin_folder}:{os.environ['PATH']}"}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=folder, env=environment,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_workflow_passes_a_pull_request_and_reports_the_rows_it_changes(pull_request):
    steps = [step for step in _steps() if "run" in step]
    assert {step["name"] for step in steps} >= set(NOT_RUN)
    for step in steps:
        if step["name"] in NOT_RUN:
            continue
        done = _run(step, pull_request)
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    changed = (pull_request / "rows-changed.md").read_text()
    assert "RoutedTo/Completed" in changed and "RoutedTo/Completed [ShortEngagement]" in changed
    assert "site.short_engagement" in changed
    results = ElementTree.parse(pull_request / "rule-tests.xml").getroot()
    cases = results.findall(".//testcase")
    assert len(cases) == 1 and not results.findall(".//failure")


def test_each_gate_fails_the_pull_request_it_should(pull_request):
    by_name = {step["name"]: step for step in _steps() if "run" in step}
    rule = pull_request / "rules" / "site" / "short.rules"
    rule.write_text(rule.read_text().replace("  for agent\n", "    for agent\n"))
    laid_out = _run(by_name["The rule files are laid out"], pull_request)
    assert laid_out.returncode == 1 and "+  for agent" in laid_out.stdout
    rule.write_text(SITE_RULE.format(threshold="45s").replace("priority 5", "priority 0"))
    assert _run(by_name["The rules load without errors or warnings"], pull_request).returncode == 1
    rule.write_text(SITE_RULE.format(threshold="10m"))
    failing = _run(by_name["The rule tests pass"], pull_request)
    assert failing.returncode == 1 and "::error file=" in failing.stdout
    rule.write_text(SITE_RULE.format(threshold="10x"))
    assert _run(by_name["The rows the change changes"], pull_request).returncode != 0
