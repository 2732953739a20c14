"""`RecentIds` remembers exactly the ids completed within the last `window` lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.speedups.recent_ids import RecentIds, fingerprint

IDS = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(window=st.integers(0, 12),
       steps=st.lists(st.tuples(st.integers(0, 4), st.booleans(), IDS), max_size=200))
def test_matches_a_dict_of_ids_and_the_lines_that_completed_them(window: int, steps: list) -> None:
    """Each step moves on some lines, forgets what is too old (`due` saying whether there is
    anything to forget), then adds an id the way the assembler does (only one it does not
    remember) or looks one up."""
    model: dict[str, int] = {}
    recent = RecentIds(window)
    line = 0
    for skipped, adding, key in steps:
        line += skipped + 1
        assert (line >= recent.due) == any(line - ended > window for ended in model.values())
        recent.forget(line)
        model = {known: ended for known, ended in model.items() if line - ended <= window}
        if adding and key not in model:
            recent.add(fingerprint(key), line)
            if window:
                model[key] = line
        assert (fingerprint(key) in recent) == (key in model)
        assert len(recent) == len(model)


def test_many_ids_through_a_small_window() -> None:
    """One id a line: the table grows to the window, and what is forgotten is dropped for good."""
    recent = RecentIds(2000)
    first_slots = len(recent._slots)
    for line in range(1, 20_001):
        recent.forget(line)
        recent.add(fingerprint(f"i{line}"), line)
    assert len(recent) == 2001  # lines 18,000 to 20,000: within 2,000 lines of the last
    assert all(fingerprint(f"i{line}") in recent for line in range(18_000, 20_001))
    assert not any(fingerprint(f"i{line}") in recent for line in range(1, 18_000))
    assert first_slots < 3 * 2001 <= len(recent._slots)  # grown from too small to a third full at most
    assert len(recent._marks) < 2 * 2001  # the forgotten part of the queue is let go
