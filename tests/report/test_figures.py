"""The report's figures agree with the rows `run` writes and the rejections it reports.

Each expectation is worked out here from `run`'s JSON lines with plain Python, apart
from the code under test; the figures come from the same evaluation the report makes.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.cli.options import sample_path
from rulesengine.decide.ruleset import load_rules
from rulesengine.events.assemble import Rejection
from rulesengine.report.figures import LISTED, SLOWEST, Figures, Tally, nearest_rank
from rulesengine.runtime.pipeline import RunStats, decide_sources
from tests.events.builders import mistyped_intent, routed, write


def _descriptor(row: dict) -> str:
    role = row["resource_role"] + ("" if row["role_reason"] == "Unspecified" else f" [{row['role_reason']}]")
    result = row["technical_result"] + ("" if row["result_reason"] == "Unspecified" else f" [{row['result_reason']}]")
    return f"{role}/{result}"


def _run_rows(tmp_path: Path, *argv: str) -> list[dict]:
    out = tmp_path / "rows.jsonl"
    assert main(["run", *argv, "-o", str(out)]) in (0, 1)  # 1: findings, rows written all the same
    return [json.loads(line) for line in out.read_text().splitlines()]


def _figures(sources: list[str], rules_paths: tuple[str, ...] = (), defaults: bool = True) -> Figures:
    rules = load_rules(list(rules_paths), defaults=defaults).decider
    stats, tally = RunStats(), Tally()
    for item in decide_sources(sources, rules, stats=stats):
        tally.reject(item) if isinstance(item, Rejection) else tally.add(item)
    return tally.figures(stats.stream, (rule.ref for rule in rules.rules))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[list[dict], Figures]:
    return _run_rows(tmp_path_factory.mktemp("run"), "--sample"), _figures([sample_path()])


def test_parties_per_descriptor(sample):
    rows, figures = sample
    expected = Counter((row["kind"], _descriptor(row), row["record"]) for row in rows)
    assert {(d.kind, d.descriptor, d.record): d.parties for d in figures.descriptors} == expected
    assert [d.parties for d in figures.descriptors] == sorted(expected.values(), reverse=True)
    assert figures.parties == len(rows) == sum(expected.values())


def test_parties_per_rule_and_the_rules_that_decided_nothing(sample):
    rows, figures = sample
    expected = Counter(rule for row in rows for rule in row["rule"].split(" + "))
    places = {rule: at for row in rows
              for rule, at in zip(row["rule"].split(" + "), row["rule_at"].split(" + "), strict=True)}
    assert {r.rule: r.parties for r in figures.rules if r.parties} == expected
    assert {r.rule: r.at for r in figures.rules if r.parties} == places
    every_rule = {rule.id for rule in load_rules().decider.rules}
    assert {r.rule for r in figures.rules} == every_rule
    assert {r.rule for r in figures.rules if not r.parties} == every_rule - set(expected) != set()


def test_time_to_answer(sample):
    rows, figures = sample
    alert = figures.alert
    invited = [row for row in rows if row["alert_ms"] is not None]
    answered = [row for row in invited if row["engage_ms"] is not None]
    times = [row["alert_ms"] for row in answered]
    assert (alert.invitations, alert.answered) == (len(invited), len(answered)) and 0 < len(answered) < len(invited)
    # nearest rank: the smallest time with at least that share of the times at or below it
    assert alert.median_ms == min(t for t in times if sum(u <= t for u in times) >= len(times) / 2)
    assert alert.p90_ms == min(t for t in times if sum(u <= t for u in times) >= 0.9 * len(times))
    assert alert.longest_ms == max(times)
    slowest = sorted(answered, key=lambda row: -row["alert_ms"])[:SLOWEST]  # stable: input order on ties
    assert [(e.party, e.alert_ms, f"{e.descriptor}") for e in alert.slowest] == [
        (row["party"], row["alert_ms"], _descriptor(row)) for row in slowest]


def test_agents_slowest_to_answer(sample):
    rows, figures = sample
    per_agent: dict[str, list[dict]] = {}
    for row in rows:
        if row["alert_ms"] is not None:
            per_agent.setdefault(row["resource"], []).append(row)
    expected = []
    for resource, invited in per_agent.items():
        times = [row["alert_ms"] for row in invited if row["engage_ms"] is not None]
        if times:
            expected.append((resource, len(invited), len(times), round(sum(times) / len(times)), max(times)))
    expected.sort(key=lambda a: (-a[3], -a[4], a[0]))
    assert [(a.resource, a.invitations, a.answered, a.mean_ms, a.longest_ms) for a in figures.alert.agents] == \
        expected[:SLOWEST]


def test_abandoned_shares(sample):
    rows, figures = sample
    by_interaction: dict[str, list[dict]] = {}
    for row in rows:
        by_interaction.setdefault(row["interaction"], []).append(row)
    where = Counter()
    for parties in by_interaction.values():
        first = next((row for row in parties if row["technical_result"] == "CustomerAbandoned"), None)
        if first is not None:
            where[first["kind"], _descriptor(first)] += 1
    abandon = figures.abandon
    assert abandon.interactions == len(by_interaction)
    assert abandon.abandoned == sum(where.values()) > 0
    assert {(kind, descriptor): count for kind, descriptor, count in abandon.where} == where
    assert abandon.invitations == sum(row["alert_ms"] is not None for row in rows)
    assert abandon.invitations_abandoned == sum(row["technical_result"] == "Abandoned" for row in rows) > 0


def test_undecided_parties_are_counted_and_the_first_listed(tmp_path):
    layer = tmp_path / "roles.rules"
    layer.write_text("vocabulary role: RoutedTo\nvocabulary role_reason: Unspecified\n"
                     'rule only.role  "Agents get a role, nothing else is decided"\n  for agent\n'
                     "  set role RoutedTo\n")
    rows = _run_rows(tmp_path, "--sample", "--no-default-rules", "--rules", str(layer))
    figures = _figures([sample_path()], (str(layer),), defaults=False)
    assert figures.undecided_total == len(rows) > LISTED
    assert [e.party for e in figures.undecided] == [row["party"] for row in rows][:LISTED]
    parts = {row["party"]: [part for part, field in (("role", "resource_role"), ("result", "technical_result"),
                                                     ("record", "record")) if row[field] == "Unspecified"]
             for row in rows}
    assert all(list(e.undecided) == parts[e.party] for e in figures.undecided)
    assert {r.rule: r.parties for r in figures.rules} == {"only.role": sum(row["kind"] == "agent" for row in rows)}


def test_rejections_with_the_reasons_run_writes(tmp_path):
    late = routed("late")[-1] | {"seq": 99}
    events = write(tmp_path / "mixed.jsonl", [*routed("good"), *mistyped_intent("bad"), *routed("late"), late])
    with events.open("a") as lines:
        lines.write("{not json\n")
    rejects = tmp_path / "rejects.jsonl"
    _run_rows(tmp_path, str(events), "--rejects", str(rejects))
    expected = [json.loads(line) for line in rejects.read_text().splitlines()]
    figures = _figures([str(events)])
    assert figures.rejections_total == len(expected) == 3
    assert [(r.interaction, r.kind, list(r.reasons)) for r in figures.rejections] == [
        (e["interaction"], e["kind"], [reason["text"] for reason in e["reasons"]]) for e in expected]
    stream = figures.stream
    assert (stream.rejected, stream.late_events, stream.bad_lines) == (2, 1, 2)  # as run's summary counts them


@pytest.mark.parametrize(("values", "percent", "expected"), [
    ([], 50, None), ([7], 90, 7), ([1, 2], 50, 1), ([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 90, 4),
    (list(range(1, 11)), 90, 9), (list(range(1, 11)), 91, 10),
])
def test_nearest_rank(values, percent, expected):
    assert nearest_rank(values, percent) == expected
    if values:
        assert math.ceil(percent / 100 * len(values)) == values.index(expected) + 1
