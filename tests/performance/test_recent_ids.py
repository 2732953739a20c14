"""`RecentIds` remembers exactly what a first-in, first-out dict of the last N ids would."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.assemble import RecentIds, fingerprint

IDS = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(0, 12), ops=st.lists(st.tuples(st.booleans(), IDS), max_size=200))
def test_matches_a_bounded_ordered_dict(capacity: int, ops: list[tuple[bool, str]]) -> None:
    model: OrderedDict[str, None] = OrderedDict()
    recent = RecentIds(capacity)
    for adding, key in ops:
        if adding and key not in model:
            recent.add(fingerprint(key))
            if capacity:
                model[key] = None
                if len(model) > capacity:
                    model.popitem(last=False)
        assert (fingerprint(key) in recent) == (key in model)
        assert len(recent) == len(model)


def test_many_ids_through_a_small_window() -> None:
    recent = RecentIds(1000)
    for number in range(20_000):
        recent.add(fingerprint(f"i{number}"))
    assert len(recent) == 1000
    assert all(fingerprint(f"i{number}") in recent for number in range(19_000, 20_000))
    assert not any(fingerprint(f"i{number}") in recent for number in range(19_000))
