"""A family of broken event files, one problem each, beside one good interaction.

Each file's rejections are pinned twice: by an explicit (code, line, col) list and by
a snapshot of the rendered text a user sees. Every file also proves that the good
interaction `ok` still comes out whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine.events.assemble import Interaction, Rejection, assemble

from .builders import loaded, routed

BROKEN = Path(__file__).parent / "broken"

#: file -> (interaction the rejection names, kind, [(code, line, col)])
EXPECTED = {
    "after_left": ("bad", "rejected", [("E121", 6, 62)]),
    "bad_json": ("bad", "rejected", [("E101", 5, 99)]),
    "bad_timestamp": ("bad", "rejected", [("E105", 7, 30)]),
    "by_not_open": ("bad", "rejected", [("E123", 6, 138)]),
    "by_unknown": ("bad", "rejected", [("E122", 4, 146)]),
    "created_not_first": ("bad", "rejected", [("E112", 3, 22)]),
    "duplicate_seq": ("bad", "rejected", [("E114", 5, 22)]),
    "event_after_ended": ("bad", "rejected", [("E113", 10, 22)]),
    "kind_mismatch": ("bad", "rejected", [("E107", 6, 103)]),
    "late_event": ("ok", "late", [("E130", 11, 2)]),
    "left_without_accept": ("bad", "rejected", [("E120", 8, 62)]),
    "missing_field": ("bad", "rejected", [("E102", 6, 1)]),
    "no_created": ("bad", "rejected", [("E110", 2, 62)]),
    "no_interaction_id": (None, "rejected", [("E102", 5, 1)]),
    "not_an_object": (None, "rejected", [("E106", 3, 1)]),
    "not_utf8": ("bad", "rejected", [("E100", 2, 103)]),
    "outcome_not_invited": ("bad", "rejected", [("E118", 4, 62)]),
    "party_reused": ("bad", "rejected", [("E117", 10, 86)]),
    "second_created": ("bad", "rejected", [("E111", 3, 62)]),
    "second_outcome": ("bad", "rejected", [("E119", 9, 62)]),
    "ts_backwards": ("bad", "rejected", [("E115", 6, 30)]),
    "unknown_event": ("bad", "rejected", [("E104", 8, 62)]),
    "unknown_party": ("bad", "rejected", [("E116", 8, 87)]),
    "unknown_visibility": ("bad", "rejected", [("E104", 6, 169)]),
    "wrong_type": ("bad", "rejected", [("E103", 4, 22)]),
}


def test_every_broken_file_is_listed():
    assert sorted(path.stem for path in BROKEN.glob("*.jsonl")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file(name, snapshot, monkeypatch):
    monkeypatch.chdir(BROKEN)
    out = list(assemble([f"{name}.jsonl"]))
    (rejection,) = [item for item in out if isinstance(item, Rejection)]
    interaction, kind, problems = EXPECTED[name]
    assert (rejection.interaction, rejection.kind) == (interaction, kind)
    assert [(d.code, d.position.line, d.position.col) for d in rejection.diagnostics] == problems
    good = [item for item in out if isinstance(item, Interaction) and item.id == "ok"]
    assert [item.events for item in good] == [tuple(line.event for line in loaded(routed("ok")))]
    assert "\n".join(d.render() for d in rejection.diagnostics) == snapshot
