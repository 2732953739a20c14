"""One text of each class the rules' constants and globs tell apart: every class, once."""

from __future__ import annotations

import fnmatch
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.analysis.text_classes import OTHER, text_classes


def _vector(text: object, constants: list[object], globs: list[str]) -> tuple[bool, ...]:
    """What the rules can see of a text: which constants it equals, which globs match it
    (as the compiled rules match them: `fnmatch.translate`, compiled with DOTALL)."""
    matches = [isinstance(text, str) and re.compile(fnmatch.translate(glob), re.DOTALL).match(text) is not None
               for glob in globs]
    return (*(text == constant and type(text) is type(constant) for constant in constants), *matches)


def test_two_globs_that_overlap_get_a_text_matching_both():
    found = text_classes([], ["Sup_*", "*_Ada"])
    assert found.complete
    vectors = {_vector(value, [], ["Sup_*", "*_Ada"]): value for value in found.values}
    assert set(vectors) == {(True, True), (True, False), (False, True), (False, False)}
    assert vectors[True, True] == "Sup_Ada" and vectors[False, False] == OTHER


def test_a_bracketed_set_gets_a_text_it_matches():
    found = text_classes([], ["VQ_[AB]"])
    assert [_vector(value, [], ["VQ_[AB]"]) for value in found.values] == [(True,), (False,)]


def test_constants_alone_give_themselves_and_one_other_text():
    assert text_classes(["Agent7", 3, True], []).values == (True, 3, "Agent7", OTHER)
    assert text_classes([OTHER], []).values[0] == OTHER and len(text_classes([OTHER], []).values) == 2
    assert text_classes([], []).values == (OTHER,)  # tested only for none: any text beside it


def test_a_glob_that_matches_the_usual_other_text_gets_another_for_matching_none():
    found = text_classes([], ["o*"])
    assert [_vector(value, [], ["o*"]) for value in found.values] == [(True,), (False,)]


def test_an_attached_value_may_be_the_empty_text_which_some_globs_tell_apart():
    found = text_classes([], ["*", "?*"], empty=True)
    assert {_vector(value, [], ["*", "?*"]): value for value in found.values}[True, False] == ""
    assert "" not in text_classes([], ["*", "?*"]).values


def test_a_glob_that_matches_everything_leaves_one_class():
    assert text_classes([], ["*"]).values == ("0",)


def test_too_many_combinations_leave_the_classes_incomplete():
    assert not text_classes([], ["*a*b*c*", "*c*b*a*", "*b?a*"], states=5).complete


_GLOB_PIECES = st.sampled_from(["a", "b", "_", "*", "?", "[ab]", "[!a]", "[a-c]", "[", "]", "[]]", "[!]"])
_TEXTS = st.text(alphabet="ab_c[]!-", min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(globs=st.lists(st.lists(_GLOB_PIECES, max_size=5).map("".join), max_size=4),
       constants=st.lists(_TEXTS, max_size=3), texts=st.lists(_TEXTS, min_size=1, max_size=30))
def test_every_text_is_alike_to_one_value_tried(globs, constants, texts):
    """Whatever the globs and constants, each text passes exactly the tests one value tried
    passes, and no two values tried pass the same tests."""
    found = text_classes(constants, globs)
    assert found.complete
    tried = [_vector(value, constants, globs) for value in found.values]
    assert len(set(tried)) == len(tried)
    for text in texts:
        assert _vector(text, constants, globs) in tried, (text, found.values)
