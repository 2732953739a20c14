"""`SpilledSort` gives what a stable in-memory sort gives, whatever the runs spilled."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.speedups.spilled_sort import SpilledSort

records = st.lists(st.tuples(st.text(max_size=4), st.binary(max_size=40)), max_size=200)


@settings(max_examples=60, deadline=None)
@given(records, st.integers(min_value=1, max_value=3_000))
def test_the_merged_runs_are_a_stable_sort(added, limit):
    spilled = SpilledSort(limit=limit)
    for key, data in added:
        spilled.add(key, data)
    assert list(spilled) == [data for _, data in sorted(added, key=lambda record: record[0])]
    spilled.close()


def test_a_small_limit_spills_runs_that_leave_no_file_behind(tmp_path: Path):
    spilled = SpilledSort(limit=1_000, folder=str(tmp_path))
    for number in range(1_000):
        spilled.add(f"k{(number * 7919) % 1_000:04d}", b"x" * 50)
    assert spilled.runs > 10
    assert os.listdir(tmp_path) == []  # anonymous: gone from the folder as soon as made
    assert len(list(spilled)) == 1_000
    spilled.close()
