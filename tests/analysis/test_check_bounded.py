"""`rulesengine check` proves what it warns about: each finding with a witness `run` reproduces."""

from __future__ import annotations

import json
import re

import pytest

from rulesengine.cli import check as check_command
from rulesengine.cli import main
from rulesengine.cli.progress import ERASE, Progress
from tests.analysis.conftest import SITE, assert_tie_reproduced, check, default_files, run_rows, witness


def test_the_default_rules_have_no_overlap_no_dead_rule_and_no_gap(capsys, tmp_path):
    checked = check(capsys, tmp_path, "--strict", "--verbose")
    assert checked.code == 0
    assert checked.out == ""
    summary = checked.err.splitlines()[1]
    assert re.fullmatch(r"rulesengine check: \d+ interactions within the bound \(1 party beyond the first queue "
                        r"and strategy, or 2 agents however reached\), \d+ distinct cases: 0 overlaps, 0 dead rules, "
                        r"0 gaps", summary)
    assert "  proved disjoint within the bound: 'queue.cleared' and 'queue.diverted' (result)" in checked.err
    assert not checked.witnesses.exists() or not list(checked.witnesses.iterdir())


def test_the_example_site_layer_gets_only_the_overlaps_that_have_witnesses(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(SITE, encoding="utf-8")
    layers = ("--rules", str(tmp_path / "site.rules"))
    checked = check(capsys, tmp_path, *layers)
    assert checked.code == 0
    overlaps = checked.findings("R301")
    pairs = sorted(re.search(r"rules '([^']+)' and '([^']+)'", f["message"]).groups() for f in overlaps)
    # the revoked, rejected and still-alerting rules never meet an engagement: no warning for them
    assert pairs == [("agent.completed", "site.short_engagement"), ("agent.in_conference", "site.supervisor"),
                     ("agent.puller", "site.supervisor"), ("agent.received_transfer", "site.supervisor"),
                     ("agent.routed_to", "site.supervisor")]
    for finding in overlaps:
        assert_tie_reproduced(capsys, checked, finding, *layers)
    [dead] = checked.findings("R304")
    assert dead["message"].startswith("rule 'site.short_engagement' decides nothing in any interaction within")
    assert "(and it ties with 'agent.completed')" in dead["message"]
    _, rows, _ = run_rows(capsys, witness(checked, dead), *layers)
    party = re.search(r"as for party '([^']+)'", dead["message"]).group(1)
    assert rows[party]["rule"].split(" + ")[1] in ("agent.abandoned_from_hold", "agent.transferred")


def test_a_witness_explains_the_tie(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(SITE, encoding="utf-8")
    checked = check(capsys, tmp_path, "--rules", str(tmp_path / "site.rules"))
    finding = next(f for f in checked.findings("R301") if "agent.completed" in f["message"])
    party = re.search(r"both match party '([^']+)'", finding["message"]).group(1)
    main(["explain", str(witness(checked, finding)), "--party", party, "--rules", str(tmp_path / "site.rules"),
          "--format", "json"])
    explained = json.loads(capsys.readouterr().out)
    result = next(slot for slot in explained["slots"] if slot["slot"] == "result")
    assert result["value"] == "Unspecified"
    tied = {other["rule"]["id"] for other in result["others"] if other["why_not"] == "tied"}
    assert tied == {"agent.completed", "site.short_engagement"}


SEEDED = {
    "a condition dropped": ("chat.rules", ("  match invited revoked\n  when not origin in (route, inbound)\n",
                                           "  match invited revoked\n"), ("agent.abandoned_revoked",
                                                                          "agent.redirected_revoked")),
    "a priority swapped": ("chat.rules", ("  set result Transferred\n  priority 10\n", "  set result Transferred\n"),
                           ("agent.completed", "agent.transferred")),
    "a test negated": ("chat.rules", ("  when handed_on\n  set result Diverted\n",
                                      "  when not handed_on\n  set result Diverted\n"),
                       ("queue.cleared", "queue.diverted")),
}


@pytest.mark.parametrize("fault", sorted(SEEDED))
def test_a_seeded_fault_is_caught_with_a_witness_run_confirms(capsys, tmp_path, fault):
    file, replacement, pair = SEEDED[fault]
    rules = default_files(tmp_path, {file: replacement})
    layers = ("--no-default-rules", "--rules", str(rules))
    checked = check(capsys, tmp_path, *layers)
    overlaps = [f for f in checked.findings("R301") if all(f"'{rule}'" in f["message"] for rule in pair)]
    assert len(overlaps) == 1, checked.out
    assert_tie_reproduced(capsys, checked, overlaps[0], *layers)


#: faults only an agent reached through a queue after an agent's request shows (c08a, c08b, x06):
#: that agent is invited by a strategy (`intent == route`) but came by a transfer, conference or consult
THROUGH_A_QUEUE = {
    "routed taken for its intent": ("  when origin in (route, inbound)\n  set role RoutedTo\n",
                                    "  when intent == route\n  set role RoutedTo\n"),
    "revoked taken for its intent": ("  match invited revoked\n  when not origin in (route, inbound)\n",
                                     "  match invited revoked\n  when intent != route\n"),
}


@pytest.mark.parametrize("fault", sorted(THROUGH_A_QUEUE))
def test_a_fault_only_an_agent_reached_through_a_queue_shows_is_caught_by_default(capsys, tmp_path, fault):
    rules = default_files(tmp_path, {"chat.rules": THROUGH_A_QUEUE[fault]})
    layers = ("--no-default-rules", "--rules", str(rules))
    assert check(capsys, tmp_path, *layers, "--agents", "0").codes() == []  # the bound alone cannot see it
    checked = check(capsys, tmp_path, *layers)
    found = [json.loads(line) for line in checked.out.splitlines()]
    assert found, checked.err
    for finding in found:
        events = witness(checked, finding).read_text(encoding="utf-8")
        assert '"intent":"route"' in events and '"kind":"strategy"' in events
        if finding["code"] == "R301":
            assert_tie_reproduced(capsys, checked, finding, *layers)
        else:
            assert finding["code"] == "R305", finding
            party = re.search(r"of agent '([^']+)'", finding["message"]).group(1)
            _, rows, _ = run_rows(capsys, witness(checked, finding), *layers)
            assert rows[party]["technical_result"] == "Unspecified"


def test_a_dropped_rule_leaves_a_gap_with_awitness(capsys, tmp_path):
    still = ('rule agent.still_alerting  "An invitation still unanswered when processing stopped (assumed)"\n'
             "  for agent\n  match invited\n  set result Incomplete\n")
    rules = default_files(tmp_path, {"chat.rules": (still, "")})
    layers = ("--no-default-rules", "--rules", str(rules))
    checked = check(capsys, tmp_path, *layers)
    [gap] = checked.findings("R305")
    assert gap["message"].startswith("no rule decides the result of agent ")
    party = re.search(r"of agent '([^']+)'", gap["message"]).group(1)
    _, rows, _ = run_rows(capsys, witness(checked, gap), *layers)
    assert rows[party]["technical_result"] == "Unspecified"


def test_a_rule_that_never_matches_is_dead(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(
        'rule site.never  "Nobody is both"\n  for agent\n  when origin == pull and origin == route\n'
        "  set result Cleared\n", encoding="utf-8")
    checked = check(capsys, tmp_path, "--rules", str(tmp_path / "site.rules"))
    [dead] = checked.findings("R304")
    assert dead["message"] == ("rule 'site.never' decides nothing in any interaction within the bound: "
                               "it matches no party")
    assert (dead["path"], dead["line"]) == (str(tmp_path / "site.rules"), 1)


def test_a_layer_that_changes_a_documented_flow_gets_a_note(capsys, tmp_path):
    (tmp_path / "site.rules").write_text('disable rule queue.diverted_answered  "ours"\n', encoding="utf-8")
    checked = check(capsys, tmp_path, "--strict", "--flows", "--rules", str(tmp_path / "site.rules"))
    assert checked.code == 0
    notes = checked.findings("R306")
    assert notes and all(note["severity"] == "note" for note in notes)
    first = notes[0]["message"]
    assert first.startswith("the layers change the documented flow 'c01_routed_completed': queue "
                            "c01_routed_completed.q1 Received/Diverted [AnsweredByAgent] (MSF) -> "
                            "Received/Diverted (MSF)")
    assert (checked.witnesses / "c01_routed_completed.jsonl").read_text(encoding="utf-8").startswith("# ")


def test_the_bound_and_the_cases_are_said_only_when_asked(capsys, tmp_path):
    checked = check(capsys, tmp_path, "--bound", "1")
    assert checked.err == "rulesengine check: 26 rules, 8 facts, 0 errors, 0 warnings\n"


def test_witnesses_that_cannot_be_written_are_an_input_error(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(SITE, encoding="utf-8")
    (tmp_path / "witnesses").write_text("a file", encoding="utf-8")
    checked = check(capsys, tmp_path, "--rules", str(tmp_path / "site.rules"), "--bound", "1")
    assert checked.code == 2
    assert checked.err.splitlines()[-1].startswith("rulesengine check: error: cannot write the witnesses to ")


@pytest.mark.parametrize("budget", ["0", "-1", "nan"])
def test_a_budget_is_a_positive_number_of_seconds(capsys, tmp_path, budget):
    checked = check(capsys, tmp_path, "--budget", budget)
    assert checked.code == 2
    assert checked.err == "rulesengine check: error: --budget takes a number of seconds above 0\n"


def test_a_fact_overridden_changes_documented_flows_with_no_rule_to_point_at(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(
        'override fact handed_on: bool  "Never"\n  = false\n', encoding="utf-8")
    checked = check(capsys, tmp_path, "--flows", "--rules", str(tmp_path / "site.rules"), "--bound", "0")
    notes = checked.findings("R306")
    assert notes and all(note["path"] is None for note in notes)
    assert "no longer decide" in notes[0]["message"]


def test_a_search_the_budget_cuts_short_proves_no_dead_rule(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(
        'rule site.never  "Nobody is both"\n  for agent\n  when origin == pull and origin == route\n'
        "  set result Cleared\n", encoding="utf-8")
    checked = check(capsys, tmp_path, "--rules", str(tmp_path / "site.rules"), "--bound", "6", "--budget", "0.5",
                    "--verbose")
    assert checked.code == 0
    assert "R304" not in checked.codes()
    assert ("; stopped by the 0.5 s budget: the overlaps and gaps listed were proved, the rest of the bound was "
            "not searched, and no rule is reported dead") in checked.err
    assert "  not seen together before the budget ran out: 'agent.abandoned_rejected' and" in checked.err


def test_on_a_terminal_a_long_analysis_says_how_far_it_has_got(capsys, tmp_path, monkeypatch):
    """`--agents 3` can take hours: a progress line says how many interactions are decided, and is
    erased before the summary; off a terminal (the test above) nothing is drawn."""
    monkeypatch.setattr(check_command, "Progress", lambda stream, text: Progress(
        stream, text=text, enabled=True, delay=0, every=0))
    checked = check(capsys, tmp_path, "--bound", "1")
    drawn = re.findall(r"\x1b\[Krulesengine check: ([\d,]+) interactions? decided, ([\d,]+) distinct cases?, \d+ s",
                       checked.err)
    decided = [int(count.replace(",", "")) for count, _ in drawn]
    assert len(decided) > 3 and decided == sorted(decided) and decided[-1] > 1000
    assert checked.err.endswith(f"{ERASE}rulesengine check: 26 rules, 8 facts, 0 errors, 0 warnings\n")


GLOBS = """\
rule site.supervisors  "Supervisors' names start with Sup_"
  for agent
  when resource matches "Sup_*"
  set role ReceivedConsult
  priority 5

rule site.ada  "Anyone called Ada"
  for agent
  when resource matches "*_Ada"
  set role InConference
  priority 5

rule site.vq  "The VQ_A and VQ_B queues"
  for queue
  when resource matches "VQ_[AB]"
  set result Cleared
  priority 40

rule site.both  "Both globs at once"
  for agent
  when resource matches "Sup_*" and resource matches "*_Ada"
  set record MSF
  priority 40
"""


def test_globs_that_overlap_tie_on_a_text_both_match_and_no_rule_with_globs_is_dead(capsys, tmp_path):
    (tmp_path / "site.rules").write_text(GLOBS, encoding="utf-8")
    layers = ("--rules", str(tmp_path / "site.rules"))
    checked = check(capsys, tmp_path, *layers, "--strict", "--agents", "0")  # an agent routed to is enough
    assert checked.code == 1
    [tie] = [f for f in checked.findings("R301") if "'site.supervisors'" in f["message"]
             and "'site.ada'" in f["message"]]
    assert "as Sup_Ada" in tie["message"]
    assert_tie_reproduced(capsys, checked, tie, *layers)
    assert checked.findings("R304") == []


def test_globs_with_too_many_classes_make_the_search_incomplete(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("rulesengine.analysis.text_classes.MAX_STATES", 3)
    (tmp_path / "site.rules").write_text(GLOBS, encoding="utf-8")
    checked = check(capsys, tmp_path, "--rules", str(tmp_path / "site.rules"), "--agents", "0")
    assert checked.findings("R304") == []
    assert ("the rules' globs tell apart more kinds of text than the analysis tries: the overlaps and gaps listed "
            "were proved, others may be missed, and no rule is reported dead") in checked.err
