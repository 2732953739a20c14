"""The Python API takes what a program naturally passes, and answers anything else with a RulesError."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from rulesengine import Engine, RulesError
from rulesengine.cli import main
from rulesengine.output.rows import FIELDS
from tests.events.builders import transfer, write

PARAMS = ('param limit: int = 3  "a whole number"\nparam strict: bool = false  "a switch"\n'
          'param delivering_timeout: duration = 30s  "Interaction Server delivering-timeout"\n'
          'rule site.slow "d" for agent\n'
          '  when strict and alert >= delivering_timeout and count(p in others) < limit\n'
          '  set result Abandoned priority 30\n')


@pytest.fixture(scope="module")
def params(tmp_path_factory) -> Path:
    """A rules layer declaring a duration, an int and a bool parameter, and a rule reading them."""
    path = tmp_path_factory.mktemp("params") / "params.rules"
    path.write_text(PARAMS, encoding="utf-8")
    return path


@pytest.fixture
def load_problems(params):
    """The codes and messages of the RulesError these settings raise on the parameters' layer."""
    def problems(**settings: object) -> list[tuple[str, str]]:
        with pytest.raises(RulesError) as raised:
            Engine.from_rules(params, settings)
        return [(d.code, d.message) for d in raised.value.diagnostics]
    return problems


# ---- settings of other types than text --------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    (4.5, "setting delivering_timeout=4.5: a float is not a setting value"),
    (None, "setting delivering_timeout=None: a NoneType is not a setting value"),
    ([30], "setting delivering_timeout=[30]: a list is not a setting value"),
    (timedelta(microseconds=1500),
     ("setting delivering_timeout=datetime.timedelta(microseconds=1500): "
      "a duration is a whole number of milliseconds, 0 or more")),
    (timedelta(seconds=-1),
     ("setting delivering_timeout=datetime.timedelta(days=-1, seconds=86399): "
      "a duration is a whole number of milliseconds, 0 or more")),
])
def test_a_value_with_no_single_spelling_is_a_rules_error(value, message, params):
    with pytest.raises(RulesError) as raised:
        Engine.from_rules(params, {"delivering_timeout": value})
    [problem] = raised.value.diagnostics
    assert (problem.code, problem.message) == ("R205", message)
    assert problem.hint == ('write the value as on the command line ("45s", "true", "10"), '
                            "or give a bool, an int or a datetime.timedelta")


@pytest.mark.parametrize(("value", "text"), [(45, "45"), (True, "true"), (False, "false")])
def test_an_int_or_a_bool_for_a_duration_is_checked_as_its_text(value, text, load_problems):
    """No unit is a guess the loader refuses, exactly as for `--set delivering_timeout=45`."""
    assert load_problems(delivering_timeout=value) == [
        ("R205", f"--set delivering_timeout={text}: not a duration")]


def test_every_bad_setting_is_reported_at_once(load_problems):
    assert sorted(load_problems(delivering_timeout=4.5, unknown_param="1")) == [
        ("R107", "--set unknown_param: unknown param 'unknown_param'"),
        ("R205", "setting delivering_timeout=4.5: a float is not a setting value"),
    ]


@pytest.mark.parametrize("settings", [
    {"delivering_timeout": timedelta(seconds=45)},
    {"delivering_timeout": timedelta(milliseconds=1)},
    {"limit": 7, "strict": True},
    {"limit": -7, "strict": False},
    {"limit": "7", "strict": "true"},
])
def test_values_that_read_one_way_only_are_taken(params, settings):
    assert Engine.from_rules(params, settings).warnings == ()


def test_a_bool_is_not_an_int_parameter(params):
    with pytest.raises(RulesError) as raised:
        Engine.from_rules(params, {"limit": True})
    [problem] = raised.value.diagnostics
    assert problem.code == "R205" and problem.message.startswith("--set limit=true: not a")


# ---- rows as dicts ----------------------------------------------------------------------------

PATHS_ARE = "rule paths must be a path or a list of paths (text or os.PathLike),"


@pytest.mark.parametrize(("arguments", "code", "message"), [
    ({"paths": None}, "R407", f"{PATHS_ARE} not None"),
    ({"paths": b"site/"}, "R407", f"{PATHS_ARE} not b'site/'"),
    ({"paths": ["site/", 3]}, "R407", f"{PATHS_ARE} not ['site/', 3]"),
    ({"settings": None}, "R205", "settings must be a mapping of parameter names to values, not NoneType"),
])
def test_arguments_of_the_wrong_kind_are_a_rules_error_too(arguments, code, message):
    """Not a TypeError or an AttributeError from deep inside: a `RulesError` saying what to give."""
    with pytest.raises(RulesError) as raised:
        Engine.from_rules(**arguments)
    [problem] = raised.value.diagnostics
    assert (problem.code, problem.message) == (code, message)


def test_a_row_as_a_dict_is_its_json_line(tmp_path, capsys):
    events = transfer("c3")
    rows = Engine.from_rules().evaluate_events(events)
    assert main(["run", str(write(tmp_path / "c3.jsonl", events))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [row.to_dict() for row in rows] == [json.loads(line) for line in lines]
    assert all(list(row.to_dict()) == list(FIELDS) for row in rows)
    assert json.dumps(rows[2].to_dict(), separators=(",", ":")) == lines[2]
