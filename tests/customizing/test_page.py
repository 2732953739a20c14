"""docs/customizing.md, run as a test: its rule files and commands do what the page says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesengine.cli import main

from . import chats
from .page import Command, RuleFile, blocks, rule_files, same_run, steps

SITE_RULE = "site/short_engagement.rules"
OVERRIDES = "site/overrides.rules"
TEAM_RULE = "team/declines.rules"
SUPERVISORS = "site/supervisors.rules"
VIP = "site/vip.rules"
CLOSER = "site/closer.rules"
BLIND = "site/blind_transfers.rules"
QUEUES = "site/queues.rules"
TUNED = "tuned/short_engagement.rules"
CORPUS = "corpus.toml"

#: every command of the page, in order, with the exit code a reader gets
PAGE_COMMANDS = [
    ("rulesengine check --rules site/", 0),
    ("rulesengine run chats.jsonl --rules site/ --format table", 0),
    ("rulesengine run chats.jsonl --rules site/ --format table --set short_engagement=30s", 0),
    ("rulesengine run chats.jsonl --rules site/ --format table --set short_engagement=abc", 2),
    ("rulesengine explain chats.jsonl --rules site/ --party chat-3.a2", 0),
    ("rulesengine check --rules site/", 0),
    ("rulesengine run chats.jsonl --rules site/ --format table", 0),
    ("rulesengine check --rules site/ --rules team/", 1),
    ("rulesengine check --no-default-rules --rules site/", 1),
    ("rulesengine run more.jsonl --rules site/ --format table", 0),
    ("rulesengine explain more.jsonl --party chat-5.a1 --derivation", 0),
    ("rulesengine check --rules site/", 0),
    ("rulesengine run more.jsonl --rules site/ --format table", 0),
    ("rulesengine run chats.jsonl --rules site/ --rules tuned/ --format table", 0),
    ("rulesengine diff chats.jsonl --old-rules site/ --new-rules site/ --new-rules tuned/", 1),
    ("rulesengine generate --count 1000 --seed 1 --profile corpus.toml -o corpus.jsonl", 0),
    ("rulesengine diff corpus.jsonl --new-rules site/short_engagement.rules", 1),
    (("rulesengine diff corpus.jsonl --old-rules site/short_engagement.rules "
      "--new-rules site/short_engagement.rules --new-rules tuned/"), 1),
    *((f"rulesengine diff corpus.jsonl --new-rules site/{name}.rules", 1)
      for name in ("overrides", "supervisors", "vip", "closer", "blind_transfers", "queues")),
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder holding `chats.jsonl`, made the current one as in the page."""
    monkeypatch.chdir(tmp_path)
    chats.write(tmp_path / "chats.jsonl")
    chats.write(tmp_path / "more.jsonl", chats.more_events())
    return tmp_path


def create(workspace: Path, path: str, text: str | None = None) -> None:
    """Write one of the page's rule files (or a variant of it) where the page puts it."""
    target = workspace / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rule_files()[path] if text is None else text, encoding="utf-8")


def run_rows(capsys, *argv: str) -> tuple[int, dict[str, dict], str]:
    """`rulesengine run` in JSON lines: exit code, rows by resource, stderr."""
    code = main(["run", "chats.jsonl", *argv])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    return code, {row["resource"]: row for row in rows}, err


def short_engaged(rows: dict[str, dict]) -> set[str]:
    return {name for name, row in rows.items() if row["result_reason"] == "ShortEngagement"}


# ---- the page as a whole -------------------------------------------------------------

def test_the_page_shows_the_events_the_tests_use():
    assert blocks("jsonl") == [chats.text(), chats.text(chats.more_events())]


def test_the_page_names_its_rule_files():
    assert sorted(rule_files()) == sorted([BLIND, CLOSER, QUEUES, OVERRIDES, SITE_RULE, SUPERVISORS, VIP,
                                           TEAM_RULE, TUNED, CORPUS])


def test_every_command_prints_what_the_page_shows(workspace, capsys):
    ran = []
    for step in steps():
        if isinstance(step, RuleFile):
            create(workspace, step.path, step.text)
            continue
        code = main(list(step.argv))
        out, err = capsys.readouterr()
        assert same_run(out + err) == same_run(step.shown), step.line
        ran.append((step.line, code))
    assert ran == PAGE_COMMANDS


def test_the_page_runs_only_its_own_commands():
    commands = [step for step in steps() if isinstance(step, Command)]
    assert [command.line for command in commands] == [line for line, _ in PAGE_COMMANDS]


# ---- what the customization decides ---------------------------------------------------

def test_default_threshold_marks_only_the_short_routed_agent(workspace, capsys, snapshot):
    create(workspace, SITE_RULE)
    code, rows, _ = run_rows(capsys, "--rules", "site/")
    assert code == 0
    assert short_engaged(rows) == {"Anna"}
    anna, carla = rows["Anna"], rows["Carla"]
    assert (anna["resource_role"], anna["technical_result"]) == ("RoutedTo", "Completed")
    assert anna["engage_ms"] == 5_000 and carla["engage_ms"] == 5_000
    assert anna["rule"] == "agent.routed_to + site.short_engagement + record.handling"
    assert anna["rule_at"] == ("rules/chat.rules:13 + site/short_engagement.rules:7 + "
                               "rules/chat.rules:155")
    assert (carla["resource_role"], carla["result_reason"]) == ("InConference", "Unspecified")
    assert (rows["Ben"]["engage_ms"], rows["Ben"]["result_reason"]) == (60_000, "Unspecified")
    assert main(["run", "chats.jsonl", "--rules", "site/", "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert table.count("[ShortEngagement]") == 1
    assert table == snapshot


@pytest.mark.parametrize(("setting", "marked"), [
    ("short_engagement=120s", {"Anna", "Ben", "Eve"}),
    ("short_engagement=30s", {"Anna", "Eve"}),
    ("short_engagement=5s", set()),
    ("short_engagement=5001ms", {"Anna"}),
])
def test_set_moves_the_threshold_for_routed_agents_only(workspace, capsys, setting, marked):
    create(workspace, SITE_RULE)
    code, rows, _ = run_rows(capsys, "--rules", "site/", "--set", setting)
    assert code == 0
    assert short_engaged(rows) == marked
    assert rows["Carla"]["result_reason"] == "Unspecified"


def test_a_threshold_that_is_not_a_duration_stops_the_run(workspace, capsys, snapshot):
    create(workspace, SITE_RULE)
    code = main(["run", "chats.jsonl", "--rules", "site/", "--set", "short_engagement=abc"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines()[0] == "rulesengine run: error: R205 --set short_engagement=abc: not a duration"
    assert "hint: write a number with a unit" in err
    assert err == snapshot


def test_explain_says_which_condition_kept_the_reason_away(workspace, capsys, snapshot):
    create(workspace, SITE_RULE)
    assert main(["explain", "chats.jsonl", "--rules", "site/", "--party", "chat-2.a2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("chat-2 chat-2.a2 (agent Carla): InConference/Completed  IRF\n")
    assert ("      site.short_engagement (Completed [ShortEngagement], priority 5): "
            "✗ origin in (route, inbound)  (origin is conference)\n") in out
    assert out == snapshot


def test_the_override_replaces_the_default_decline_rule(workspace, capsys):
    create(workspace, SITE_RULE)
    create(workspace, OVERRIDES)
    code, rows, _ = run_rows(capsys, "--rules", "site/")
    assert code == 0
    dora = rows["Dora"]
    assert (dora["technical_result"], dora["result_reason"]) == ("Redirected", "RouteOnNoAnswer")
    assert dora["rule_at"] == "rules/chat.rules:13 + site/overrides.rules:3 + rules/chat.rules:155"
    assert short_engaged(rows) == {"Anna"}


def test_an_accidental_replacement_is_r401(workspace, capsys, snapshot):
    for path in (SITE_RULE, OVERRIDES, TEAM_RULE):
        create(workspace, path)
    assert main(["check", "--rules", "site/", "--rules", "team/"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == ("team/declines.rules:3:6: error: R401 rule "
                                   "'agent.redirected_rejected' is already defined at "
                                   "site/overrides.rules:3")
    assert err == "rulesengine check: 27 rules, 8 facts, 1 error, 0 warnings\n"
    assert out == snapshot
    assert main(["run", "chats.jsonl", "--rules", "site/", "--rules", "team/"]) == 2
    assert capsys.readouterr().out == ""


def test_forgetting_override_against_the_defaults_is_r401_too(workspace, capsys):
    create(workspace, OVERRIDES, rule_files()[OVERRIDES].replace("override rule", "rule"))
    assert main(["check", "--rules", "site/"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("site/overrides.rules:3:6: error: R401 rule 'agent.redirected_rejected' "
                          "is already defined at rules/chat.rules:65\n")


# ---- the page's claims about the rule file ---------------------------------------------

def test_at_the_default_priority_the_rule_would_tie_with_completed(workspace, capsys):
    text = rule_files()[SITE_RULE]
    assert text.count("priority 5") == 1
    create(workspace, SITE_RULE, text.replace("priority 5", "priority 0"))
    assert main(["check", "--rules", "site/"]) == 0
    out = capsys.readouterr().out
    assert ": warning: R301 rules 'agent.completed' and 'site.short_engagement' both match party" in out
    code, rows, err = run_rows(capsys, "--rules", "site/")
    assert code == 1
    assert rows["Anna"]["technical_result"] == "Unspecified"
    assert ("error: R310 rules 'agent.completed' and 'site.short_engagement' both match party "
            "'chat-1.a1'") in err


def test_a_quick_transfer_stays_transferred(workspace, capsys):
    create(workspace, SITE_RULE)
    steps_ = [*chats.routed_start("t1", "Anna"),
              (6, "party.invited", {"party": "t1.a2", "kind": "agent", "resource": "Ben",
                                    "by": "t1.a1", "intent": "transfer"}),
              (7, "party.accepted", {"party": "t1.a2"}),
              (7, "party.left", {"party": "t1.a1"}),
              (60, "party.left", {"party": "t1.a2"}),
              (60, "interaction.ended", {})]
    chats.write(workspace / "chats.jsonl", chats.records("t1", steps_))
    code, rows, _ = run_rows(capsys, "--rules", "site/")
    assert code == 0
    assert rows["Anna"]["engage_ms"] == 2_000
    assert (rows["Anna"]["technical_result"], rows["Anna"]["result_reason"]) == \
        ("Transferred", "Unspecified")


def test_without_extending_the_vocabulary_the_reason_is_unknown(workspace, capsys):
    text = rule_files()[SITE_RULE]
    create(workspace, SITE_RULE, text.replace("extend vocabulary result_reason: ShortEngagement", ""))
    assert main(["check", "--rules", "site/"]) == 1
    assert ": error: R106 unknown result reason 'ShortEngagement'\n" in capsys.readouterr().out


def test_setting_an_undeclared_parameter_gets_a_did_you_mean(workspace, capsys):
    create(workspace, SITE_RULE)
    assert main(["run", "chats.jsonl", "--rules", "site/", "--set", "short_engagment=5s"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rulesengine run: error: R107 --set short_engagment: unknown param 'short_engagment'\n")
    assert "hint: did you mean 'short_engagement'?" in err


def test_a_misspelt_parameter_gets_a_did_you_mean(workspace, capsys):
    text = rule_files()[SITE_RULE]
    create(workspace, SITE_RULE, text.replace("< short_engagement", "< short_engagment"))
    assert main(["check", "--rules", "site/"]) == 1
    out = capsys.readouterr().out
    assert ": error: R101 unknown name 'short_engagment'" in out
    assert "hint: did you mean 'short_engagement'?" in out


# ---- the conditions over the whole interaction --------------------------------------------

def _more(workspace, capsys, *layers: str) -> dict[str, dict]:
    """`run more.jsonl` with the page's site rules (section 8 included) and these layers."""
    for path in (SITE_RULE, OVERRIDES, SUPERVISORS, VIP, CLOSER, BLIND, QUEUES):
        create(workspace, path)
    code = main(["run", "more.jsonl", "--rules", "site/", *layers])
    out, _ = capsys.readouterr()
    assert code == 0
    return {row["party"]: row for row in map(json.loads, out.splitlines())}


def _descriptor(row: dict) -> str:
    reason = row["result_reason"]
    return f"{row['resource_role']}/{row['technical_result']}" + ("" if reason == "Unspecified" else f" [{reason}]")


def test_each_example_changes_the_rows_it_is_about(workspace, capsys):
    rows = _more(workspace, capsys)
    assert _descriptor(rows["chat-4.q1"]) == "Received/CustomerAbandoned [VipAbandonedWhileQueued]"
    assert _descriptor(rows["chat-7.a2"]) == "ReceivedConsult/Completed [ClosedTheChat]"
    assert rows["chat-7.a2"]["rule"] == "site.supervisor_joined + site.closer + record.handling"
    assert _descriptor(rows["chat-6.a1"]) == "RoutedTo/Transferred"
    assert _descriptor(rows["chat-6.a2"]) == "ReceivedTransfer/Completed [ClosedTheChat]"
    assert _descriptor(rows["chat-5.a1"]) == "RoutedTo/CustomerAbandoned [AbandonedFromHold]"
    assert {_descriptor(row) for party, row in rows.items() if row["kind"] == "queue" and party != "chat-4.q1"} \
        == {"Received/Diverted"}


def test_without_the_fact_override_a_blind_transfer_is_completed(workspace, capsys):
    rows = _more(workspace, capsys)
    (workspace / BLIND).unlink()
    code = main(["run", "more.jsonl", "--rules", "site/"])
    out, _ = capsys.readouterr()
    assert code == 0
    again = {row["party"]: row for row in map(json.loads, out.splitlines())}
    assert _descriptor(again["chat-6.a1"]) == "RoutedTo/Completed"
    assert _descriptor(rows["chat-6.a1"]) == "RoutedTo/Transferred"


def test_the_blind_transfer_flow_is_transferred_with_the_site_fact(workspace, capsys):
    """The composition fixture x07 (docs/flows) is the site's case: the page's fact makes it Transferred."""
    create(workspace, BLIND)
    flow = str(Path(__file__).parents[1] / "flows" / "x07_blind_transfer.jsonl")
    assert main(["run", flow, "--rules", "site/"]) == 0
    rows = {row["party"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert _descriptor(rows["x07_blind_transfer.a1"]) == "RoutedTo/Transferred"
    assert main(["run", flow]) == 0
    rows = {row["party"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert _descriptor(rows["x07_blind_transfer.a1"]) == "RoutedTo/Completed"


def test_a_parameter_set_in_a_layer_says_where_its_value_comes_from(workspace, capsys):
    create(workspace, SITE_RULE)
    create(workspace, TUNED)
    code, rows, _ = run_rows(capsys, "--rules", "site/", "--rules", "tuned/")
    assert code == 0 and short_engaged(rows) == {"Anna", "Eve"}
    code, rows, _ = run_rows(capsys, "--rules", "site/", "--rules", "tuned/", "--set", "short_engagement=5s")
    assert code == 0 and short_engaged(rows) == set()
    assert main(["explain", "chats.jsonl", "--rules", "site/", "--rules", "tuned/", "--party", "chat-3.a2"]) == 0
    assert capsys.readouterr().out.endswith(
        "parameters:\n  short_engagement = 30s  (set at tuned/short_engagement.rules:3)\n")


def test_disabling_an_unknown_rule_is_r409(workspace, capsys):
    create(workspace, QUEUES, rule_files()[QUEUES].replace("queue.diverted_answered", "queue.diverted_answerd"))
    assert main(["check", "--rules", "site/"]) == 1
    out = capsys.readouterr().out
    assert ": error: R409 `disable rule queue.diverted_answerd`: no earlier rule has this id" in out
    assert "hint: did you mean 'queue.diverted_answered'?" in out
