"""A family of broken rule files, one mistake each, layered over the default rules.

Each file's diagnostics are pinned twice: by an explicit (code, line, col) list and
by a snapshot of the rendered text a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Severity

BROKEN = Path(__file__).parent / "broken"

EXPECTED = {
    "accidental_replacement": [("R401", 1, 6)],
    "bad_duration": [("R201", 3, 17)],
    "duplicate_id": [("R403", 5, 6)],
    "enum_fact_alone": [("R203", 3, 8)],
    "extend_unknown_vocabulary": [("R108", 1, 19)],
    "override_missing": [("R402", 1, 15)],
    "syntax_eof": [("R001", 4, 7)],
    "syntax_missing_description": [("R001", 2, 3)],
    "syntax_missing_set": [("R001", 4, 3)],
    "syntax_single_equals": [("R001", 3, 15)],
    "syntax_unclosed_parenthesis": [("R001", 4, 3)],
    "syntax_unknown_keyword": [("R001", 3, 3)],
    "unknown_fact": [("R101", 3, 8)],
    "unknown_fact_value": [("R105", 3, 18)],
    "keyword_as_text": [("R110", 3, 20)],
    "unknown_kind": [("R102", 2, 7)],
    "unknown_param": [("R101", 3, 17)],
    "never_decides": [("R302", 6, 1)],
    "fact_cycle": [("R208", 1, 6)],
    "fact_recursion_both_ways": [("R208", 1, 6)],
    "compared_with_none": [("R209", 3, 8)],
    "fact_named_like_a_primitive": [("R210", 1, 6)],
    "fact_of_the_wrong_type": [("R211", 2, 5)],
    "unknown_function": [("R212", 2, 5)],
    "unknown_attribute": [("R214", 3, 11)],
    "unknown_fact_type": [("R109", 1, 12)],
    "override_missing_fact": [("R402", 1, 15)],
    "disable_unknown_rule": [("R409", 1, 14)],
    "set_param_unknown": [("R107", 1, 11)],
    "unread_param": [("R303", 1, 1)],
    "unknown_step": [("R103", 3, 17)],
    "unknown_step_attribute": [("R104", 3, 25)],
    "unknown_vocabulary_value": [("R106", 3, 29)],
    "vocabulary_redeclared": [("R404", 1, 1)],
}
#: the words each message must contain (what the author is told)
SAYS = {
    "syntax_missing_set": "missing `set`",
    "syntax_missing_description": "missing description",
    "syntax_single_equals": "use `==`",
    "syntax_unclosed_parenthesis": "unclosed parenthesis",
    "syntax_unknown_keyword": "did you mean 'when'?",
    "syntax_eof": "missing value after the slot",
    "unknown_fact": "did you mean 'origin'?",
    "unknown_fact_value": "did you mean 'route'?",
    "keyword_as_text": 'quote it: "set"',
    "unknown_param": "did you mean 'slow_alert'?",
    "unknown_fact_type": "did you mean 'state'?",
    "override_missing_fact": "did you mean 'origin'?",
    "disable_unknown_rule": "did you mean 'agent.completed'?",
    "unknown_function": "did you mean 'coalesce'?",
    "unknown_attribute": "did you mean 'kind'?",
    "fact_cycle": "depend on each other on the same party",
    "unknown_vocabulary_value": "did you mean 'Completed'?",
    "override_missing": "did you mean 'agent.completed'?",
    "never_decides": "'site.workbin_cleared' always matches with a higher priority (30)",
}


def test_every_broken_file_is_listed():
    assert sorted(path.stem for path in BROKEN.glob("*.rules")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file(name, snapshot):
    loaded = load_rules([str(BROKEN / f"{name}.rules")])
    found = [(d.code, d.position.line, d.position.col) for d in loaded.diagnostics]
    assert found == EXPECTED[name]
    assert all(d.position.path == f"{BROKEN}/{name}.rules" for d in loaded.diagnostics)
    rendered = "\n".join(d.render() for d in loaded.diagnostics).replace(str(BROKEN), "broken")
    assert SAYS.get(name, "") in rendered
    if all(d.severity is Severity.WARNING for d in loaded.diagnostics):
        assert loaded.decider is not None
    else:
        assert loaded.decider is None
    assert rendered == snapshot


def test_all_problems_of_all_files_at_once_sorted():
    names = ["unknown_param", "unknown_fact", "syntax_missing_set"]
    loaded = load_rules([str(BROKEN / f"{name}.rules") for name in names])
    assert [d.code for d in loaded.diagnostics] == ["R001", "R101", "R101"]
    assert loaded.diagnostics == tuple(sorted(loaded.diagnostics, key=lambda d: d.sort_key))


#: a layer with a parameter its rule reads, for the settings tests
TIMEOUT = ('param delivering_timeout: duration = 30s "Interaction Server delivering-timeout"\n'
           'rule agent.slow "d" for agent when alert >= delivering_timeout '
           'set result Abandoned priority 15\n')


@pytest.fixture
def timeout_layer(tmp_path) -> str:
    path = tmp_path / "timeout.rules"
    path.write_text(TIMEOUT, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("settings", "code", "says"), [
    ({"delivering_timeout": "30 seconds"}, "R205", "not a duration"),
    ({"delivering_timout": "45s"}, "R107", "did you mean 'delivering_timeout'?"),
])
def test_bad_setting(settings, code, says, snapshot, timeout_layer):
    loaded = load_rules([timeout_layer], settings=settings)
    assert [d.code for d in loaded.diagnostics] == [code]
    rendered = loaded.diagnostics[0].render()
    assert says in rendered
    assert loaded.decider is None
    assert rendered == snapshot


def test_good_setting_changes_the_value(timeout_layer):
    loaded = load_rules([timeout_layer], settings={"delivering_timeout": "1m30s"})
    assert loaded.diagnostics == ()
    assert loaded.params["delivering_timeout"].value == 90_000
    assert loaded.params["delivering_timeout"].source_text == "--set"


def test_missing_path_is_a_diagnostic():
    loaded = load_rules(["no/such/file.rules"])
    assert [(d.code, d.message) for d in loaded.diagnostics] == [
        ("R407", "no such rules file or folder: no/such/file.rules")]
