"""The contract's rules of a well-formed interaction, one at a time."""

from __future__ import annotations

import pytest

from rulesengine.events.assemble import Assembler, Interaction, Rejection, assemble_lines

from .builders import line, loaded, record, routed, transfer, ts


def verdict(items: list[dict], *, include_open: bool = False) -> Interaction | Rejection:
    (item,) = assemble_lines(loaded(items), Assembler(include_open=include_open))
    return item


def found(items: list[dict]) -> list[tuple[str, int, int]]:
    """(code, line, col) of every reason the interaction is rejected."""
    result = verdict(items)
    assert isinstance(result, Rejection), "expected a rejection"
    return [(d.code, d.position.line, d.position.col) for d in result.diagnostics]


def messages(items: list[dict]) -> list[str]:
    return [d.message for d in verdict(items).diagnostics]


def col(items: list[dict], number: int, field: str) -> int:
    """Where the key `field` sits on line `number` (1-based) of the records."""
    return line(items[number - 1]).find(f'"{field}"'.encode()) + 1


def test_the_contract_examples_are_well_formed():
    result = verdict(transfer())
    assert isinstance(result, Interaction)
    assert [event.seq for event in result.events] == list(range(1, 14))
    assert isinstance(verdict(routed()), Interaction)


def test_no_created():
    items = routed()[1:]
    assert found(items) == [("E110", 1, col(items, 1, "event"))]
    assert messages(items) == ["interaction 'r1' has no interaction.created"]


def test_second_created():
    items = [record("r1", 0, "interaction.created", media="chat"), *routed()]
    assert found(items) == [("E111", 2, col(items, 2, "event"))]
    assert messages(items) == ["second interaction.created (the first is at line 1)"]


def test_created_not_lowest():
    items = routed()
    items[0]["seq"], items[1]["seq"] = 2, 1
    items[0]["ts"] = items[1]["ts"]
    assert found(items) == [("E112", 2, col(items, 2, "seq"))]
    assert messages(items) == ["party.entered (seq 1) comes before interaction.created (seq 2)"]


def test_ended_not_highest():
    items = routed()
    items.insert(8, record("r1", 10, "customer.left", at=9))
    assert found(items) == [("E113", 9, col(items, 9, "seq"))]
    assert messages(items) == ["customer.left (seq 10) comes after interaction.ended (seq 9)"]


def test_seq_unique():
    items = routed()
    items[3]["seq"] = 3
    assert found(items) == [("E114", 4, col(items, 4, "seq"))]
    assert messages(items) == ["seq 3 is already used at line 3"]


def test_ts_never_goes_backwards():
    items = routed()
    items[4]["ts"] = ts(0.5)
    assert found(items) == [("E115", 5, col(items, 5, "ts"))]
    assert messages(items) == [
        "ts 2026-03-02T10:00:00.500Z (seq 5) is earlier than 2026-03-02T10:00:04.000Z (seq 4)"]


def test_equal_ts_is_fine():
    items = routed()
    for item in items:
        item["ts"] = ts(0)
    assert isinstance(verdict(items), Interaction)


def test_event_for_unknown_party_suggests_a_known_one():
    items = routed()
    items[6]["party"] = "r1.a9"
    result = verdict(items)
    codes = [(d.code, d.position.line) for d in result.diagnostics]
    assert codes == [("E116", 7), ("E120", 8)]
    assert result.diagnostics[0].message == "party.accepted for unknown party 'r1.a9'"
    assert result.diagnostics[0].hint == "did you mean 'r1.a1'?"


def test_party_id_not_reused():
    items = routed()[:-1]
    items.append(record("r1", 9, "party.invited", party="r1.a1", kind="agent", resource="Agent1",
                        by="r1.a1", intent="route"))
    items.append(record("r1", 10, "interaction.ended"))
    result = found(items)
    assert ("E117", 9, col(items, 9, "party")) in result
    assert "party id 'r1.a1' is reused (first at line 5)" in messages(items)


def test_outcome_only_for_invited_agents():
    items = routed()
    items.insert(2, record("r1", 3, "party.accepted", party="r1.q1", at=2))
    for item in items[3:]:
        item["seq"] += 1
    assert found(items) == [("E118", 3, col(items, 3, "event"))]
    assert messages(items) == ["party.accepted for queue party 'r1.q1'"]


@pytest.mark.parametrize("second", ["party.accepted", "party.rejected", "party.revoked"])
def test_at_most_one_outcome(second):
    items = routed()
    items.insert(7, record("r1", 8, second, party="r1.a1", at=7))
    for item in items[8:]:
        item["seq"] += 1
    assert found(items) == [("E119", 8, col(items, 8, "event"))]
    assert messages(items) == ["party 'r1.a1' already had party.accepted at line 7"]


def test_agent_leaves_only_after_accepting():
    items = routed()
    del items[6]
    assert found(items) == [("E120", 7, col(items, 7, "event"))]
    assert messages(items) == ["agent party 'r1.a1' left but it never accepted"]


def test_agent_that_rejected_does_not_leave():
    items = routed()
    items[6]["event"] = "party.rejected"
    assert messages(items) == ["agent party 'r1.a1' left but its invitation ended with party.rejected"]


def test_nothing_after_a_party_left():
    items = routed()
    items.insert(4, record("r1", 5, "party.left", party="r1.q1", at=4))
    for item in items[5:]:
        item["seq"] += 1
    assert found(items) == [("E121", 5, col(items, 5, "event"))]
    assert messages(items) == ["party.left for party 'r1.q1', which already ended (party.left at line 4)"]


def test_no_outcome_after_revoked():
    items = routed()
    items[6]["event"] = "party.revoked"
    items[7] = record("r1", 8, "party.accepted", party="r1.a1")
    assert messages(items) == ["party 'r1.a1' already had party.revoked at line 7"]


def test_by_names_an_unknown_party():
    items = routed()
    items[2]["by"] = "r1.q2"
    assert found(items) == [("E122", 3, col(items, 3, "by"))]
    assert messages(items) == ["'by' names unknown party 'r1.q2'"]
    assert verdict(items).diagnostics[0].hint == "did you mean 'r1.q1'?"


def test_by_names_a_party_that_already_left():
    items = routed()
    items[4]["by"] = "r1.q1"
    assert found(items) == [("E123", 5, col(items, 5, "by"))]
    assert messages(items) == ["'by' names party 'r1.q1', which already ended (party.left at line 4)"]


def test_by_names_a_party_that_is_not_there_yet():
    items = routed()
    items[2]["by"] = "r1.a1"
    assert found(items) == [("E123", 3, col(items, 3, "by"))]
    assert messages(items) == ["'by' names party 'r1.a1', which is not open yet (it starts at line 5, seq 5)"]


def test_by_may_name_an_agent_still_alerting():
    items = transfer()
    assert isinstance(verdict(items), Interaction)
    items = routed()[:-1]
    items[-1:] = [record("r1", 8, "party.invited", party="r1.a2", kind="agent", resource="Agent2",
                         by="r1.a1", intent="consult"),
                  record("r1", 9, "party.revoked", party="r1.a2"),
                  record("r1", 10, "party.left", party="r1.a1"),
                  record("r1", 11, "interaction.ended")]
    assert isinstance(verdict(items), Interaction)


def test_all_problems_are_reported_sorted_by_position():
    items = routed()
    items[2]["by"] = "r1.zz"
    items[3]["seq"] = 3
    del items[6]
    assert [code for code, _, _ in found(items)] == ["E122", "E114", "E120"]


def test_references_across_files_name_the_file():
    lines = loaded(routed()[:4], "a.jsonl") + loaded(routed()[3:], "b.jsonl")
    (result,) = assemble_lines(lines, Assembler())
    assert [d.message for d in result.diagnostics] == [
        "seq 4 is already used at a.jsonl:4",
        "party.left for party 'r1.q1', which already ended (party.left at a.jsonl:4)",
    ]


def test_open_interactions_are_checked_too_when_included():
    items = routed(ended=False)
    items[4]["by"] = "r1.q1"
    result = verdict(items, include_open=True)
    assert [d.code for d in result.diagnostics] == ["E123"]
    assert isinstance(verdict(routed(ended=False), include_open=True), Interaction)


def _with(items: list[dict], at: int, *inserted: tuple[str, dict]) -> list[dict]:
    """The records with events inserted before index `at`, seqs and times renumbered."""
    added = [record(items[0]["interaction"], 0, name, **fields) for name, fields in inserted]
    result = [*items[:at], *added, *items[at:]]
    for seq, item in enumerate(result, start=1):
        item["seq"], item["ts"] = seq, ts(seq)
    return result


def _hold(event: str, party: str = "r1.a1") -> tuple[str, dict]:
    return (event, {"party": party})


def test_holds_of_an_accepted_agent_are_well_formed():
    items = _with(routed(), 7, _hold("party.held"), _hold("party.retrieved"), _hold("party.held"),
                  _hold("party.retrieved"))
    assert isinstance(verdict(items), Interaction)


def test_an_agent_may_leave_while_on_hold():
    assert isinstance(verdict(_with(routed(), 7, _hold("party.held"))), Interaction)


def test_hold_before_accepting():
    items = _with(routed(), 6, _hold("party.held"))
    assert found(items)[0] == ("E124", 7, col(items, 7, "event"))
    assert messages(items)[0] == "party.held for party 'r1.a1', but it never accepted"


def test_hold_of_a_queue():
    items = _with(routed(), 3, _hold("party.held", "r1.q1"))
    assert found(items) == [("E124", 4, col(items, 4, "event"))]
    assert messages(items) == ["party.held for party 'r1.q1', but it is a queue"]


def test_hold_while_on_hold():
    items = _with(routed(), 7, _hold("party.held"), _hold("party.held"))
    assert found(items) == [("E124", 9, col(items, 9, "event"))]
    assert messages(items) == ["party.held for party 'r1.a1', which is already on hold (since line 8)"]


def test_retrieved_without_hold():
    items = _with(routed(), 7, _hold("party.held"), _hold("party.retrieved"), _hold("party.retrieved"))
    assert found(items) == [("E125", 10, col(items, 10, "event"))]
    assert messages(items) == ["party.retrieved for party 'r1.a1', which is not on hold"]


def test_no_hold_after_the_agent_left():
    items = _with(routed(), 8, _hold("party.held"))
    assert found(items) == [("E121", 9, col(items, 9, "event"))]
    assert messages(items) == ["party.held for party 'r1.a1', which already ended (party.left at line 8)"]
