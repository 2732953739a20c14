"""Streaming: when interactions come out, late events, poisoned and open interactions, counts."""

from __future__ import annotations

import orjson
import pytest

from rulesengine.events.assemble import Assembler, Interaction, Rejection, StreamStats, assemble, assemble_lines

from .builders import loaded, record, routed, transfer, write


def run(items, **options) -> tuple[list[Interaction | Rejection], StreamStats]:
    stats = StreamStats()
    out = list(assemble_lines(loaded(items), Assembler(stats=stats, **options)))
    return out, stats


def summary(out) -> list[tuple[str, str | None, str]]:
    return [(type(item).__name__, item.id if isinstance(item, Interaction) else item.interaction,
             item.kind if isinstance(item, Rejection) else ("provisional" if item.provisional else "ended"))
            for item in out]


def test_interleaved_interactions_come_out_as_each_one_ends():
    a, b = routed("a"), transfer("b")
    items = [*b[:5], *a, *b[5:]]
    out, _stats = run(items)
    assert summary(out) == [("Interaction", "a", "ended"), ("Interaction", "b", "ended")]
    assert out[1].events == tuple(line.event for line in loaded(transfer("b")))


def test_events_in_any_order_before_ended_are_sorted_by_seq():
    items = routed()
    shuffled = [items[5], items[2], items[0], items[7], items[1], items[6], items[3], items[4], items[8]]
    (only,), _ = run(shuffled)
    assert [event.seq for event in only.events] == list(range(1, 10))


def test_interaction_is_yielded_the_moment_it_ends():
    assembler = Assembler()
    lines = loaded([*routed("a"), *routed("b", ended=False)])
    produced = [list(assembler.feed(line)) for line in lines]
    assert [len(items) for items in produced] == [0] * 8 + [1] + [0] * 8
    assert assembler.open_count == 1


def test_late_event_after_its_interaction_was_evaluated():
    items = [*routed("a"), record("a", 10, "customer.left", at=10)]
    out, stats = run(items)
    assert summary(out) == [("Interaction", "a", "ended"), ("Rejection", "a", "late")]
    (problem,) = out[1].diagnostics
    assert (problem.code, problem.position.line, problem.position.col) == ("E130", 10, 2)
    assert problem.message == "late event: interaction 'a' was already evaluated"
    assert (stats.late_events, stats.interactions, stats.evaluated) == (1, 1, 1)


def test_second_ended_is_late():
    out, _ = run([*routed("a"), record("a", 9, "interaction.ended")])
    assert summary(out)[1] == ("Rejection", "a", "late")


def test_late_bad_line_carries_its_own_problems_too():
    out, stats = run([*routed("a"), record("a", 10, "customer.left") | {"ts": "soon"}])
    assert [d.code for d in out[1].diagnostics] == ["E130", "E105"]
    assert (stats.late_events, stats.bad_lines) == (1, 1)


@pytest.mark.parametrize(("window", "a_is_late"), [(10, True), (9, False)])
def test_late_window_counts_the_lines_since_an_interaction_ended(window: int, a_is_late: bool):
    """'a' ends on line 9, 'b' on line 18; their late lines are lines 19 and 20."""
    items = [*routed("a"), *routed("b"), record("a", 10, "customer.left", at=10),
             record("b", 10, "customer.left", at=10)]
    assert len(routed("a")) == 9
    out, stats = run(items, late_window=window)
    late_a = [("Rejection", "a", "late")] if a_is_late else []
    assert summary(out) == [("Interaction", "a", "ended"), ("Interaction", "b", "ended"), *late_a,
                            ("Rejection", "b", "late")]
    assert stats.held_open == (0 if a_is_late else 1)  # a forgotten 'a' comes back as a new, open interaction


def test_the_late_window_is_counted_in_lines_read_not_in_interactions_ended():
    """Between 'a' ending and its late line, 20 interactions end on 3 lines each: all within 100 lines."""
    short = [[record(f"s{number}", 1, "interaction.created"), record(f"s{number}", 2, "customer.left", at=1),
              record(f"s{number}", 3, "interaction.ended", at=2)] for number in range(20)]
    items = [*routed("a"), *[item for lines in short for item in lines], record("a", 10, "customer.left", at=10)]
    out, stats = run(items, late_window=100)
    assert summary(out)[-1] == ("Rejection", "a", "late")
    assert stats.late_events == 1


def test_late_window_zero_remembers_nothing():
    out, stats = run([*routed("a"), record("a", 10, "customer.left", at=10)], late_window=0)
    assert summary(out) == [("Interaction", "a", "ended")]
    assert stats.held_open == 1


def test_negative_late_window_is_refused():
    with pytest.raises(ValueError, match="late_window must be >= 0"):
        Assembler(late_window=-1)


def test_bad_line_poisons_its_interaction_which_is_rejected_when_it_ends():
    items = routed("a")
    items[3]["event"] = "party.lef"
    out, stats = run([*items, *routed("b")])
    assert summary(out) == [("Rejection", "a", "rejected"), ("Interaction", "b", "ended")]
    assert [d.code for d in out[0].diagnostics] == ["E104"]
    assert (stats.bad_lines, stats.rejected, stats.evaluated, stats.events) == (1, 1, 1, 17)


def test_a_bad_ended_line_still_closes_its_interaction():
    items = routed("a")
    items[-1]["ts"] = "later"
    assembler = Assembler()
    out = [item for line in loaded(items) for item in assembler.feed(line)]
    assert summary(out) == [("Rejection", "a", "rejected")]
    assert assembler.open_count == 0


def test_line_without_readable_interaction_is_rejected_at_once():
    items = [routed("a")[0], {"seq": 1}, *routed("a")[1:]]
    assembler = Assembler()
    produced = [list(assembler.feed(line)) for line in loaded(items)]
    assert summary(produced[1]) == [("Rejection", None, "rejected")]
    assert summary(produced[-1]) == [("Interaction", "a", "ended")]


def test_open_interactions_are_held_and_counted():
    out, stats = run([*routed("b", ended=False), *routed("a", ended=False), *routed("c")])
    assert summary(out) == [("Interaction", "c", "ended")]
    assert (stats.held_open, stats.interactions, stats.evaluated) == (2, 3, 1)


def test_include_open_yields_them_provisional_in_id_order():
    out, stats = run([*routed("b", ended=False), *routed("a", ended=False), *routed("c")],
                     include_open=True)
    assert summary(out) == [("Interaction", "c", "ended"), ("Interaction", "a", "provisional"),
                            ("Interaction", "b", "provisional")]
    assert (stats.held_open, stats.evaluated) == (0, 3)


def test_poisoned_open_interactions_are_rejected_at_end_of_input():
    broken = routed("a", ended=False)
    broken[2]["kind"] = "robot"
    out, stats = run([*broken, *routed("b", ended=False)])
    assert summary(out) == [("Rejection", "a", "rejected")]
    assert (stats.held_open, stats.rejected) == (1, 1)


def test_rejection_to_json():
    items = routed("a")
    items[2]["by"] = "a.q9"
    (rejection,), _ = run(items)
    as_json = rejection.to_json()
    assert as_json == {
        "interaction": "a", "kind": "rejected",
        "reasons": [{
            "text": "t.jsonl:3:142: error: E122 'by' names unknown party 'a.q9'",
            "path": "t.jsonl", "line": 3, "col": 142, "severity": "error", "code": "E122",
            "message": "'by' names unknown party 'a.q9'", "hint": "did you mean 'a.q1'?",
        }],
    }
    assert orjson.loads(orjson.dumps(as_json)) == as_json


def test_rejection_kind_is_checked():
    with pytest.raises(ValueError, match="'kind' must be in"):
        Rejection("a", (), "odd")


def test_assemble_reads_files_and_counts_every_line(tmp_path):
    first = write(tmp_path / "a.jsonl", ["# first file", *routed("a")[:4], *routed("b")])
    second = write(tmp_path / "b.jsonl", ["", *routed("a")[4:], '{"oops"'])
    stats = StreamStats()
    out = list(assemble([str(first), str(second)], stats=stats))
    assert summary(out) == [("Interaction", "b", "ended"), ("Interaction", "a", "ended"),
                            ("Rejection", None, "rejected")]
    assert stats == StreamStats(lines=21, events=18, interactions=2, evaluated=2, rejected=1,
                                late_events=0, held_open=0, bad_lines=1)
    assert str(out[1].events[4].source) == f"{second}:2:1"


def test_stats_without_counts_count_the_lines_fed():
    _, stats = run(routed("a"))
    assert stats.lines == 9
