"""What rules may know about one party: the facts the interaction graph computes.

`PartyFacts` is the only thing compiled rules read. The graph stage fills one per
party (see `InteractionGraph.facts`); rules compile to functions over it, so no
rule walks the graph or the syntax tree while an interaction is evaluated.

`FACTS` describes every fact a condition may name: its type and, for enumerations,
its values. The checker uses it for unknown names and did-you-mean hints, explain
for printing, the compiler for reading the attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs
import msgspec

from rulesengine.events import INTENTS, KINDS, VISIBILITIES

#: The party's own event types, as rule patterns name them (`party.` dropped).
PARTY_STEPS = ("entered", "invited", "accepted", "rejected", "revoked", "left")
#: The intent that started the path that brought a party in; `inbound` when no agent
#: or pull started it (the customer's own chat reaching the first queue and strategy).
ORIGINS = (*INTENTS, "inbound")
#: Where a party stood at the moment the customer left.
STATES = (
    "stayed",       # the customer never left
    "not_started",  # the party had not appeared yet
    "waiting",      # a queue or workbin holding the interaction
    "routing",      # a strategy processing it
    "alerting",     # an agent invited, not yet accepted, rejected or revoked
    "connected",    # an agent accepted and still there
    "finished",     # the party had already ended
)


class PartyStep(msgspec.Struct, frozen=True, gc=False):
    """One of the party's own events, as patterns see it (one per event: a `msgspec.Struct`)."""

    step: str  # one of PARTY_STEPS
    seq: int
    ms: int
    reason: str | None = None
    intent: str | None = None
    visibility: str | None = None
    by: str | None = None


class PartyFacts(msgspec.Struct, frozen=True, gc=False):
    """Everything a rule may test about one party of one interaction.

    One per party on the main job's path, so a `msgspec.Struct`, built an order of
    magnitude faster than an attrs class of 23 fields.
    """

    interaction: str
    party: str
    kind: str  # one of KINDS
    resource: str
    steps: tuple[PartyStep, ...]
    #: the party's own intent (invitation or entry), `none` when absent
    intent: str
    #: the intent of the request that started the path that brought it in
    origin: str
    #: that path went through a queue or workbin
    through_queue: bool
    #: the kind of the party named by `by` on its first event, `none` when absent
    invited_by: str
    #: the visibility of its invitation, `unknown` when absent
    visibility: str
    customer_left: bool
    #: where this party stood when the customer left (one of STATES)
    at_customer_left: str
    #: a party this one invited with intent transfer accepted before this one left
    transfer_completed: bool
    #: a mediation party (queue, workbin, strategy) that brought another party in
    handed_on: bool
    #: an agent reached through this mediation party accepted the interaction
    delivered_accepted: bool
    #: where the agents reached through this mediation party stood when the customer
    #: left: `alerting` if any was alerting, else `connected` if any was, else
    #: `not_started` when none was reached yet (one of STATES)
    delivered_at_customer_left: str
    #: durations in milliseconds; None where they do not apply
    alert_ms: int | None
    engage_ms: int | None
    stay_ms: int
    start_ts: str
    end_ts: str
    first_seq: int
    #: the interaction was still open (evaluated on request, provisional)
    provisional: bool = False


@attrs.frozen
class FactSpec:
    """The type of one fact a rule condition may name."""

    name: str
    type: str  # "bool" | "enum" | "duration"
    attribute: str  # the PartyFacts attribute that holds it
    values: tuple[str, ...] = ()
    doc: str = ""


def _specs(*specs: FactSpec) -> Mapping[str, FactSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


FACTS: Mapping[str, FactSpec] = _specs(
    FactSpec("kind", "enum", "kind", KINDS, "what sort of resource the party is"),
    FactSpec("intent", "enum", "intent", (*INTENTS, "none"),
             "the party's own intent on its first event"),
    FactSpec("origin", "enum", "origin", ORIGINS,
             "the intent of the request that started the path that brought it in"),
    FactSpec("through_queue", "bool", "through_queue", (),
             "that path went through a queue or workbin"),
    FactSpec("invited_by", "enum", "invited_by", (*KINDS, "none"),
             "the kind of the party that brought it in directly"),
    FactSpec("visibility", "enum", "visibility", (*VISIBILITIES, "unknown"),
             "who could see the invited party"),
    FactSpec("customer_left", "bool", "customer_left", (), "the customer left the session"),
    FactSpec("at_customer_left", "enum", "at_customer_left", STATES,
             "where the party stood when the customer left"),
    FactSpec("transfer_completed", "bool", "transfer_completed", (),
             "a transfer it started was accepted before it left"),
    FactSpec("handed_on", "bool", "handed_on", (),
             "a queue, workbin or strategy that brought another party in"),
    FactSpec("delivered_accepted", "bool", "delivered_accepted", (),
             "an agent reached through this mediation party accepted"),
    FactSpec("delivered_at_customer_left", "enum", "delivered_at_customer_left", STATES,
             "where the agents reached through it stood when the customer left"),
    FactSpec("alert", "duration", "alert_ms", (), "invitation to accept, reject or revoke"),
    FactSpec("engage", "duration", "engage_ms", (), "accept to leave"),
    FactSpec("stay", "duration", "stay_ms", (), "first to last event of the party"),
)
