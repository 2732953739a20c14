"""Terminal escape sequences in ids and broken lines are shown, never obeyed; data keeps them."""

from __future__ import annotations

import json

import pytest

from rulesengine.cli import main
from rulesengine.diagnostics import LONGEST_SHOWN, Position, error, printable
from tests.events.builders import routed, write

#: an OSC sequence that retitles a terminal window
TITLE = "\x1b]0;owned\x07"
CONTROLS = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0), 0x202E, 0x2066, 0x2028]))


def test_printable_escapes_every_control_character_and_keeps_the_rest() -> None:
    shown = printable(f"a{CONTROLS}é\\z")
    assert shown.isprintable()
    assert shown.startswith("a\\x00\\x01") and shown.endswith("\\u2028é\\z")
    assert printable("a\tb", tabs=True) == "a\tb" and printable("a\tb") == "a\\x09b"


def test_a_rendered_diagnostic_escapes_and_keeps_its_caret_under_the_column() -> None:
    source = '{"interaction":"c\x1b[2J1",\t"seq":true}'
    problem = error("E103", f"field 'seq' of '{TITLE}'", Position(f"in{TITLE}.jsonl", 3, source.index('"seq"') + 1),
                    source_line=source, hint=TITLE)
    text = problem.render()
    assert all(line.isprintable() for line in text.replace("\t", " ").split("\n"))
    header, shown, caret, hint = text.split("\n")
    assert header == "in\\x1b]0;owned\\x07.jsonl:3:26: error: E103 field 'seq' of '\\x1b]0;owned\\x07'"
    assert shown[caret.index("^"):].startswith('"seq"')
    assert hint == "    hint: \\x1b]0;owned\\x07"


@pytest.mark.parametrize(("before", "columns"),
                         [("日本語 ", 7), ("\uff41\uff42", 4), ("e\u0301t\u00e9 ", 4), ("\t日\t", -1)])
def test_the_caret_counts_the_columns_a_terminal_gives_wide_and_combining_characters(before, columns) -> None:
    """Three CJK characters take six columns, two fullwidth letters four, a combining accent
    none; a tab is copied, so that the caret lines up whatever the tab stops."""
    source = f'{before}orign == route'
    _, shown, caret = error("R101", "unknown name 'orign'", Position("site.rules", 1, len(before) + 1),
                            source_line=source).render().split("\n")
    if columns >= 0:
        assert caret == "    " + " " * columns + "^"
    else:
        assert caret == "    \t  \t^"
    assert shown == "    " + source


@pytest.mark.parametrize("column", [1, 5, 400, 5_000, 9_990, 10_001])
def test_a_long_line_is_shown_around_its_caret(column: int) -> None:
    """A line of ten thousand characters (one huge event) is shown as `LONGEST_SHOWN` of them
    around the caret, each cut side marked, with the caret still under its character."""
    source = "".join(chr(ord("a") + n % 26) for n in range(10_000))
    problem = error("E101", "invalid JSON", Position("big.jsonl", 1, column), source_line=source)
    _, shown, caret = problem.render().split("\n")
    body = shown[4:]
    assert len(body.removeprefix("...").removesuffix("...")) == LONGEST_SHOWN
    assert body.startswith("...") == (column > LONGEST_SHOWN // 2 + 1)
    assert body.endswith("...") == (column <= 10_000 - LONGEST_SHOWN // 2)
    assert shown[caret.index("^"):][:1] == source[column - 1:column]  # nothing past the end
    assert body.strip(".") in source


def test_a_line_of_the_longest_shown_length_is_shown_whole() -> None:
    source = "x" * LONGEST_SHOWN
    _, shown, caret = error("E101", "invalid JSON", Position("f.jsonl", 1, 7), source_line=source).render().split("\n")
    assert shown == "    " + source and caret == "    " + " " * 6 + "^"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ids_and_broken_lines_reach_stderr_escaped_and_the_rejects_file_as_they_are(
        capsysbinary, tmp_path, jobs) -> None:
    bad = routed(f"c{TITLE}")[1:]  # no interaction.created: E110 names the interaction
    cut = json.dumps(routed("c2")[0])[:-1] + f', "note": "{TITLE}"'  # raw controls: not JSON
    events = write(tmp_path / "events.jsonl", [*bad, cut, *routed("ok")])
    rejects = tmp_path / "rejects.jsonl"
    assert main(["run", str(events), "--rejects", str(rejects), "--jobs", jobs]) == 1
    out, err = capsysbinary.readouterr()
    assert b"\x1b" not in err and b"\x07" not in err
    assert b"c\\x1b]0;owned\\x07" in err and b'"note": "\\x1b]0;owned\\x07' in err
    assert {json.loads(row)["interaction"] for row in out.splitlines()} == {"ok"}
    assert {json.loads(text)["interaction"] for text in rejects.read_text().splitlines()} == {f"c{TITLE}", "c2"}


def test_a_table_shows_ids_escaped_and_json_keeps_them(capsysbinary, tmp_path) -> None:
    events = write(tmp_path / "events.jsonl", routed(f"c{TITLE}"))
    assert main(["run", str(events), "--format", "table"]) == 0
    table = capsysbinary.readouterr()[0].decode()
    assert "\x1b" not in table and "c\\x1b]0;owned\\x07" in table
    assert main(["run", str(events)]) == 0
    rows = [json.loads(row) for row in capsysbinary.readouterr()[0].splitlines()]
    assert {row["interaction"] for row in rows} == {f"c{TITLE}"}


def test_explain_shows_ids_escaped_and_its_json_keeps_them(capsysbinary, tmp_path) -> None:
    events = write(tmp_path / "events.jsonl", routed(f"c{TITLE}"))
    assert main(["explain", str(events)]) == 0
    text = capsysbinary.readouterr()[0].decode()
    assert "\x1b" not in text and "\x07" not in text and "c\\x1b]0;owned\\x07" in text
    assert main(["explain", str(events), "--format", "json"]) == 0
    explained = [json.loads(line) for line in capsysbinary.readouterr()[0].splitlines()]
    assert {item["interaction"] for item in explained} == {f"c{TITLE}"}


def test_graph_names_a_missing_interaction_and_its_neighbour_escaped(capsysbinary, tmp_path) -> None:
    events = write(tmp_path / "events.jsonl", routed(f"c{TITLE}"))
    assert main(["graph", str(events), "--interaction", f"c{TITLE}x"]) == 1
    err = capsysbinary.readouterr()[1]
    assert b"\x1b" not in err and b"did you mean 'c\\x1b]0;owned\\x07'?" in err
