"""TEMPORARY: a fixed Python table of descriptors, used only until compiled rules replace it.

It implements the `Evaluator` seam so that the run command, the output and their
tests stay the same when the rule files take over.
"""

from __future__ import annotations

from rulesengine.decision import Decision, RuleRef
from rulesengine.facts import PartyFacts

_ROLES = {"route": "RoutedTo", "transfer": "ReceivedTransfer", "conference": "InConference",
          "consult": "ReceivedConsult", "pull": "Puller"}
_HERE = RuleRef("interim", "rulesengine/interim_descriptors.py", 1)


class InterimEvaluator:
    def decide(self, facts: PartyFacts) -> Decision:
        if facts.kind == "queue":
            if facts.at_customer_left == "waiting":
                return Decision("Received", "Unspecified", "CustomerAbandoned", "AbandonedWhileQueued", (_HERE,))
            return Decision("Received", "Unspecified", "Diverted", "Unspecified", (_HERE,))
        if facts.kind == "strategy":
            result = "CustomerAbandoned" if facts.at_customer_left == "routing" else "Routed"
            return Decision("Puller", "Unspecified", result, "Unspecified", (_HERE,))
        role = _ROLES.get(facts.origin, "RoutedTo")
        if facts.visibility == "coach":
            role = "ReceivedConsult"
        steps = [s.step for s in facts.steps]
        if facts.at_customer_left == "alerting":
            return Decision(role, "Unspecified", "CustomerAbandoned", "AbandonedWhileRinging", (_HERE,))
        if "revoked" in steps:
            result = "Redirected" if facts.origin == "route" else "Abandoned"
            return Decision(role, "Unspecified", result, "Revoked", (_HERE,))
        result = "Transferred" if facts.transfer_completed else "Completed"
        return Decision(role, "Unspecified", result, "Unspecified", (_HERE,))
