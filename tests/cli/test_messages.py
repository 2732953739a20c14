"""What the command line says on stderr: counts in good English, errors that say where and what."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from rulesengine.cli import build_parser, main
from rulesengine.cli.progress import render
from rulesengine.wording import a, counted
from tests.events.builders import record, write


def lone_queue(interaction: str) -> list[dict]:
    """The smallest complete interaction: one queue party, entered and left."""
    return [
        record(interaction, 1, "interaction.created", media="chat"),
        record(interaction, 2, "party.entered", party=f"{interaction}.q1", kind="queue", resource="Chat_In"),
        record(interaction, 3, "party.left", party=f"{interaction}.q1"),
        record(interaction, 4, "interaction.ended"),
    ]


# ---- counts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "text"), [(0, "0 parties"), (1, "1 party"), (2, "2 parties")])
def test_counted_chooses_the_form_of_the_noun(number, text):
    assert counted(number, "party", "parties") == text


def test_counted_groups_thousands_on_request():
    assert counted(1, "row", grouped=True) == "1 row"
    assert counted(12_345, "row", grouped=True) == "12,345 rows"
    assert counted(12_345, "row") == "12345 rows"


@pytest.mark.parametrize(("word", "text"), [("agent", "an agent"), ("queue", "a queue"),
                                            ("Interaction", "an Interaction"), ("workbin", "a workbin")])
def test_a_noun_takes_the_article_its_first_letter_calls_for(word, text):
    assert a(word) == text


def test_a_run_of_one_of_everything_speaks_in_the_singular(capsys, tmp_path):
    events = write(tmp_path / "one.jsonl", [
        *lone_queue("one"),
        record("one", 5, "customer.left"),                   # late
        record("open", 1, "interaction.created", media="chat"),  # held open
        "not json",                                           # unreadable
    ])
    assert main(["run", str(events), "--no-default-rules"]) == 1
    err = capsys.readouterr().err
    summary, warning, note = err.splitlines()[-3:]
    assert re.fullmatch(r"rulesengine: 2 interactions read, 1 evaluated, 1 rejected, 1 held open, "
                        r"1 late event, 1 unreadable line; 1 row written in \d+\.\d\ds", summary)
    assert warning == ("rulesengine: warning: 1 party not fully decided by any rule "
                       "(rows with Unspecified parts)")
    assert note == ("rulesengine: note: 1 interaction has no interaction.ended yet; "
                    "--include-open evaluates it as provisional")


def test_several_of_everything_speak_in_the_plural(capsys, tmp_path):
    events = write(tmp_path / "two.jsonl", [
        *lone_queue("one"), *lone_queue("two"),
        record("open1", 1, "interaction.created", media="chat"),
        record("open2", 1, "interaction.created", media="chat"),
    ])
    assert main(["run", str(events), "--no-default-rules"]) == 0
    summary, warning, note = capsys.readouterr().err.splitlines()
    assert summary.startswith("rulesengine: 4 interactions read, 2 evaluated, 0 rejected, 2 held open; "
                              "2 rows written in ")
    assert warning.startswith("rulesengine: warning: 2 parties not fully decided")
    assert note == ("rulesengine: note: 2 interactions have no interaction.ended yet; "
                    "--include-open evaluates them as provisional")


def test_the_progress_line_counts_in_the_singular_too():
    assert render(1, 1, 1.0) == "rulesengine: 1 interaction, 1 row, 1 interactions/s"
    assert render(2, 1_000, 1.0) == "rulesengine: 2 interactions, 1,000 rows, 2 interactions/s"


# ---- explain names what it could not find --------------------------------------------------------

FLOWS = Path(__file__).parents[1] / "flows"
TRANSFER = str(FLOWS / "c03_transfer.jsonl")


@pytest.mark.parametrize(("argv", "message"), [
    (["--party", "c03_transfer.a9"],
     "no party 'c03_transfer.a9' in the input; did you mean 'c03_transfer.a2'?"),
    (["--party", "c03_transfer.a9", "--interaction", "c03_transfer"],
     "no party 'c03_transfer.a9' in interaction 'c03_transfer'; did you mean 'c03_transfer.a2'?"),
    (["--interaction", "c03_transfr"],
     "no interaction 'c03_transfr' in the input; did you mean 'c03_transfer'?"),
    (["--interaction", "c03_transfr", "--party", "c03_transfer.a1"],
     "no interaction 'c03_transfr' in the input; did you mean 'c03_transfer'?"),
    (["--party", "nobody"], "no party 'nobody' in the input"),
])
def test_explain_repeats_what_it_did_not_find_and_suggests_the_closest(capsys, argv, message):
    assert main(["explain", TRANSFER, *argv]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"rulesengine explain: error: {message}\n"


def test_explain_of_an_input_with_nothing_to_explain(capsys, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["explain", str(empty)]) == 1
    assert capsys.readouterr().err == "rulesengine explain: error: no interaction in the input was evaluated\n"


def test_graph_says_the_same_of_an_unknown_interaction(capsys):
    assert main(["graph", TRANSFER, "--interaction", "c03_transfr"]) == 1
    assert capsys.readouterr().err == ("rulesengine: error: no interaction 'c03_transfr' in the input; "
                                       "did you mean 'c03_transfer'?\n")


# ---- rules that do not load ---------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "explain"])
def test_a_rule_problem_without_a_place_starts_with_the_program(capsys, tmp_path, command):
    missing = tmp_path / "missing"
    assert main([command, TRANSFER, "--set", "delivering_timeout=soon", "--rules", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"rulesengine {command}: error: R107 --set delivering_timeout: unknown param 'delivering_timeout'",
        "    hint: known params: none",
        f"rulesengine {command}: error: R407 no such rules file or folder: {missing}",
    ]


def test_a_rule_problem_with_a_place_starts_with_it(capsys, tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('rule x "d"\n  for agnet\n  set result Completed\n', encoding="utf-8")
    assert main(["run", TRANSFER, "--rules", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:2:7: error: R102 ")


# ---- usage errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "check", "explain", "graph", "generate"])
def test_an_unknown_option_shows_the_usage_of_its_subcommand(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([command, "--no-such-option", "y"])
    assert exited.value.code == 2
    usage, *_, message = capsys.readouterr().err.splitlines()
    assert usage.startswith(f"usage: rulesengine {command} ")
    assert message.startswith(f"rulesengine {command}: error: unrecognized arguments: --no-such-option")


def test_an_unknown_option_before_the_command_shows_the_main_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--no-such-option", "check"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: rulesengine [-h]")
    assert err.endswith("rulesengine: error: unrecognized arguments: --no-such-option\n")


def test_every_option_of_every_subcommand_says_what_it_does():
    def silent_in(parser: argparse.ArgumentParser, name: str) -> list[str]:
        found = []
        for action in parser._actions:
            if not action.help:
                found.append(f"{name} {action.option_strings or action.dest}")
            if isinstance(action, argparse._SubParsersAction):
                for inner, subparser in action.choices.items():
                    found += silent_in(subparser, f"{name} {inner}".strip())
        return found

    [subcommands] = [action for action in build_parser()._actions
                     if isinstance(action, argparse._SubParsersAction)]
    assert [silent for name, subparser in subcommands.choices.items() for silent in silent_in(subparser, name)] == []
