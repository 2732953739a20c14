"""What the command line says on stderr: counts in good English, errors that say where and what."""

from __future__ import annotations

import re

import pytest

from events.builders import record, write
from rulesengine.cli import main
from rulesengine.progress import render
from rulesengine.wording import counted


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
