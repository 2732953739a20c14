"""What the bounded search proves about a rule set, each finding with its witness interaction.

- overlap (R301): two rules match the same party at the top priority among those that
  match, and set a slot differently: a run leaves the slot Unspecified (R310);
- dead rule (R304): in no interaction within the bound does the rule decide a slot,
  because it never matches, or because stronger rules (named) always win;
- gap (R305): a party of some kind gets no role, result or record from any rule.

Pairs of equal-priority rules that set a slot differently and were never both found
matching are *proved disjoint* within the bound: `check --verbose` lists them. A search the
time budget cut short proves no absence: it reports no dead rule, and its pairs are only
those not seen together so far. Nor does a rule that reads values as the search cannot vary
them (`fragment`): it is never reported dead, and no pair with it is proved disjoint.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence

import attrs

from rulesengine.analysis.fragment import unseen
from rulesengine.analysis.search import Case, Searched
from rulesengine.decide.decider import Decider
from rulesengine.language.compile import CompiledRule
from rulesengine.language.vocabulary import OUTCOME_SLOTS


@attrs.frozen
class Finding:
    """One thing proved, with the case that shows it (`rules` name the rules concerned)."""

    what: str  # overlap, dead, gap
    slot: str | None
    rules: tuple[str, ...]
    case: Case | None
    #: dead rules: "never matches", or the rules that always won when it matched
    beaten_by: tuple[str, ...] = ()
    #: dead rules: the rules of its priority it tied with where it matched
    tied: tuple[str, ...] = ()
    #: gaps: the kind of party left undecided
    kind: str | None = None


@attrs.frozen
class Analysis:
    """Every finding, and the pairs proved disjoint within the bound (rule, rule, slot)."""

    searched: Searched
    findings: tuple[Finding, ...]
    disjoint: tuple[tuple[str, str, str], ...]
    #: the rules that read values as the search cannot vary them, each with that expression
    unseen: Mapping[str, str] = attrs.field(factory=dict)


def _winners(rules: Sequence[CompiledRule], matched: Sequence[bool], slot: str) -> list[CompiledRule]:
    """The matching rules that set the slot at the top priority among them, by id."""
    setting = [rule for rule, yes in zip(rules, matched, strict=True) if yes and rule.sets(slot) is not None]
    if not setting:
        return []
    top = max(rule.priority for rule in setting)
    return sorted((rule for rule in setting if rule.priority == top), key=lambda rule: rule.id)


def analyse(decider: Decider, searched: Searched) -> Analysis:
    """The findings the cases prove, in a fixed order (by rule order, then slot)."""
    beyond = unseen(decider)
    overlaps: dict[tuple[str, str, str], Case] = {}
    decided: set[str] = set()
    matched_ever: set[str] = set()
    beaten: dict[str, set[str]] = defaultdict(set)
    tied: dict[str, set[str]] = defaultdict(set)
    lost: dict[str, Case] = {}
    gaps: dict[tuple[str, str], Case] = {}
    for (kind, matched), case in sorted(searched.cases.items(), key=lambda item: _order(item[1])):
        rules = decider.rules_for(kind)
        matched_ever.update(rule.id for rule, yes in zip(rules, matched, strict=True) if yes)
        for slot in OUTCOME_SLOTS:
            top = _winners(rules, matched, slot)
            if not top:
                gaps.setdefault((kind, slot), case)
                continue
            outcomes = {rule.sets(slot) for rule in top}
            if len(outcomes) > 1:
                for first, second in itertools.combinations(top, 2):
                    if first.sets(slot) != second.sets(slot):
                        overlaps.setdefault((first.id, second.id, slot), case)
                        tied[first.id].add(second.id)
                        tied[second.id].add(first.id)
            else:
                decided.add(top[0].id)
            winner_ids = {rule.id for rule in top}
            for rule, yes in zip(rules, matched, strict=True):
                if yes and rule.sets(slot) is not None and rule.id not in winner_ids:
                    beaten[rule.id].update(winner_ids)
                    lost.setdefault(rule.id, case)
    findings = [Finding("overlap", slot, (first, second), case) for (first, second, slot), case in overlaps.items()]
    for rule in sorted(decider.rules, key=lambda rule: rule.id):
        if (rule.id in decided or (rule.id in tied and rule.id not in beaten) or not searched.complete
                or rule.id in beyond or not beyond.keys().isdisjoint(beaten.get(rule.id, ()))):
            continue  # a rule that only ties: each R301 says so; a search cut short proves no absence, nor
            # does a rule the search cannot vary, about itself or the rules it beat
        findings.append(Finding("dead", None, (rule.id,), lost.get(rule.id),
                                beaten_by=tuple(sorted(beaten.get(rule.id, ()))),
                                tied=tuple(sorted(tied.get(rule.id, ())))))
    slots = list(OUTCOME_SLOTS)
    for (kind, slot), case in sorted(gaps.items(), key=lambda item: (item[0][0], slots.index(item[0][1]))):
        findings.append(Finding("gap", slot, (), case, kind=kind))
    disjoint = tuple(pair for pair in _disjoint(decider, {key[:3] for key in overlaps})
                     if pair[0] not in beyond and pair[1] not in beyond)
    return Analysis(searched, tuple(findings), disjoint, beyond)


def _order(case: Case) -> tuple:
    """Shortest witness first, then as the search met them (the shape's steps)."""
    return (len(case.shape), case.kind, case.matched)


def _disjoint(decider: Decider, overlapping: set[tuple[str, str, str]]) -> tuple[tuple[str, str, str], ...]:
    """Equal-priority pairs that set a slot differently, share a kind, and never both matched."""
    pairs = []
    rules = sorted(decider.rules, key=lambda rule: rule.id)
    for slot in OUTCOME_SLOTS:
        for first, second in itertools.combinations(rules, 2):
            if (first.priority == second.priority and first.kinds & second.kinds
                    and first.sets(slot) is not None and second.sets(slot) is not None
                    and first.sets(slot) != second.sets(slot)
                    and (first.id, second.id, slot) not in overlapping):
                pairs.append((first.id, second.id, slot))
    return tuple(pairs)

