"""The integrator's API in `rulesengine`: docs/api.md runs, and each promise it makes holds."""

from __future__ import annotations

import importlib.metadata
import re
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulesengine
from rulesengine import (
    Decision,
    Engine,
    EventsError,
    InputError,
    Rejection,
    Row,
    RulesError,
    RunStats,
    explain_json,
    explain_parameters_text,
    explain_text,
)
from rulesengine.cli import main
from rulesengine.runtime.pipeline import iter_models

from . import chats
from .page import rule_files

API_PAGE = Path(__file__).parents[2] / "docs" / "api.md"
SITE = "site/short_engagement.rules"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_rules()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The customization page's folder: its site rules and `chats.jsonl`, made current."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    for path, text in rule_files().items():
        if path.startswith("site/"):
            (tmp_path / path).write_text(text, encoding="utf-8")
    chats.write(tmp_path / "chats.jsonl")
    return tmp_path


def _fenced(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", API_PAGE.read_text(encoding="utf-8"),
                      flags=re.DOTALL | re.MULTILINE)


def test_the_page_examples_run_and_print_what_it_shows(workspace, capsys):
    namespace: dict = {}
    for block in _fenced("python"):
        exec(compile(block, str(API_PAGE), "exec"), namespace)
    assert namespace["bad"].code == "E104"
    assert capsys.readouterr().out == _fenced("text")[0]


def test_version_comes_from_the_package_metadata():
    assert rulesengine.__version__ == importlib.metadata.version("rulesengine")


def test_the_api_does_not_hide_the_stage_modules():
    import rulesengine.decide.decider
    import rulesengine.decide.explain

    assert isinstance(rulesengine.decide.decider, types.ModuleType)
    assert isinstance(rulesengine.decide.explain, types.ModuleType)
    assert set(rulesengine.__all__) <= set(dir(rulesengine))
    # the package names them without importing `api` (it loads on first use): the two lists agree
    assert set(rulesengine.__all__) - {"__version__"} == set(rulesengine.api.__all__)


# ---- loading ---------------------------------------------------------------------------

def test_rules_that_do_not_load_raise_with_every_diagnostic(tmp_path, snapshot):
    bad = tmp_path / "bad.rules"
    bad.write_text('rule x "d"\n  for agnet\n  set result Complted\n', encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        Engine.from_rules(bad)
    problem = raised.value
    assert [d.code for d in problem.diagnostics] == ["R102", "R106"]
    assert str(problem) == "\n".join(d.render() for d in problem.diagnostics)
    assert str(problem).replace(str(tmp_path), "TMP") == snapshot


def test_one_path_a_list_of_paths_and_path_objects_all_work(workspace):
    for paths in ("site/", Path("site"), ["site/"], [Path("site/short_engagement.rules")]):
        rows = Engine.from_rules(paths).evaluate_events(chats.events())
        assert {r.resource for r in rows if r.result_reason == "ShortEngagement"} == {"Anna"}


def test_settings_change_parameters(workspace):
    rows = Engine.from_rules("site/", {"short_engagement": "120s"}).evaluate_events(chats.events())
    # Ben closed his chat: the page's `site.closer` (priority 6) beats a short engagement (5)
    assert {r.resource for r in rows if r.result_reason == "ShortEngagement"} == {"Anna", "Eve"}


def test_a_bad_setting_is_r205(workspace):
    with pytest.raises(RulesError) as raised:
        Engine.from_rules("site/", {"short_engagement": "abc"})
    assert [d.code for d in raised.value.diagnostics] == ["R205"]


def test_warnings_of_a_successful_load_are_kept(workspace):
    Path(SITE).write_text(rule_files()[SITE].replace("engage < short_engagement", "engage < 10s"), encoding="utf-8")
    engine = Engine.from_rules("site/")
    assert [d.code for d in engine.warnings] == ["R303"]
    assert Engine.from_rules().warnings == ()


def test_a_tie_is_for_check_to_prove_not_a_warning_of_the_load(workspace):
    Path(SITE).write_text(rule_files()[SITE].replace("priority 5", "priority 0"), encoding="utf-8")
    assert Engine.from_rules("site/").warnings == ()


def test_without_defaults_only_the_given_rules_count(tmp_path):
    only = tmp_path / "only.rules"
    only.write_text('vocabulary role: Someone\nrule a "d" for agent set role Someone\n',
                    encoding="utf-8")
    rows = Engine.from_rules(only, defaults=False).evaluate_events(chats.events())
    assert {(r.kind, r.resource_role, r.technical_result) for r in rows} == {
        ("agent", "Someone", "Unspecified"),
        ("queue", "Unspecified", "Unspecified"),
        ("strategy", "Unspecified", "Unspecified"),
    }


# ---- events as dicts ---------------------------------------------------------------------

def test_evaluate_events_gives_the_rows_of_a_run(engine, workspace):
    from_files = [item for item in engine.run("chats.jsonl") if isinstance(item, Row)]
    assert engine.evaluate_events(chats.events()) == sorted(from_files, key=lambda r: r.interaction)
    assert [(r.interaction, r.party) for r in engine.evaluate_events(chats.events())][:3] == [
        ("chat-1", "chat-1.q1"), ("chat-1", "chat-1.s1"), ("chat-1", "chat-1.a1")]


@settings(max_examples=30, deadline=None)
@given(st.permutations(chats.events()))
def test_the_order_of_the_dicts_never_matters(engine, events):
    assert engine.evaluate_events(events) == engine.evaluate_events(chats.events())
    assert [e.party for e in engine.explain(events)] == [e.party for e in engine.explain(chats.events())]


def test_an_interaction_without_end_gives_provisional_rows(engine):
    events = [e for e in chats.events() if e["interaction"] == "chat-1"][:-1]
    rows = engine.evaluate_events(events)
    assert len(rows) == 3 and all(row.provisional for row in rows)


def test_broken_events_raise_every_problem_sorted(engine, snapshot):
    events = chats.events()
    events[1] = {**events[1], "kind": "queu"}            # chat-1: unknown kind
    events[20] = {**events[20], "seq": 10}               # chat-2: seq used twice
    with pytest.raises(EventsError) as raised:
        engine.evaluate_events(events)
    problems = raised.value.diagnostics
    assert [(d.code, str(d.position)) for d in problems] == [
        ("E104", "<events>:2:105"), ("E114", "<events>:21:25")]
    assert str(raised.value) == snapshot


@pytest.mark.parametrize(("event", "code"), [
    (["not", "an", "object"], "E106"),
    ({"interaction": "x", "seq": 1, "ts": "2026-03-02T10:00:00Z", "event": "interaction.created",
      "media": "chat", "data": {"when": {1, 2}}}, "E101"),
])
def test_what_is_not_an_event_object_is_an_events_error(engine, event, code):
    with pytest.raises(EventsError) as raised:
        engine.evaluate_events([event])
    assert [d.code for d in raised.value.diagnostics] == [code]
    assert raised.value.diagnostics[0].position.path == "<events>"


def test_no_events_no_rows(engine):
    assert engine.evaluate_events([]) == []
    assert engine.explain([]) == []


def test_decide_is_the_decision_behind_a_row(engine, tmp_path):
    events = [e for e in chats.events() if e["interaction"] == "chat-2"]
    [model] = iter_models([str(chats.write(tmp_path / "chat-2.jsonl", events))])
    decisions = engine.decide(model)
    assert all(isinstance(d, Decision) for d in decisions)
    rows = [Row.of(model, p, d) for p, d in zip(model.parties, decisions, strict=True)]
    assert engine.evaluate_events(events) == rows


def test_parameters_say_where_their_values_come_from(workspace):
    engine = Engine.from_rules("site/", {"short_engagement": "30s"})
    [param] = engine.parameters()
    assert (param.name, param.value, param.source) == ("short_engagement", "30s", "--set")


# ---- files, streamed ------------------------------------------------------------------------

def test_run_streams_rows_and_rejections_and_fills_stats(engine, tmp_path):
    events = chats.events()
    events[1] = {**events[1], "kind": "queu"}
    source = chats.write(tmp_path / "some-broken.jsonl", events)
    stats = RunStats()
    items = list(engine.run([source], stats=stats))
    rejections = [item for item in items if isinstance(item, Rejection)]
    assert [(r.interaction, [d.code for d in r.diagnostics]) for r in rejections] == [
        ("chat-1", ["E104"])]
    assert {row.interaction for row in items if isinstance(row, Row)} == {"chat-2", "chat-3"}
    assert (stats.stream.evaluated, stats.stream.rejected, stats.rows) == (2, 1, 8)


def test_run_holds_open_interactions_back_unless_asked(engine, tmp_path):
    source = chats.write(tmp_path / "open.jsonl", chats.events()[:9])
    assert list(engine.run(source)) == []
    rows = list(engine.run(source, include_open=True))
    assert len(rows) == 3 and all(row.provisional for row in rows)


def test_run_of_a_missing_file_raises_input_error(engine, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(engine.run(tmp_path / "missing.jsonl"))


# ---- explain ----------------------------------------------------------------------------------

def test_explain_text_is_what_the_command_prints(workspace, capsys):
    engine = Engine.from_rules("site/")
    [why] = engine.explain(chats.events(), party="chat-3.a2")
    assert why.decision.technical_result == "Completed"
    assert main(["explain", "chats.jsonl", "--rules", "site/", "--party", "chat-3.a2"]) == 0
    parameters = engine.parameters()
    assert explain_text(why) + "\n\n" + explain_parameters_text(parameters) + "\n" == capsys.readouterr().out
    assert main(["explain", "chats.jsonl", "--rules", "site/", "--party", "chat-3.a2",
                 "--format", "json"]) == 0
    assert explain_json(why, parameters) + "\n" == capsys.readouterr().out


def test_explain_every_party_in_order(engine):
    explained = engine.explain(chats.events())
    assert [e.party for e in explained] == [r.party for r in engine.evaluate_events(chats.events())]


def test_explain_of_an_unknown_party_suggests_one(engine):
    with pytest.raises(ValueError, match=r"no party 'chat-3\.a3' in these events; "
                                         r"did you mean 'chat-3\.a"):
        engine.explain(chats.events(), party="chat-3.a3")
