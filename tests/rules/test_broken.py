"""A family of broken rule files, one mistake each, layered over the default rules.

Each file's diagnostics are pinned twice: by an explicit (code, line, col) list and
by a snapshot of the rendered text a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine.diagnostics import Severity
from rulesengine.ruleset import load_rules

BROKEN = Path(__file__).parent / "broken"

EXPECTED = {
    "accidental_replacement": [("R401", 1, 6)],
    "bad_duration": [("R201", 3, 17)],
    "duplicate_id": [("R403", 5, 6)],
    "enum_fact_alone": [("R203", 3, 8)],
    "equal_priority_overlap": [("R301", 1, 1)],
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
    "unknown_kind": [("R102", 2, 7)],
    "unknown_param": [("R107", 3, 17)],
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
    "unknown_param": "did you mean 'delivering_timeout'?",
    "unknown_vocabulary_value": "did you mean 'Completed'?",
    "override_missing": "did you mean 'agent.completed'?",
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
        assert loaded.evaluator is not None
    else:
        assert loaded.evaluator is None
    assert rendered == snapshot


def test_all_problems_of_all_files_at_once_sorted():
    names = ["unknown_param", "unknown_fact", "syntax_missing_set"]
    loaded = load_rules([str(BROKEN / f"{name}.rules") for name in names])
    assert [d.code for d in loaded.diagnostics] == ["R001", "R101", "R107"]
    assert loaded.diagnostics == tuple(sorted(loaded.diagnostics, key=lambda d: d.sort_key))


@pytest.mark.parametrize(("settings", "code", "says"), [
    ({"delivering_timeout": "30 seconds"}, "R205", "not a duration"),
    ({"delivering_timout": "45s"}, "R107", "did you mean 'delivering_timeout'?"),
])
def test_bad_setting(settings, code, says, snapshot):
    loaded = load_rules(settings=settings)
    assert [d.code for d in loaded.diagnostics] == [code]
    rendered = loaded.diagnostics[0].render()
    assert says in rendered
    assert loaded.evaluator is None
    assert rendered == snapshot


def test_good_setting_changes_the_value():
    loaded = load_rules(settings={"delivering_timeout": "1m30s"})
    assert loaded.diagnostics == ()
    assert loaded.params["delivering_timeout"].value == 90_000


def test_missing_path_is_a_diagnostic():
    loaded = load_rules(["no/such/file.rules"])
    assert [(d.code, d.message) for d in loaded.diagnostics] == [
        ("R407", "no such rules file or folder: no/such/file.rules")]
