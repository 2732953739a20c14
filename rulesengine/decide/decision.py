"""What the rules decided for one party: the descriptor, the record type, the rules behind them.

This is the seam between evaluation and output: an decider turns an interaction's
model into one `Decision` per party; the output stage joins the two into rows.
"""

from __future__ import annotations

import functools

import attrs

from rulesengine.diagnostics import Diagnostic
from rulesengine.language.compile import RuleRef

UNSPECIFIED = "Unspecified"
#: between the rules of a row's `rule` and `rule_at` columns
RULE_SEPARATOR = " + "


def descriptor_text(role: str, role_reason: str, result: str, result_reason: str) -> str:
    """`Role [Reason]/Result [Reason]`, the way the warehouse documentation writes it: a reason
    only when it is not Unspecified (`RoutedTo/Redirected [Revoked]`,
    `InConference [ConferenceJoined]/None`)."""
    return f"{_part(role, role_reason)}/{_part(result, result_reason)}"


def _part(value: str, reason: str) -> str:
    return value if reason == UNSPECIFIED else f"{value} [{reason}]"


@attrs.frozen
class Decision:
    """The descriptor parts and the record type of one party; what no rule decided stays Unspecified."""

    resource_role: str = UNSPECIFIED
    role_reason: str = UNSPECIFIED
    technical_result: str = UNSPECIFIED
    result_reason: str = UNSPECIFIED
    #: the record type: IRF or MSF with the default rules
    record: str = UNSPECIFIED
    #: the rules that decided, in a stable order (role, result, record); empty when none did
    rules: tuple[RuleRef, ...] = ()
    #: some part was left undecided (counted and warned about in the run summary)
    incomplete: bool = False
    #: problems found while deciding, e.g. two equal-priority rules disagreeing
    problems: tuple[Diagnostic, ...] = ()

    @property
    def descriptor(self) -> str:
        return descriptor_text(self.resource_role, self.role_reason, self.technical_result, self.result_reason)

    @functools.cached_property
    def rule_columns(self) -> tuple[str | None, str | None]:
        """The deciding rules' ids and their `path:line`s, each joined by ` + ` (None if none).

        Worked out once per decision: the rule set shares one decision among every
        party decided by the same rules, and each of their rows shows these.
        """
        if not self.rules:
            return None, None
        return (RULE_SEPARATOR.join(r.id for r in self.rules),
                RULE_SEPARATOR.join(r.at for r in self.rules))
