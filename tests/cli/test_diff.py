"""`rulesengine diff`: the transitions it reports are those two separate runs give, counted here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from rulesengine import Engine
from rulesengine.cli import main
from rulesengine.events.assemble import Rejection
from tests.customizing import chats
from tests.customizing.page import rule_files

FLOWS = sorted(str(path) for path in (Path(__file__).parents[1] / "flows").glob("*.jsonl"))
#: docs/customizing.md's site layer: a new result reason, a rule overridden, a fact redefined, a rule taken out
SITE_FILES = ("site/short_engagement.rules", "site/overrides.rules", "site/blind_transfers.rules",
              "site/queues.rules")
#: the threshold only the new side declares, so `--set` applies to that side alone
SETTING = "short_engagement=30s"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the page's site layer in `site/` and its chats, made the current one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    for path in SITE_FILES:
        (tmp_path / path).write_text(rule_files()[path], encoding="utf-8")
    chats.write(tmp_path / "chats.jsonl")
    chats.write(tmp_path / "more.jsonl", chats.more_events())
    return tmp_path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("corpus") / "generated.jsonl"
    assert main(["generate", "--count", "1500", "--seed", "11", "-o", str(path)]) == 0
    return str(path)


def diff(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def expected(sources: list[str], old: list[str], new: list[str], settings: dict[str, str]) -> dict:
    """The transitions and totals worked out the slow way: two whole runs through the Python API,
    rows joined by party, counted; the example is the first changed party of the first run."""
    def rows(layers: list[str]) -> tuple[list, int]:
        engine = Engine.from_rules(layers, {k: v for k, v in settings.items() if k in
                                            Engine.from_rules(layers).params})
        produced = list(engine.run(sources))
        return [row for row in produced if not isinstance(row, Rejection)], [
            row.kind for row in produced if isinstance(row, Rejection)]

    (before, rejections), (after, _) = rows(old), rows(new)
    after_by_party = {(row.interaction, row.party): row for row in after}
    counts: Counter = Counter()
    examples: dict = {}
    rules: dict = {}
    for row in before:
        other = after_by_party[row.interaction, row.party]
        old_outcome, new_outcome = _outcome(row), _outcome(other)
        if old_outcome == new_outcome:
            continue
        key = (row.kind, old_outcome, new_outcome)
        counts[key] += 1
        examples.setdefault(key, {"interaction": row.interaction, "party": row.party})
        old_rules, new_rules = rules.setdefault(key, (set(), set()))
        old_rules.add(row.rule)
        new_rules.add(other.rule)
    transitions = [{"kind": kind, "old": list(old_o), "new": list(new_o), "parties": count,
                    "old_rules": sorted(rules[kind, old_o, new_o][0]),
                    "new_rules": sorted(rules[kind, old_o, new_o][1]),
                    "example": examples[kind, old_o, new_o]}
                   for (kind, old_o, new_o), count in counts.items()]
    totals = {"interactions": len({row.interaction for row in before}), "parties": len(before),
              "changed": sum(counts.values()), "rejected": rejections.count("rejected"),
              "late": rejections.count("late")}
    return {"totals": totals, "transitions": sorted(transitions, key=_order)}


def _outcome(row) -> tuple[str, ...]:
    return (row.resource_role, row.role_reason, row.technical_result, row.result_reason, row.record)


def _order(transition: dict) -> tuple:
    return (-transition["parties"], transition["kind"], transition["old"], transition["new"])


def reported(out: str) -> dict:
    """What `--format json` says, in the shape `expected` gives."""
    document = json.loads(out)
    fields = ("resource_role", "role_reason", "technical_result", "result_reason", "record")
    transitions = [{**t, "old": [t["old"][f] for f in fields], "new": [t["new"][f] for f in fields]}
                   for t in document["transitions"]]
    return {"totals": document["totals"], "transitions": sorted(transitions, key=_order)}


def test_the_site_layer_on_the_flows_changes_what_two_runs_say(workspace, capsys):
    code, out, _ = diff(capsys, *FLOWS, "chats.jsonl", "more.jsonl", "--new-rules", "site/", "--set", SETTING,
                        "--format", "json")
    want = expected([*FLOWS, "chats.jsonl", "more.jsonl"], [], ["site/"], {"short_engagement": "30s"})
    assert code == 1
    assert reported(out) == want
    descriptors = {(t["old"][0], t["new"][3]) for t in want["transitions"]}
    assert ("RoutedTo", "ShortEngagement") in descriptors  # the new reason
    assert any(t["new"][3] == "RouteOnNoAnswer" for t in want["transitions"])  # the overridden rule
    assert any(t["new"][2] == "Transferred" for t in want["transitions"])  # the redefined fact


def test_the_site_layer_on_a_generated_corpus_changes_what_two_runs_say(workspace, generated, capsys):
    code, out, _ = diff(capsys, generated, "--new-rules", "site/", "--set", SETTING, "--format", "json")
    want = expected([generated], [], ["site/"], {"short_engagement": "30s"})
    assert code == 1
    assert reported(out) == want
    assert want["totals"]["changed"] > 100 and len(want["transitions"]) >= 3


def test_the_example_is_the_first_changed_party_in_input_order(workspace, capsys):
    code, out, _ = diff(capsys, "chats.jsonl", "--old-rules", "site/", "--new-rules", "site/", "--set",
                        "short_engagement=30s", "--format", "json")
    assert (code, json.loads(out)["transitions"]) == (0, [])
    (workspace / "tuned").mkdir()
    (workspace / "tuned" / "t.rules").write_text("set param short_engagement = 30s  \"tuned\"\n")
    code, out, _ = diff(capsys, "chats.jsonl", "--old-rules", "site/", "--new-rules", "site/", "--new-rules",
                        "tuned/", "--format", "json")
    [transition] = json.loads(out)["transitions"]
    assert code == 1
    assert (transition["parties"], transition["example"]) == (1, {"interaction": "chat-3", "party": "chat-3.a2"})
    assert transition["old_rules"] == ["agent.routed_to + agent.completed + record.handling"]
    assert transition["new_rules"] == ["agent.routed_to + site.short_engagement + record.handling"]


def _reshuffled(text: str) -> str:
    """The same rules, in the opposite order, with other comments and blank lines."""
    blocks = [block for block in text.split("\n\n") if not block.startswith("#")]
    return "# moved around, said differently\n\n\n" + "\n\n\n".join(reversed(blocks)) + "\n# the end\n"


def test_a_layer_that_only_moves_renames_or_recomments_rules_changes_nothing(workspace, generated, capsys):
    moved = workspace / "moved"
    moved.mkdir()
    texts = {path: (workspace / path).read_text() for path in SITE_FILES}
    # the rules of two files joined in one file of another name, reversed and re-commented,
    # and a rule renamed: the rows' `rule_at` and `rule` differ, their descriptors do not
    (moved / "all.rules").write_text(
        _reshuffled(texts["site/short_engagement.rules"]).replace("site.short_engagement", "site.brief")
        + "\n" + _reshuffled(texts["site/overrides.rules"]))
    (moved / "z.rules").write_text(texts["site/blind_transfers.rules"] + "\n" + texts["site/queues.rules"])
    code, out, err = diff(capsys, *FLOWS, generated, "--old-rules", "site/", "--new-rules", "moved/")
    assert (code, out) == (0, "")
    assert "0 of" in err and "changed" in err
    code, out, _ = diff(capsys, generated, "--old-rules", "site/", "--new-rules", "moved/", "--format", "markdown")
    assert code == 0 and out.startswith("**0 of ") and "|" not in out


def _git(folder: Path, *argv: str) -> None:
    subprocess.run(["git", "-C", str(folder), *argv], check=True, capture_output=True)


def test_against_a_revision_compares_the_committed_layer_with_the_work_tree(workspace, capsys):
    _git(workspace, "init", "-q")
    _git(workspace, "add", "site")
    _git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "site")
    rule = workspace / "site" / "short_engagement.rules"
    rule.write_text(rule.read_text().replace("= 10s", "= 30s"))
    _git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "30s")
    (workspace / "site" / "overrides.rules").unlink()  # only in the work tree: the old side keeps it
    code, out, err = diff(capsys, "chats.jsonl", "--against", "HEAD~1", "--rules", "site/", "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    assert document["old"] == {"layers": ["site/"], "revision": "HEAD~1", "defaults": True}
    assert document["new"] == {"layers": ["site/"], "revision": None, "defaults": True}
    changes = {(t["example"]["party"], t["old"]["descriptor"], t["new"]["descriptor"])
               for t in document["transitions"]}
    assert changes == {
        ("chat-3.a2", "RoutedTo/Completed", "RoutedTo/Completed [ShortEngagement]"),  # 30 s, committed
        ("chat-3.a1", "RoutedTo/Redirected [RouteOnNoAnswer]", "RoutedTo/Redirected [Rejected]"),  # deleted
    }
    # a file layer, and a subfolder as the current one: the same paths at the revision
    code, out, _ = diff(capsys, "chats.jsonl", "--against", "HEAD~1", "--rules", "site/short_engagement.rules",
                        "--format", "json")
    assert [t["example"]["party"] for t in json.loads(out)["transitions"]] == ["chat-3.a2"]
    code, out, err = diff(capsys, "chats.jsonl", "--against", "HEAD", "--rules", "site/")
    assert code == 1 and "chat-3.a1" in out and "chat-3.a2" not in out


def test_against_a_layer_the_revision_lacks_is_an_empty_layer_there(workspace, capsys):
    _git(workspace, "init", "-q")
    _git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty",
         "-m", "nothing yet")
    code, out, err = diff(capsys, "chats.jsonl", "--against", "HEAD", "--rules", "site/", "--format", "json")
    assert code == 1
    assert "rulesengine diff: note: site/ is not in HEAD: the old rules have no such layer" in err
    assert json.loads(out)["totals"]["changed"] == 5  # three queues, Anna, Dora


@pytest.mark.parametrize(("argv", "message"), [
    (["--against", "HEAD", "--rules", "site/"], "not in a git repository"),
    (["--against", "HEAD"], "--against needs the layers to compare"),
    (["--rules", "site/"], "without --against, give --old-rules and --new-rules"),
    (["--against", "HEAD", "--rules", "site/", "--old-rules", "site/"], "it takes no --old-rules"),
    ([], "nothing to compare"),
])
def test_usage_errors_exit_2_with_one_line(workspace, capsys, argv, message):
    code, out, err = diff(capsys, "chats.jsonl", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("rulesengine diff: error: ") and message in err and err.count("\n") == 1


def test_an_unknown_revision_is_a_usage_error(workspace, capsys):
    _git(workspace, "init", "-q")
    code, out, err = diff(capsys, "chats.jsonl", "--against", "nosuch", "--rules", "site/")
    assert (code, out) == (2, "")
    assert "--against nosuch: no such commit" in err


def test_rules_that_do_not_load_say_which_side_and_exit_2(workspace, capsys, snapshot):
    broken = workspace / "broken.rules"
    broken.write_text("rule x  \"a rule\"  for agent  set result Nonsense\n")
    code, out, err = diff(capsys, "chats.jsonl", "--old-rules", "site/", "--new-rules", "broken.rules")
    assert (code, out) == (2, "")
    assert "the new rules (the defaults + broken.rules) do not load: 1 error, 0 warnings" in err
    assert "the old rules" not in err
    assert err == snapshot


def test_a_setting_neither_side_declares_is_an_error_on_both(workspace, capsys):
    code, _, err = diff(capsys, "chats.jsonl", "--new-rules", "site/", "--set", "short_engagment=30s")
    assert code == 2
    assert "rulesengine diff (old rules): error: R107" in err and "rulesengine diff (new rules): error: R107" in err


def test_unreadable_input_exits_2(workspace, capsys):
    code, out, err = diff(capsys, "missing.jsonl", "--new-rules", "site/")
    assert (code, out) == (2, "")
    assert "missing.jsonl" in err


def test_rejected_interactions_are_counted_once_for_both_sides(workspace, capsys):
    broken = Path(__file__).parents[1] / "events" / "broken"
    sources = [str(path) for path in sorted(broken.glob("*.jsonl"))][:3]
    _, out, err = diff(capsys, *sources, "chats.jsonl", "--new-rules", "site/", "--format", "json")
    totals = json.loads(out)["totals"]
    assert totals["rejected"] > 0 and totals["interactions"] >= 3
    assert f"{totals['rejected']} interaction" in err and "the same on both sides" in err


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_one_or_two_processes_give_the_same_bytes(workspace, generated, capsys, output):
    argv = [generated, "--new-rules", "site/", "--set", SETTING, "--format", output]
    one = diff(capsys, *argv, "--jobs", "1")
    two = diff(capsys, *argv, "--jobs", "2")
    assert one == two and one[0] == 1 and one[1]


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_the_formats(workspace, capsys, snapshot, output):
    code, out, err = diff(capsys, "chats.jsonl", "more.jsonl", "--new-rules", "site/", "--set", SETTING,
                          "--format", output)
    assert code == 1
    assert out == snapshot
    assert err == ("rulesengine diff: 11 of 25 parties changed, in 7 interactions compared; 0 interactions "
                   "rejected (before any rule runs, so the same on both sides)\n")


def test_a_worker_killed_outright_ends_diff_with_one_line(workspace, generated, capsys, monkeypatch):
    """As for `run`: exit 2, what happened on one line, no traceback."""
    from rulesengine.runtime import diff as comparing

    model_of = comparing.model_of
    first: list[str] = []

    def killed(interaction):
        first.append(interaction.id)
        if len(first) == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return model_of(interaction)

    monkeypatch.setattr(comparing, "model_of", killed)
    code, out, err = diff(capsys, generated, "--new-rules", "site/", "--set", SETTING, "--jobs", "2")
    assert (code, out) == (2, "")
    assert err == ("rulesengine diff: error: a worker process ended without finishing its share (killed, by the "
                   "out-of-memory killer perhaps): the run is incomplete\n")


def test_a_late_event_is_counted_as_one_not_as_a_rejected_interaction(workspace, capsys):
    """An event after its interaction was done: run says 1 late event, 0 rejected; diff said
    1 interaction rejected beside the same interaction compared."""
    lines = Path(FLOWS[0]).read_text(encoding="utf-8").splitlines()
    late = json.loads(next(line for line in lines if line.startswith("{")))
    (workspace / "late.jsonl").write_text("\n".join([*lines, json.dumps({**late, "seq": 999})]) + "\n",
                                          encoding="utf-8")
    code, out, err = diff(capsys, "late.jsonl", "--new-rules", "site/", "--format", "json")
    totals = json.loads(out)["totals"]
    assert (totals["interactions"], totals["rejected"], totals["late"]) == (1, 0, 1)
    assert err.splitlines()[-1].endswith("0 interactions rejected (before any rule runs, so the same on both "
                                         "sides); 1 late event left out")
    assert code in (0, 1)
