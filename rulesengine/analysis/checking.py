"""The bounded analysis as `check` runs it: search, findings, documented flows, diagnostics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from rulesengine.analysis.findings import Analysis, analyse
from rulesengine.analysis.flows import changes
from rulesengine.analysis.report import Reported, reported
from rulesengine.analysis.search import Progress, search
from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules, default_layer, load_rules


@attrs.frozen
class Checked:
    """What the analysis proved, as diagnostics with their witnesses."""

    analysis: Analysis
    reports: tuple[Reported, ...]


def check_bounded(decider: Decider, loaded: LoadedRules, texts: Mapping[str, str], settings: Mapping[str, str], *,
                  layered: bool, bound: int, agents: int, budget: float | None,
                  progress: Progress | None = None) -> Checked:
    """Analyse rules that loaded (`decider` is theirs) within `bound` or `agents`, telling `progress`
    how far the search has got; when `layered` (site layers over the defaults), also the
    documented flows the layers change."""
    analysis = analyse(decider, search(decider, bound, budget, agents=agents, progress=progress))
    changed: Sequence = ()
    defaults = {path for path, _ in default_layer()}
    if layered:
        plain = load_rules((), settings).decider
        changed = list(changes(plain, decider)) if plain is not None else []
    return Checked(analysis, tuple(reported(analysis, decider, loaded.rules, texts, changed, defaults)))
