"""`generate --profile FILE`: the mix of shapes, the delays and the arrival rate a corpus is made of."""

from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.events.generate import ALL_SHAPES, DELAYS, SHAPES, load_profile
from rulesengine.events.generate_profile import SHARE_DECK
from rulesengine.events.generate_shapes import FAMILIES


def _generated(capsys, tmp_path: Path, profile: str | None, count: int = 400) -> list[dict]:
    argv = ["generate", "--count", str(count), "--seed", "5"]
    if profile is not None:
        path = tmp_path / "profile.toml"
        path.write_text(profile)
        argv += ["--profile", str(path)]
    assert main(argv) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _rows(capsys, tmp_path: Path, events: list[dict]) -> list[dict]:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    assert main(["run", str(path), "--jobs", "1"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_an_empty_profile_is_the_default_stream(capsys, tmp_path):
    assert _generated(capsys, tmp_path, "") == _generated(capsys, tmp_path, None)


def test_shape_weights_choose_the_flows(capsys, tmp_path):
    only = "\n".join(f"{flow} = {3 if flow == 'x07_blind_transfer' else 1 if flow == 'c09_abandoned_in_queue' else 0}"
                     for flow in SHAPES)
    events = _generated(capsys, tmp_path, f"[shapes]\n{only}\n", count=200)
    flows = [e["data"]["flow"] for e in events if e["event"] == "interaction.created"]
    assert sorted(set(flows)) == ["c09_abandoned_in_queue", "x07_blind_transfer"]
    assert flows.count("x07_blind_transfer") == 150  # three in every deck of four


def _c01_engagements(capsys, tmp_path: Path, profile: str | None) -> tuple[list[int], list[dict]]:
    """How long the agent of each routed-and-completed chat was engaged, and the rows."""
    events = _generated(capsys, tmp_path, profile)
    c01 = {e["interaction"] for e in events if e["event"] == "interaction.created"
           and e["data"]["flow"] == "c01_routed_completed"}
    rows = _rows(capsys, tmp_path, events)
    return [row["engage_ms"] for row in rows if row["interaction"] in c01 and row["kind"] == "agent"], rows


def test_delays_and_arrivals_shape_the_times(capsys, tmp_path):
    short, rows = _c01_engagements(capsys, tmp_path, "arrival = 60\n[seconds]\ntalk = [1, 2]\n")
    usual, _ = _c01_engagements(capsys, tmp_path, None)
    longest = 1_000 * (2 + DELAYS["leaving"][1] + DELAYS["agents_ending"][1])
    assert short and max(short) <= longest
    assert sorted(usual)[len(usual) // 2] > 20_000
    starts = sorted({row["interaction"]: row["start"] for row in rows}.values())
    assert starts[-1] > "2026-03-02T12:00"  # 400 arrivals a minute apart: hours, not ten minutes


def _flows(events: list[dict]) -> list[str]:
    return [e["data"]["flow"] for e in events if e["event"] == "interaction.created"]


def test_shares_deal_each_family_its_share_exactly(capsys, tmp_path):
    profile = "[shares]\ndeclines = 0.2\nmonitors = 0.05\nabandons = 0.16\n"
    flows = _flows(_generated(capsys, tmp_path, profile, count=2000))
    count = {family: sum(flows.count(flow) for flow in FAMILIES[family]) for family in FAMILIES}
    # two decks of 1000: the families given a share get it exactly; pulls have no weight by
    # default and no share; revokes take their part of the rest with the other shapes
    assert {family: count[family] for family in ("declines", "monitors", "abandons", "pulls")} == {
        "declines": 400, "monitors": 100, "abandons": 320, "pulls": 0}
    assert count["revokes"] > 0 and len(flows) == 2000
    # the declines' shapes have no weight of their own: they split the share evenly
    assert [flows.count(flow) for flow in FAMILIES["declines"]] == [200, 200]
    # inside a family the shapes keep the ratio of their weights (c09 6, c10 2 by default)
    assert (flows.count("c09_abandoned_in_queue"), flows.count("c10_abandoned_during_routing")) == (120, 40)


def test_shares_split_by_the_weights_the_profile_gives(capsys, tmp_path):
    profile = ("[shapes]\nx11_pulled_from_queue = 3\nx12_pulled_from_workbin = 1\n"
               "c01_routed_completed = 1\n[shares]\npulls = 0.5\nrevokes = 0\n")
    flows = _flows(_generated(capsys, tmp_path, profile, count=1000))
    assert (flows.count("x11_pulled_from_queue"), flows.count("x12_pulled_from_workbin")) == (375, 125)
    assert not set(flows) & set(FAMILIES["revokes"])


def test_data_values_are_drawn_by_weight_beside_the_shape(capsys, tmp_path):
    events = _generated(capsys, tmp_path, '[data.segment]\nVIP = 1\nStandard = 3\n[data.lang]\nen = 1\n')
    data = [e["data"] for e in events if e["event"] == "interaction.created"]
    assert {tuple(sorted(d)) for d in data} == {("flow", "lang", "segment")}
    assert {d["lang"] for d in data} == {"en"}
    vip = sum(d["segment"] == "VIP" for d in data)
    assert 60 < vip < 140  # a quarter of 400
    assert set(_flows(events)) == set(SHAPES)


def test_declines_and_pulls_take_their_own_delays(capsys, tmp_path):
    shapes = "".join(f"{flow} = 1\n" for flow in (*FAMILIES["declines"], *FAMILIES["pulls"]))
    events = _generated(capsys, tmp_path, f"[shapes]\n{shapes}[seconds]\ndecline = [7, 7]\npull = [90, 90]\n",
                        count=40)
    at = {(e["interaction"], e.get("party"), e["event"]): e["ts"] for e in events}
    waits = set()
    for event in events:
        if event["event"] == "party.rejected":
            waits.add(("decline", _seconds_between(at[(event["interaction"], event["party"], "party.invited")],
                                                   event["ts"])))
        elif event["event"] == "party.invited" and event["intent"] == "pull":
            waits.add(("pull", _seconds_between(at[(event["interaction"], event["by"], "party.entered")],
                                                event["ts"])))
    assert waits == {("decline", 7.0), ("pull", 90.0)}


def _seconds_between(start: str, end: str) -> float:
    return (datetime.datetime.fromisoformat(end) - datetime.datetime.fromisoformat(start)).total_seconds()


@pytest.mark.parametrize(("profile", "says"), [
    ("[shapes]\nc01_routed = 3\n", "shapes.c01_routed: unknown shape; did you mean 'c01_routed_completed'?"),
    ("[seconds]\ntalks = [1, 2]\n", "seconds.talks: unknown delay; did you mean 'talk'?"),
    ("[seconds]\ntalk = [5, 2]\n", "seconds.talk: must be [LOW, HIGH], 0 <= LOW <= HIGH"),
    ("[shapes]\nc01_routed_completed = -1\n",
     "shapes.c01_routed_completed: must be a whole number from 0 to 1,000,000"),
    ("[shapes]\nc01_routed_completed = 1000000000\n",
     "shapes.c01_routed_completed: must be a whole number from 0 to 1,000,000"),
    ("[shapes]\nc01_routed_completed = 1000000\nc02_invitation_revoked = 1000000\n",
     ("shapes: the weights add up to 2,000,059, more than 1,000,000: they are relative, so smaller ones give "
      "the same mix")),
    ("arrival = inf\n", "arrival: must be a number of seconds above 0"),
    ("[seconds]\ntalk = [1, nan]\n", "seconds.talk: must be [LOW, HIGH], 0 <= LOW <= HIGH"),
    ("[shapes]\n" + "".join(f"{flow} = 0\n" for flow in SHAPES),
     "shapes: every shape has weight 0: nothing to generate"),
    ("shapes = 3\n", "shapes: must be a table"),
    ("arrival = 0\n", "arrival: must be a number of seconds above 0"),
    ("mix = 1\n", "mix: unknown key"),
    ("[shares]\ndecline = 0.1\n", "shares.decline: unknown family; did you mean 'declines'?"),
    ("[shares]\ndeclines = 1.5\n", "shares.declines: must be a number from 0 to 1"),
    ("[shares]\ndeclines = '10%'\n", "shares.declines: must be a number from 0 to 1"),
    ("[shares]\ndeclines = 0.7\nabandons = 0.4\n", "shares: they add up to 1.1, more than 1"),
    ("[shapes]\n" + "".join(f"{flow} = 0\n" for flow in SHAPES) + "[shares]\ndeclines = 0.5\n",
     "shares: they add up to 0.5, and no other shape has a weight to fill the rest"),
    ("[shapes]\nx09_declined_then_routed = 0\n[shares]\ndeclines = 0.5\n",
     "shares.declines: every shape of the family has weight 0 in [shapes]"),
    ("[data]\nflow = {x = 1}\n", "data.flow: reserved: the generator writes the shape id there"),
    ("[data]\nsegment = 'VIP'\n", "data.segment: must be a table of values and their weights"),
    ("[data.segment]\nVIP = -1\n", "data.segment.VIP: must be a whole number from 0 to 1,000,000"),
    ("[data.segment]\nVIP = 0\n", "data.segment: every value has weight 0"),
])
def test_a_bad_profile_is_one_line_and_exit_2(capsys, tmp_path, profile, says):
    path = tmp_path / "profile.toml"
    path.write_text(profile)
    assert main(["generate", "--profile", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"rulesengine generate: error: {path}: {says}\n"


def test_times_past_what_a_timestamp_holds_are_one_line_and_nothing_written(capsys, tmp_path):
    """Waits of 10**300 seconds: a traceback (exit 1) once; now one line, exit 2, no file."""
    path = tmp_path / "profile.toml"
    path.write_text("[seconds]\ntalk = [1, 1e300]\n")
    assert main(["generate", "--profile", str(path), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert capsys.readouterr().err == ("rulesengine generate: error: the times pass the year 9999 (--count 100 with "
                                       "the profile's arrival and delays): generate fewer interactions, or closer "
                                       "together\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["profile.toml"]


def test_a_profile_toml_cannot_parse_names_the_file(capsys, tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text("[shapes\n")
    assert main(["generate", "--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulesengine generate: error: {path}: Expected ']' at the end of a table declaration")


def test_shares_that_add_up_to_1_leave_nothing_to_the_other_shapes(capsys, tmp_path):
    flows = _flows(_generated(capsys, tmp_path, "[shares]\npulls = 0.5\nmonitors = 0.5\n", count=1000))
    assert sorted(set(flows)) == sorted([*FAMILIES["pulls"], *FAMILIES["monitors"]])
    assert [flows.count(flow) for flow in (*FAMILIES["pulls"], *FAMILIES["monitors"])] == [250] * 4
    nothing_else = "[shapes]\n" + "".join(f"{flow} = 0\n" for flow in SHAPES) + "[shares]\npulls = 1\n"
    assert set(_flows(_generated(capsys, tmp_path, nothing_else, count=100))) == set(FAMILIES["pulls"])


@given(shares=st.fixed_dictionaries({}, optional={family: st.integers(0, 400) for family in FAMILIES}),
       weights=st.dictionaries(st.sampled_from(sorted(ALL_SHAPES)), st.integers(1, 50), max_size=8))
@settings(max_examples=150, deadline=None)
def test_a_family_gets_its_share_of_every_deck_exactly(shares, weights):
    """Shares in thousandths hold exactly in each deck of 1000, whatever the weights; c01 (in no
    family, never 0 here) always has weight to fill the rest."""
    assume(sum(shares.values()) <= SHARE_DECK)
    lines = ["[shapes]", *(f"{flow} = {weight}" for flow, weight in weights.items()), "[shares]",
             *(f"{family} = {thousandths / 1000}" for family, thousandths in shares.items())]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profile.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        profile = load_profile(path)
    if not shares:
        assert profile.weights == {flow: weights.get(flow, weight) for flow, (weight, _) in ALL_SHAPES.items()}
        return
    assert sum(profile.weights.values()) == SHARE_DECK
    for family, thousandths in shares.items():
        assert sum(profile.weights[flow] for flow in FAMILIES[family]) == thousandths


def test_a_profile_that_cannot_be_read_is_exit_2(capsys, tmp_path):
    path = tmp_path / "missing.toml"
    assert main(["generate", "--profile", str(path)]) == 2
    assert capsys.readouterr() == ("", f"rulesengine generate: error: cannot read {path}: No such file or directory\n")
