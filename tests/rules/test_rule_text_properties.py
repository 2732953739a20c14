"""Whatever a rule author types, loading answers with diagnostics, never a traceback.

Rule text is a large input space: these properties mutate the shipped rules (deleting,
duplicating and swapping tokens, cutting the file short) and feed plain random text, and
require every outcome to be either a clean load or errors that point inside the text.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.diagnostics import Severity

DEFAULTS = dict(default_layer())
#: the shipped facts and rules as one text, for mutations
CHAT = DEFAULTS["rules/facts.rules"] + "\n" + DEFAULTS["rules/chat.rules"]
VOCABULARY = ("rules/vocabulary.rules", DEFAULTS["rules/vocabulary.rules"])
TOKENS = CHAT.split(" ")
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(text: str):
    return load_layers([[VOCABULARY, ("site.rules", text)]], {})


def assert_well_placed(loaded, text: str) -> None:
    """A clean load compiles; otherwise every error names a line and column of the text."""
    lines = text.splitlines() or [""]
    if not loaded.errors:
        assert loaded.decider is not None
        return
    assert loaded.decider is None
    for problem in loaded.errors:
        assert problem.severity is Severity.ERROR and problem.code.startswith("R")
        where = problem.position
        assert where is not None, problem.render()
        if where.path == "site.rules":
            assert 1 <= where.line <= len(lines), problem.render()
            assert 1 <= where.col <= len(lines[where.line - 1]) + 1, problem.render()
        assert problem.render().startswith(f"{where}: error: {problem.code} ")


def _mutated(picks: list[int], how: str) -> str:
    """The shipped rules with a few tokens deleted, duplicated or swapped with others."""
    tokens = list(TOKENS)
    for pick in picks:
        if how == "delete":
            tokens[pick] = ""
        elif how == "duplicate":
            tokens[pick] = f"{tokens[pick]} {tokens[pick]}"
        else:
            other = (pick * 7 + 3) % len(tokens)
            tokens[pick], tokens[other] = tokens[other], tokens[pick]
    return " ".join(tokens)


#: the shipped rules mutated: mostly broken, sometimes still valid rule text
MUTATED = st.builds(_mutated, st.lists(st.integers(0, len(TOKENS) - 1), min_size=1, max_size=4),
                    st.sampled_from(["delete", "duplicate", "swap"]))
#: the shipped rules cut short anywhere
CUT_SHORT = st.integers(0, len(CHAT)).map(lambda cut: CHAT[:cut])
#: random text made of the language's words and signs, comments and line breaks among them
RANDOM_TEXT = st.lists(st.sampled_from([*'rule when set for match "ab_.()|?*+=!<>,:09\n #-',
                                        " fact ", " some(", " case ", " then ", " else ", " not ", " in ",
                                        " during ", " none ", " param ", " disable ", " = ", " count(", " data.",
                                        " by.", " override ", " coalesce(", " is not none "]),
                       max_size=60).map("".join)


@FAST
@given(MUTATED)
def test_mutated_rules_load_or_fail_with_placed_errors(text):
    assert_well_placed(load(text), text)


@FAST
@given(CUT_SHORT)
def test_rules_cut_short_anywhere_fail_with_placed_errors(text):
    assert_well_placed(load(text), text)


@FAST
@given(RANDOM_TEXT)
def test_random_text_never_raises(text):
    assert_well_placed(load(text), text)


def test_the_shipped_rules_load_clean():
    loaded = load_layers([list(DEFAULTS.items())], {})
    assert loaded.decider is not None and loaded.diagnostics == ()
