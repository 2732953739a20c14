"""The primitives: what the interaction model tells rules, by the names rules use.

Everything a rule or a derived fact can ask about an interaction bottoms out here: a
party's own attributes, the moments of its steps, the phases between them, its
relations in the graph, and a few things about the interaction as a whole. None of
them encodes a descriptor principle; those are derived facts in the rule files. The
checker reads this table for names, types and did-you-mean hints; the compiler reads
`attribute` to know where the model keeps each value; explain and the language
reference print `doc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from rulesengine.events.contract import INTENTS, KINDS, VISIBILITIES
from rulesengine.model.valuetypes import (
    BOOL,
    DURATION,
    MOMENT,
    PARTIES,
    PARTY,
    PHASE,
    STRING,
    Type,
    enumeration,
)

KIND = enumeration("kind", KINDS)
INTENT = enumeration("intent", INTENTS)
VISIBILITY = enumeration("visibility", (*VISIBILITIES, "unknown"))
#: the names of a party's own steps, as `match` patterns write them
STEPS = ("entered", "invited", "accepted", "rejected", "revoked", "held", "retrieved", "left")


@attrs.frozen
class Primitive:
    """One name rules may use: its type, where the model keeps it, whether it may be none."""

    name: str
    type: Type
    doc: str
    #: the attribute of a `Party` (party primitives) or of the `InteractionModel`
    attribute: str
    optional: bool = True


def _table(*primitives: Primitive) -> Mapping[str, Primitive]:
    return MappingProxyType({primitive.name: primitive for primitive in primitives})


def _moment(step: str, doc: str) -> Primitive:
    return Primitive(step, MOMENT, doc, step)


#: about one party: the party a rule decides, or any party a rule names (`by.kind`, `a.accepted`)
PARTY_PRIMITIVES: Mapping[str, Primitive] = _table(
    Primitive("kind", KIND, "what sort of resource the party is", "kind", optional=False),
    Primitive("resource", STRING, "the agent, queue, strategy or workbin, by name", "resource", optional=False),
    Primitive("intent", INTENT, "why the party was brought in, as its first event says (none if it does not)",
              "intent"),
    Primitive("visibility", VISIBILITY, "who could see the invited agent; unknown when the invitation "
              "did not say", "visibility", optional=False),
    Primitive("by", PARTY, "the party that brought this one in (none for the interaction's first party)", "by"),
    Primitive("start", MOMENT, "the party's first event", "start", optional=False),
    Primitive("end", MOMENT, "the event that ended the party (left, rejected, revoked), else the "
              "interaction's end", "end", optional=False),
    _moment("invited", "when the agent was invited (alerting starts)"),
    _moment("accepted", "when the agent accepted"),
    _moment("rejected", "when the agent declined"),
    _moment("revoked", "when the invitation was withdrawn"),
    _moment("left", "when the party left (party.left)"),
    Primitive("present", PHASE, "from the party's first event to its end", "present", optional=False),
    Primitive("alerting", PHASE, "from the invitation to its answer, or to the party's end if unanswered",
              "alerting", optional=False),
    Primitive("connected", PHASE, "from accepting to the party's end", "connected", optional=False),
    Primitive("on_hold", PHASE, "each hold, from party.held to party.retrieved (or the party's end)",
              "on_hold", optional=False),
    Primitive("alert", DURATION, "invitation to its answer (accept, reject, revoke) or to the party's end",
              "alert_ms"),
    Primitive("engage", DURATION, "accepting to the party's end", "engage_ms"),
    Primitive("stay", DURATION, "the party's first event to its end", "stay_ms", optional=False),
    Primitive("hold", DURATION, "time on hold, all holds together (none if never held)", "hold_ms"),
    Primitive("brought_in", PARTIES, "the parties this one brought in directly", "brought_in", optional=False),
    Primitive("reached", PARTIES, "the parties this one brought in, directly or through the queues, "
              "workbins and strategies it brought in", "reached", optional=False),
    Primitive("path", PARTIES, "the parties that brought this one in, nearest first, back to the agent "
              "whose request started the path (or to the first party)", "path", optional=False),
    Primitive("others", PARTIES, "every other party of the interaction", "others", optional=False),
)

#: about the interaction as a whole
INTERACTION_PRIMITIVES: Mapping[str, Primitive] = _table(
    Primitive("media", STRING, "chat, email, ... as interaction.created says", "media", optional=False),
    Primitive("customer_left", MOMENT, "when the customer left (none if they did not)", "customer_left"),
    Primitive("ended", MOMENT, "interaction.ended, or the last event of an interaction still open",
              "ended", optional=False),
    Primitive("provisional", BOOL, "the interaction is still open (evaluated on request)", "provisional",
              optional=False),
    Primitive("parties", PARTIES, "every party of the interaction, in order of appearance", "parties",
              optional=False),
)

#: what a moment tells besides when it was: `customer_left.reason`, `revoked.reason`
MOMENT_ATTRIBUTES: Mapping[str, Primitive] = _table(
    Primitive("reason", STRING, "the event's `reason`", "reason"),
)

#: every bare name the model gives, for did-you-mean hints
ALL_NAMES = (*PARTY_PRIMITIVES, *INTERACTION_PRIMITIVES, "self", "data")
