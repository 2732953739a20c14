"""Each interaction's page in the run report: its diagram, its explanation, its parties.

A page per interaction is what makes the report worth opening, and what makes it
large (a few kilobytes each), so only some interactions get one: the first
`--details N` of the input, and those the figures name (the slowest invitations,
undecided parties, problems). `Keeper` holds the events of those while the input
streams; the pages are drawn once it has ended, with the same compiled rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from rulesengine.decide.decider import Decider
from rulesengine.decide.explain import explain_interaction, render_text
from rulesengine.events.assemble import Interaction
from rulesengine.output.diagram import outcome, to_mermaid
from rulesengine.report.figures import LIST_ROOM, Tally
from rulesengine.runtime.pipeline import model_of


@attrs.frozen
class PartyOutcome:
    party: str
    kind: str
    resource: str
    #: `RoutedTo/Transferred (IRF)`
    outcome: str


@attrs.frozen
class Detail:
    """One interaction's page."""

    interaction: str
    provisional: bool
    parties: tuple[PartyOutcome, ...]
    #: the Mermaid sequence diagram, as `rulesengine graph` prints it
    diagram: str = ""
    #: the explanation of every party, as `rulesengine explain` prints it
    explanation: str = ""


def detail_of(rules: Decider, interaction: Interaction) -> Detail:
    model = model_of(interaction)
    explained = explain_interaction(rules, model)
    decisions = [party.decision for party in explained]
    parties = tuple(PartyOutcome(party.id, party.kind, party.resource, outcome(decision))
                    for party, decision in zip(model.parties, decisions, strict=True))
    detail = Detail(model.id, model.provisional, parties, to_mermaid(model, decisions),
                    "\n\n".join(render_text(party) for party in explained))
    model.dispose()
    return detail


@attrs.define
class Keeper:
    """The interactions that get a page: the first `first` offered, and those the tally
    lists. An interaction the tally stops listing (a slower invitation came) is let go
    once the extras outnumber what the lists can hold, so memory stays bounded."""

    first: int
    tally: Tally
    _kept: dict[str, Interaction] = attrs.field(factory=dict, init=False)
    _early: set[str] = attrs.field(factory=set, init=False)
    #: interactions offered so far
    offered: int = 0

    def offer(self, interaction: Interaction, listed: bool) -> None:
        """Keep `interaction` if it is among the first or the tally just listed it."""
        self.offered += 1
        if len(self._early) < self.first:
            self._early.add(interaction.id)
        elif not listed:
            return
        self._kept[interaction.id] = interaction
        if len(self._kept) - len(self._early) > 2 * LIST_ROOM:
            self._prune()

    def _prune(self) -> None:
        wanted = self._early | self.tally.listed()
        self._kept = {key: value for key, value in self._kept.items() if key in wanted}

    def __len__(self) -> int:
        """How many interactions are held now."""
        return len(self._kept)

    def kept(self) -> Iterator[Interaction]:
        """The interactions with a page, in input order."""
        self._prune()
        return iter(self._kept.values())
