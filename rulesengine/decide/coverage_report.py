"""The rule coverage report: counts per rule in an order a reader acts on, as text or JSON.

Rules that never decided a party come first (what the tests or the corpus leave
unexercised), then the others, each group by rule id. The figure a build can
hold a rule set to (`percent`) is the share of the rules in effect that decided at
least one party; it is rounded down, so that a report never shows 100% for a
rule set with one rule never deciding.
"""

from __future__ import annotations

import math

import attrs
import orjson

from rulesengine.decide.coverage import (
    DECIDED,
    LOST,
    SEEN,
    TIED,
    Branch,
    CoverageCounts,
    CoveringDecider,
    branch_counts,
)
from rulesengine.language.compile import RuleRef
from rulesengine.wording import counted

#: names the JSON report's layout: it changes only with this
SCHEMA = "rulesengine.coverage/1"


@attrs.frozen
class BranchCoverage:
    branch: Branch
    taken: int


@attrs.frozen
class RuleCoverage:
    """What one rule did over every party of its kinds."""

    rule: RuleRef
    kinds: tuple[str, ...]
    priority: int
    parties: int
    decided: int
    lost: int
    tied: int
    branches: tuple[BranchCoverage, ...]


@attrs.frozen
class CoverageReport:
    parties: int
    #: never decided first, then decided, each by rule id
    rules: tuple[RuleCoverage, ...]

    @property
    def decided(self) -> int:
        """How many rules decided at least one party."""
        return sum(1 for rule in self.rules if rule.decided)

    @property
    def percent(self) -> float:
        """The share of rules that decided at least once, in percent rounded down to 0.1
        (100 for a rule set without rules)."""
        if not self.rules:
            return 100.0
        return math.floor(1000 * self.decided / len(self.rules)) / 10

    @property
    def branches(self) -> tuple[int, int]:
        """(branches taken at least once, branches)."""
        every = [branch for rule in self.rules for branch in rule.branches]
        return sum(1 for branch in every if branch.taken), len(every)


def coverage_report(decider: CoveringDecider, counts: CoverageCounts) -> CoverageReport:
    """The report of what `counts` counted with the rules of `decider`."""
    found = []
    for rule in decider.rules:
        mine = counts.rules[rule.id]
        branches = tuple(BranchCoverage(branch, taken)
                         for branch, taken in zip(decider.branches[rule.id], branch_counts(counts.rules, rule.id),
                                                  strict=True))
        found.append(RuleCoverage(rule.ref, tuple(sorted(rule.kinds)), rule.priority, mine[SEEN], mine[DECIDED],
                                  mine[LOST], mine[TIED], branches))
    found.sort(key=lambda rule: (rule.decided > 0, rule.rule.id))
    return CoverageReport(counts.parties, tuple(found))


def render_text(report: CoverageReport) -> str:
    """A headline, then a line per rule with its counts and, under it, its branches."""
    taken, branches = report.branches
    lines = [(f"rule coverage: {report.decided} of {counted(len(report.rules), 'rule')} decided at least once "
             f"({report.percent:.1f}%), {taken} of {counted(branches, 'branch', 'branches')} taken, "
             f"{counted(report.parties, 'party', 'parties')}")]
    if not report.rules:
        return lines[0]
    width = max(len(str(max(rule.parties, 1))) for rule in report.rules) + 1
    heads = ("decided", "lost", "tied", "parties")
    widths = [max(width, len(head)) for head in heads]
    lines.append("  " + "  ".join(head.rjust(w) for head, w in zip(heads, widths, strict=True)) + "  rule")
    indent = " " * (2 + sum(widths) + 2 * len(widths))
    for rule in report.rules:
        numbers = (rule.decided, rule.lost, rule.tied, rule.parties)
        lines.append("  " + "  ".join(str(n).rjust(w) for n, w in zip(numbers, widths, strict=True))
                     + f"  {rule.rule.id}  ({rule.rule.at})")
        lines += [f"{indent}{'taken' if b.taken else 'never'} {b.taken:>{width}}  "
                  f"{'or' if b.branch.within == 'when' else '|'} {b.branch.text}" for b in rule.branches]
    return "\n".join(lines)


def to_json(report: CoverageReport) -> dict:
    taken, branches = report.branches
    return {
        "schema": SCHEMA,
        "parties": report.parties,
        "rules_total": len(report.rules),
        "rules_decided": report.decided,
        "percent": report.percent,
        "branches_total": branches,
        "branches_taken": taken,
        "rules": [_rule_json(rule) for rule in report.rules],
    }


def _rule_json(rule: RuleCoverage) -> dict:
    return {
        "id": rule.rule.id,
        "at": rule.rule.at,
        "kinds": list(rule.kinds),
        "priority": rule.priority,
        "parties": rule.parties,
        "decided": rule.decided,
        "lost": rule.lost,
        "tied": rule.tied,
        "branches": [{"within": b.branch.within, "group": b.branch.group, "text": b.branch.text, "taken": b.taken}
                     for b in rule.branches],
    }


def render_json(report: CoverageReport) -> str:
    """The report as one JSON document, keys in a fixed order, indented for diffs."""
    return orjson.dumps(to_json(report), option=orjson.OPT_INDENT_2).decode()

