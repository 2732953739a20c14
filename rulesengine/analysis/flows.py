"""What a site layer changes in the documented flows: each flow decided with and without it.

The documented flows (docs/flows, bundled in the sample as `c01_routed_completed`...)
are the acceptance truth of the default rules; an `override` or a `disable` that
changes one of their descriptors is worth knowing before it ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources

import attrs

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision
from rulesengine.events.assemble import Assembler, Interaction, assemble_lines
from rulesengine.events.read import parse_line
from rulesengine.model.interaction import InteractionModel

#: the ids the documented flows have in the bundled sample
_DOCUMENTED = re.compile(r"[cx]\d\d[a-z]?_")


@attrs.frozen
class Changed:
    """A party of a documented flow whose descriptor the layers change."""

    interaction: Interaction
    party: str
    kind: str
    before: Decision
    after: Decision


def documented_flows() -> list[Interaction]:
    """The documented flows, as the bundled sample holds them."""
    text = resources.files("rulesengine.sample").joinpath("sample.jsonl").read_bytes()
    wanted = [parse_line(raw, "sample.jsonl", number) for number, raw in enumerate(text.splitlines(), start=1)
              if raw.strip() and not raw.startswith(b"#")]
    lines = [line for line in wanted if line.interaction is not None and _DOCUMENTED.match(line.interaction)]
    return [item for item in assemble_lines(lines, Assembler()) if isinstance(item, Interaction)]


def changes(defaults: Decider, layered: Decider) -> Iterator[Changed]:
    """Every party of a documented flow decided otherwise with the layers than without."""
    for interaction in documented_flows():
        model = InteractionModel(interaction.id, interaction.events, survey=interaction.survey)
        before = defaults.decide(model)
        after = layered.decide(model)
        for party, old, new in zip(model.parties, before, after, strict=True):
            if descriptor(old) != descriptor(new):
                yield Changed(interaction, party.id, party.kind, old, new)


def descriptor(decision: Decision) -> str:
    """The descriptor and the record type, as a row's parts say them."""
    return f"{decision.descriptor} ({decision.record})"
