"""The findings as diagnostics, each at its rule's place, with its witness interaction.

Codes: R301 two rules both match a party of a witness and set a slot differently at the
same priority; R304 a rule decides nothing within the bound; R305 a kind's slot stays
Unspecified; R306 a site layer changes a documented flow's descriptor (a note); R307 a rule
reads a value as the search cannot vary it, so that none of this is proved about it (a note).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence

import attrs

from rulesengine.analysis.findings import Analysis, Finding
from rulesengine.analysis.flows import Changed, descriptor
from rulesengine.analysis.witness import describe, witness_text
from rulesengine.decide.decider import Decider
from rulesengine.diagnostics import Diagnostic, Position, Severity, warning
from rulesengine.language import syntax
from rulesengine.language.overlap import show_outcome
from rulesengine.wording import counted


@attrs.frozen
class Reported:
    """A diagnostic, and its witness interaction (named `interaction`) as a file of events."""

    diagnostic: Diagnostic
    interaction: str
    witness: str


def reported(analysis: Analysis, decider: Decider, rules: Sequence[syntax.Rule],
             texts: Mapping[str, str], changed: Iterable[Changed] = (),
             defaults: Container[str] = ()) -> list[Reported]:
    """Every finding and every changed documented flow, as diagnostics in a fixed order;
    `texts` are the rule files by path (for the source lines), `defaults` the default files' paths."""
    written = {rule.id.text: (place, rule) for place, rule in enumerate(rules)}
    by_id = {rule.id: rule for rule in decider.rules}
    out = []
    for number, finding in enumerate(analysis.findings, start=1):
        name = f"witness-{finding_code(finding)}-{number}"
        events = tuple(finding.case.events(name)) if finding.case is not None else ()
        if finding.what == "overlap":
            first, second = sorted(finding.rules, key=lambda rule_id: written[rule_id][0])
            slot = str(finding.slot)
            message = (f"rules '{first}' and '{second}' both match party {_party(finding, name)} of interaction "
                       f"'{name}' and set its {slot} differently ({show_outcome(by_id[first].outcomes[slot])} vs "
                       f"{show_outcome(by_id[second].outcomes[slot])}) at the same priority "
                       f"{by_id[first].priority}: {describe(events)}")
            hint = (f"make their conditions exclusive or give one a higher priority ('{first}' is at "
                    f"{by_id[first].ref.at})")
            diagnostic = Diagnostic(Severity.WARNING, "R301", message, *_at(written[second][1], texts), hint)
        elif finding.what == "dead":
            rule_id = finding.rules[0]
            why = "it matches no party"
            if finding.beaten_by:
                why = (f"where it matches, {_names(finding.beaten_by)} decide first, as for party "
                       f"{_party(finding, name)} of interaction '{name}': {describe(events)}")
            if finding.tied:
                why += f" (and it ties with {_names(finding.tied)})"
            diagnostic = Diagnostic(
                Severity.WARNING, "R304", f"rule '{rule_id}' decides nothing in any interaction within the bound: "
                f"{why}", *_at(written[rule_id][1], texts),
                "narrow the rules that win, raise its priority or remove it")
        else:
            diagnostic = warning(
                "R305", f"no rule decides the {finding.slot} of {finding.kind} {_party(finding, name)} of "
                f"interaction '{name}': it stays Unspecified: {describe(events)}",
                hint=f"add a rule for {finding.kind} that sets its {finding.slot} there")
        out.append(Reported(diagnostic, name, witness_text(events, diagnostic.headline()) if events else ""))
    for rule_id in sorted(analysis.unseen, key=lambda rule_id: written[rule_id][0]):
        diagnostic = Diagnostic(
            Severity.NOTE, "R307", f"rule '{rule_id}' reads `{analysis.unseen[rule_id]}` as the bounded analysis "
            f"cannot try every value of: it is never reported dead nor proved disjoint from another rule, and a "
            f"tie or a gap it takes part in may be missed", *_at(written[rule_id][1], texts),
            "compare durations, resources, reasons and attached values with constants, in the rule itself")
        out.append(Reported(diagnostic, "", ""))
    for change in changed:
        site = next((ref for ref in change.after.rules if ref.path not in defaults), None)
        gone = [ref.id for ref in change.before.rules if ref not in change.after.rules]
        place, line = _at(written[site.id][1], texts) if site is not None else _disabled(gone, texts, defaults)
        why = (f"'{site.id}' decides it now" if site is not None
               else f"{_names(gone)} no longer {'decides' if len(gone) == 1 else 'decide'} it")
        diagnostic = Diagnostic(
            Severity.NOTE, "R306", f"the layers change the documented flow '{change.interaction.id}': "
            f"{change.kind} {change.party} {descriptor(change.before)} -> {descriptor(change.after)} ({why})",
            place, line)
        lines = [f"# {diagnostic.headline()}"] + [event.raw.decode() for event in change.interaction.events]
        out.append(Reported(diagnostic, change.interaction.id, "\n".join(lines) + "\n"))
    return out


def finding_code(finding: Finding) -> str:
    return {"overlap": "R301", "dead": "R304", "gap": "R305"}[finding.what]


def _party(finding: Finding, interaction: str) -> str:
    return f"'{interaction}.{finding.case.party}'" if finding.case is not None else "?"


def _names(rule_ids: Sequence[str]) -> str:
    shown = ", ".join(f"'{rule_id}'" for rule_id in rule_ids[:3])
    return shown + (f" and {counted(len(rule_ids) - 3, 'more rule')}" if len(rule_ids) > 3 else "")


def _disabled(rule_ids: Sequence[str], texts: Mapping[str, str],
              defaults: Container[str]) -> tuple[Position | None, str | None]:
    """Where a layer disables one of these rules (the first such statement), if one does."""
    for path, text in texts.items():
        if path in defaults:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            words = line.split()
            if words[:2] == ["disable", "rule"] and len(words) > 2 and words[2] in rule_ids:
                return Position(path, number, line.index("disable") + 1), line
    return None, None


def _at(rule: syntax.Rule, texts: Mapping[str, str]) -> tuple[Position, str | None]:
    """Where the rule is written, and that line."""
    place = rule.span.position
    lines = texts.get(place.path, "").splitlines()
    return place, lines[place.line - 1] if 0 < place.line <= len(lines) else None
