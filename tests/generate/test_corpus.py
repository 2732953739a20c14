"""The shipped profile `docs/examples/corpus.toml` makes `rulesengine diff` show, for each
example of docs/customizing.md, exactly the rows it is about: the transitions and their counts.

The corpus is generated as the page does (1000 interactions, seed 1), the page's rule files
are written as a reader writes them, and each file is diffed alone over the defaults (the
tuned threshold over the rule it tunes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesengine.cli import main
from tests.customizing.page import blocks, rule_files

PROFILE = Path(__file__).parents[2] / "docs" / "examples" / "corpus.toml"

#: each example's diff: (kind, parties, old, new), old and new as "descriptor record"
TRANSITIONS = {
    "site/short_engagement.rules": [
        ("agent", 73, "RoutedTo/Completed IRF", "RoutedTo/Completed [ShortEngagement] IRF")],
    "tuned/": [
        ("agent", 250, "RoutedTo/Completed IRF", "RoutedTo/Completed [ShortEngagement] IRF")],
    "site/overrides.rules": [
        ("agent", 40, "RoutedTo/Redirected [Rejected] IRF", "RoutedTo/Redirected [RouteOnNoAnswer] IRF")],
    "site/supervisors.rules": [
        ("agent", 30, "InConference/Completed IRF", "ReceivedConsult/Completed IRF")],
    "site/vip.rules": [
        ("queue", 17, "Received/CustomerAbandoned [AbandonedWhileQueued] IRF",
         "Received/CustomerAbandoned [VipAbandonedWhileQueued] IRF")],
    "site/closer.rules": [
        ("agent", 172, "ReceivedTransfer/Completed IRF", "ReceivedTransfer/Completed [ClosedTheChat] IRF"),
        ("agent", 84, "InConference/Completed IRF", "InConference/Completed [ClosedTheChat] IRF"),
        ("agent", 61, "RoutedTo/Completed IRF", "RoutedTo/Completed [ClosedTheChat] IRF"),
        ("agent", 23, "ReceivedConsult/Completed IRF", "ReceivedConsult/Completed [ClosedTheChat] IRF")],
    "site/blind_transfers.rules": [
        ("agent", 31, "RoutedTo/Completed IRF", "RoutedTo/Transferred IRF")],
    "site/queues.rules": [
        ("queue", 1004, "Received/Diverted [AnsweredByAgent] MSF", "Received/Diverted MSF")],
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the page's rule files and the corpus its profile generates."""
    folder = tmp_path_factory.mktemp("corpus")
    for path, text in rule_files().items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    assert main(["generate", "--count", "1000", "--seed", "1", "--profile", str(PROFILE),
                 "-o", str(folder / "corpus.jsonl")]) == 0
    return folder


def _layers(example: str) -> list[str]:
    if example == "tuned/":
        return ["--old-rules", "site/short_engagement.rules", "--new-rules", "site/short_engagement.rules",
                "--new-rules", "tuned/"]
    return ["--new-rules", example]


def test_the_page_shows_the_shipped_profile() -> None:
    assert rule_files()["corpus.toml"] == PROFILE.read_text(encoding="utf-8")
    assert PROFILE.read_text(encoding="utf-8") in blocks("toml")


def test_every_example_of_the_page_is_measured() -> None:
    examples = {path for path in rule_files() if path.startswith("site/")} | {"tuned/"}
    assert set(TRANSITIONS) == examples


@pytest.mark.parametrize("example", TRANSITIONS)
def test_each_example_changes_exactly_its_rows(workspace: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], example: str) -> None:
    monkeypatch.chdir(workspace)
    assert main(["diff", "corpus.jsonl", *_layers(example), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    shown = [(t["kind"], t["parties"], f"{t['old']['descriptor']} {t['old']['record']}",
              f"{t['new']['descriptor']} {t['new']['record']}") for t in report["transitions"]]
    assert shown == TRANSITIONS[example]
    assert report["totals"]["changed"] == sum(parties for _, parties, _, _ in shown)
    assert report["totals"]["interactions"] == 1000 and report["totals"]["rejected"] == 0
