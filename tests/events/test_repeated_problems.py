"""An interaction with thousands of problems: near-linear work, and a bounded list of them.

Work is counted, never timed: how often the events are walked, and how many party
names the did-you-mean hints compare.
"""

from __future__ import annotations

import json

import pytest

from rulesengine.events import assemble, read, wellformed
from rulesengine.events.assemble import Assembler, Rejection, assemble_lines
from rulesengine.events.wellformed import LISTED_PER_CODE, problems_of

from .builders import loaded, record, routed

MANY = 400


class Walked(list):
    """A list of events that counts the walks over it."""

    walks = 0

    def __iter__(self):
        Walked.walks += 1
        return super().__iter__()

    def __reversed__(self):
        Walked.walks += 1
        return super().__reversed__()


@pytest.fixture
def compared(monkeypatch) -> list[int]:
    """How many party names each did-you-mean hint compares with."""
    sizes: list[int] = []
    real = wellformed.did_you_mean

    def counting(name, candidates):
        sizes.append(len(candidates))
        return real(name, candidates)

    monkeypatch.setattr(wellformed, "did_you_mean", counting)
    return sizes


def events_of(items: list[dict]) -> Walked:
    Walked.walks = 0
    return Walked(line.event for line in loaded(items))


def left_unknown(count: int) -> list[dict]:
    """An interaction whose parties leave without having arrived."""
    return [record("c1", 1, "interaction.created", media="chat"),
            *(record("c1", 2 + n, "party.left", party=f"c1.u{n}") for n in range(count))]


def invited_by_unknown(count: int) -> list[dict]:
    """An interaction whose agents are all invited by parties that never were."""
    return [record("c1", 1, "interaction.created", media="chat"),
            *(record("c1", 2 + n, "party.invited", party=f"c1.a{n}", kind="agent", resource="A",
                     by=f"c1.x{n}", intent="route") for n in range(count))]


@pytest.mark.parametrize("count", [MANY, 4 * MANY])
def test_unknown_parties_walk_the_events_a_fixed_number_of_times(count, compared) -> None:
    events = events_of(left_unknown(count))
    problems = problems_of(events)
    assert len(problems) == count
    assert Walked.walks <= 2
    assert len(compared) == LISTED_PER_CODE


@pytest.mark.parametrize("count", [MANY, 4 * MANY])
def test_unknown_inviters_compare_names_only_for_the_problems_listed(count, compared) -> None:
    events = events_of(invited_by_unknown(count))
    assert {problem.code for problem in problems_of(events)} == {"E122"}
    assert Walked.walks <= 2
    assert len(compared) == LISTED_PER_CODE and sum(compared) <= LISTED_PER_CODE * count


def test_a_rejection_lists_the_first_problems_of_each_code_and_counts_the_rest() -> None:
    items = [*left_unknown(MANY), record("c1", MANY + 5, "interaction.ended")]
    items.insert(3, record("c1", 1, "customer.left"))  # seq 1 again: one E114
    (rejection,) = list(assemble_lines(loaded(items), Assembler()))
    codes = [problem.code for problem in rejection.diagnostics]
    lines = [problem.position.line for problem in rejection.diagnostics[:-1]]
    assert lines == sorted(lines)  # listed by place, the note last
    assert codes.count("E116") == LISTED_PER_CODE + 1 and codes.count("E114") == 1
    note = rejection.diagnostics[-1]
    assert (note.code, note.severity.value, note.position) == ("E116", "note", None)
    assert note.message == f"and {MANY - LISTED_PER_CODE} more like it in this interaction (not listed)"
    assert note.render() == f"note: E116 and {MANY - LISTED_PER_CODE} more like it in this interaction (not listed)"


def test_broken_lines_of_one_interaction_are_kept_a_few_per_code() -> None:
    """An open interaction with thousands of broken lines holds a few diagnostics, not all."""
    bad = [record("c1", n, "party.left", party=f"c1.p{n}", ts="late") for n in range(2, 2 + MANY)]
    items = [*routed("c1")[:-1], *bad, routed("c1")[-1]]
    stats = assemble.StreamStats()
    assembler = Assembler(stats=stats)
    out = []
    for line in loaded(items):
        out.extend(assembler.feed(line))
        state = assembler._open.get("c1")
        assert state is None or state.poison is None or len(state.poison.listed) <= LISTED_PER_CODE
    (rejection,) = out
    assert isinstance(rejection, Rejection)
    assert [problem.code for problem in rejection.diagnostics] == ["E105"] * (LISTED_PER_CODE + 1)
    assert rejection.diagnostics[-1].message.startswith(f"and {MANY - LISTED_PER_CODE} more")
    assert stats.bad_lines == MANY


class Stepped(list):
    """A block's lines that count every line an iterator over them hands out."""

    steps = 0

    def __iter__(self):
        for line in super().__iter__():
            Stepped.steps += 1
            yield line


@pytest.mark.parametrize("filler", [b"", b"# a comment", b"not json"])
def test_a_block_of_lines_the_decoder_refuses_is_passed_over_once(tmp_path, monkeypatch, filler):
    """Each refused line (blank, comment, broken) is read on its own: the lines after it are
    still walked once, not once more from the block's start for each of them."""
    lines = [filler] * 5_000 + [json.dumps(event).encode() for event in routed("c1")]
    path = tmp_path / "padded.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    Stepped.steps = 0

    def select(blocks):
        for block in blocks:
            given = read.lines_of(block)
            yield len(given), list(range(len(given))), Stepped(given)

    counts = read.ReadCounts()
    with path.open("rb") as handle:
        batches = list(read._batches_of(handle, str(path), counts, select))
    assert sum(len(events) for _, events in batches) == len(lines) - (5_000 if filler != b"not json" else 0)
    assert Stepped.steps <= 2 * len(lines)
