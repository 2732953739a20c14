"""Formatting is a fixed point that changes no meaning and loses no comment, whatever the text.

For every rule file of the repository (the shipped ones, the broken examples that parse, the
`rules` blocks of docs/ that parse), for those texts with their layout shuffled and comments
added, and for the mutated and random texts of `test_rule_text_properties`:
`fmt(fmt(x)) == fmt(x)`, `fmt(x)` parses to the declarations of `x` in the same order (spans
aside), and `fmt(x)` keeps the comments of `x` in order.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulesengine.language.format import comments, declarations, format_text
from rulesengine.language.parse import parse, parser
from tests.rules.test_rule_text_properties import CUT_SHORT, FAST, MUTATED, RANDOM_TEXT

ROOT = Path(__file__).parents[2]


def _corpus() -> dict[str, str]:
    """Every rule text of the repository that parses, by where it is."""
    texts = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
             for path in sorted([*ROOT.glob("rulesengine/**/*.rules"), *ROOT.glob("tests/**/*.rules")])}
    for page in sorted(ROOT.glob("docs/**/*.md")):
        blocks = re.findall(r"```rules\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        texts.update({f"{page.relative_to(ROOT)} block {number}": block for number, block in enumerate(blocks)})
    return {name: text for name, text in texts.items() if parse(text, name)[0] is not None}


CORPUS = _corpus()


def span_blind(value: object) -> object:
    """A node as plain data without its spans: its type, then each other field, recursively."""
    if isinstance(value, msgspec.Struct):
        return (type(value).__name__, *((name, span_blind(getattr(value, name)))
                                        for name in value.__struct_fields__ if name != "span"))
    if isinstance(value, tuple):
        return tuple(span_blind(item) for item in value)
    return value


def same_declarations(text: str, other: str) -> bool:
    first, _ = parse(text, "x.rules")
    second, _ = parse(other, "x.rules")
    assert first is not None and second is not None
    return span_blind(tuple(declarations(first))) == span_blind(tuple(declarations(second)))


def assert_formats_well(text: str) -> None:
    """The three properties for a text that parses; a text that does not is reported, not raised."""
    formatted, problems = format_text(text, "x.rules")
    if formatted is None:
        assert problems and problems[0].severity.value == "error"
        return
    assert same_declarations(text, formatted)
    assert format_text(formatted, "x.rules")[0] == formatted
    assert [c.text for c in comments(formatted)] == [c.text for c in comments(text)]


def test_the_corpus_covers_every_kind_of_file():
    assert {"rulesengine/rules/chat.rules", "rulesengine/rules/facts.rules", "rulesengine/rules/vocabulary.rules",
            "tests/rules/broken/fact_cycle.rules", "docs/language.md block 2"} <= set(CORPUS)
    assert sum(name.startswith("docs/") for name in CORPUS) >= 15


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_rule_text_of_the_repository_formats_well(name):
    assert_formats_well(CORPUS[name])


def test_the_span_blind_comparison_sees_every_difference_but_the_spans():
    text = CORPUS["rulesengine/rules/chat.rules"]
    assert same_declarations(text, "\n\n" + text.replace("  ", "    "))
    assert not same_declarations(text, text.replace("priority 10", "priority 11", 1))
    facts = CORPUS["rulesengine/rules/facts.rules"]
    assert not same_declarations(facts, facts.replace("before left", "after left"))
    assert not same_declarations('param a: int = 1\nparam b: int = 2', 'param b: int = 2\nparam a: int = 1')


# ---- the corpus with its layout shuffled ------------------------------------------------------

#: what may stand between two tokens instead of what the author wrote (each comment numbered
#: where it is drawn, so that order counts)
SEPARATORS = (" ", "   ", "\t", "\n", "\n      ", "\n\n\n\n", "  # after {n}\n", "\n# own line {n}\n  ",
              "\n\n  # indented {n}\n\n", "\n    # under {n}\n")


def _gaps(text: str) -> list[tuple[int, int]]:
    """Where the whitespace and comments between two tokens are (start, end)."""
    tokens = list(parser().lex(text))
    return [(left.end_pos or 0, right.start_pos or 0) for left, right in itertools.pairwise(tokens)]


def _reshuffled(text: str, changes: dict[int, int]) -> str:
    """The text with some gaps between tokens replaced by other whitespace or comments."""
    gaps = _gaps(text)
    replaced = {gaps[index % len(gaps)]: SEPARATORS[choice].format(n=index) for index, choice in changes.items()}
    out, done = [], 0
    for (start, end), separator in sorted(replaced.items()):
        out += [text[done:start], separator]
        done = end
    return "".join([*out, text[done:]])


RESHUFFLED = st.builds(_reshuffled, st.sampled_from(sorted(CORPUS.values())),
                       st.dictionaries(st.integers(0, 10_000), st.integers(0, len(SEPARATORS) - 1), max_size=25))


@FAST
@given(RESHUFFLED)
def test_any_layout_of_a_rule_text_formats_well(text):
    assert parse(text, "x.rules")[0] is not None
    assert_formats_well(text)


@FAST
@given(st.sampled_from(sorted(CORPUS.values())), st.sampled_from(["", "  ", "\t", " \t  "]))
def test_spaces_between_the_tokens_of_a_line_change_nothing(text, more):
    spaced = _reshuffled(text, {})
    for start, end in reversed(_gaps(text)):
        if text[start:end] == " ":
            spaced = spaced[:start] + " " + more + spaced[end:]
    assert format_text(spaced, "x.rules")[0] == format_text(text, "x.rules")[0]


# ---- texts that are mostly not rule files ------------------------------------------------------

@FAST
@given(MUTATED)
def test_mutated_rules_format_well_or_fail_cleanly(text):
    assert_formats_well(text)


@FAST
@given(CUT_SHORT)
def test_rules_cut_short_format_well_or_fail_cleanly(text):
    assert_formats_well(text)


@FAST
@given(RANDOM_TEXT)
def test_random_text_formats_well_or_fails_cleanly(text):
    assert_formats_well(text)
