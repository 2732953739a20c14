"""Batches run one after another with `--state` give the rows and rejects of one run over all of them."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulesengine.decide.ruleset import load_rules
from rulesengine.events.assemble import Rejection
from rulesengine.events.generate import generate_lines
from rulesengine.runtime.carry import CarryOver
from rulesengine.runtime.parallel import decide_parallel
from rulesengine.runtime.pipeline import decide_sources
from tests.batches.streams import by_interaction, cut, run, stream

RULES = load_rules().decider
CUTS = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=4)


def one_run_and_batches(folder: Path, lines: list[str], cuts: list[int], *options: str) -> None:
    """Both outputs, for the caller to compare: one run over every batch, and the batches in turn."""
    batches = cut(lines, [point % len(lines) or 1 for point in cuts], folder)
    assert run(*batches, "--sort", "-o", str(folder / "one.jsonl"), "--rejects", str(folder / "one.rejects"),
               *options) in (0, 1)
    for number, batch in enumerate(batches):
        assert run(batch, "--state", str(folder / "state"), "--sort", "-o", str(folder / f"{number}.jsonl"),
                   "--rejects", str(folder / f"{number}.rejects"), *options) in (0, 1)
    joined = b"".join((folder / f"{number}.jsonl").read_bytes() for number in range(len(batches)))
    assert by_interaction(joined) == (folder / "one.jsonl").read_bytes()
    rejects = b"".join((folder / f"{number}.rejects").read_bytes() for number in range(len(batches)))
    assert rejects == (folder / "one.rejects").read_bytes()


@pytest.mark.parametrize("jobs", ["1", "2"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10_000), count=st.integers(min_value=1, max_value=25), cuts=CUTS)
def test_batches_in_turn_give_the_rows_and_rejects_of_one_run(capsysbinary, jobs, seed, count, cuts) -> None:
    with TemporaryDirectory() as folder:
        one_run_and_batches(Path(folder), stream(count, seed), cuts, "--jobs", jobs)
    capsysbinary.readouterr()


def test_the_generated_streams_do_reject_and_find_late_events(capsysbinary, tmp_path) -> None:
    """The property above sees broken interactions and late events, not only clean chats."""
    path = cut(stream(30, 7), [], tmp_path)[0]
    assert run(path, "--rejects", str(tmp_path / "rejects")) == 1
    rejects = (tmp_path / "rejects").read_text()
    assert '"kind":"late"' in rejects and '"kind":"rejected"' in rejects
    capsysbinary.readouterr()


def rows_and_rejections(items) -> list:
    return [item.interaction if isinstance(item, Rejection) else (item.interaction, item.rows) for item in items]


@pytest.mark.parametrize("jobs", [1, 2])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000), cuts=CUTS, window=st.integers(min_value=0, max_value=60))
def test_the_late_window_is_counted_across_batches(jobs, seed, cuts, window) -> None:
    """A short window ends inside some later batch: an id is late in a batch exactly when it is in one run."""
    decider = RULES
    with TemporaryDirectory() as folder:
        batches = cut(stream(25, seed), [point % 300 or 1 for point in cuts], Path(folder))
        whole = rows_and_rejections(decide_sources(batches, decider, late_window=window))
        carry, parts = CarryOver(), []
        for batch in batches:
            if jobs == 1:
                parts += decide_sources([batch], decider, late_window=window, carry=carry)
            else:
                parts += decide_parallel([batch], decider, None, jobs=jobs, late_window=window, carry=carry)
            assert carry.end is not None
            carry = CarryOver(carry.end)
    assert sorted(rows_and_rejections(parts), key=repr) == sorted(whole, key=repr)
    assert not carry.start.open


def test_an_interaction_open_across_a_cut_is_evaluated_once_in_the_batch_that_ends_it(tmp_path, capsysbinary) -> None:
    lines = list(generate_lines(1, 1))
    assert '"interaction.ended"' in lines[-1]
    first, second = cut(lines, [len(lines) - 1], tmp_path)
    assert run(first, "--state", str(tmp_path / "state"), "-o", str(tmp_path / "a")) == 0
    assert (tmp_path / "a").read_bytes() == b""
    assert b"kept in" in capsysbinary.readouterr().err
    assert run(second, "--state", str(tmp_path / "state"), "-o", str(tmp_path / "b")) == 0
    assert (tmp_path / "b").read_bytes().count(b'"interaction":"g1-1"') >= 2
