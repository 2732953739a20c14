"""The bounded search: every shape within the limits, decided, and what the rules did per party.

Each shape becomes a concrete interaction (`concrete`), goes through the model and the
decider the main job uses, and every party contributes a *case*: its kind and the
rules that match it, all of them, not only the winners. Cases are kept once, with the
shortest interaction that shows them (the witness); everything `check` reports about
overlaps, dead rules and gaps is read off the cases.

Then, for one party of each distinct *situation* (its kind, its own steps, its intent and
visibility, the facts the rules read, the rules that match), variants try every class of
its durations, the resources, reasons and attached values the rules name: one value of
each class the rules can tell apart.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType

import attrs

from rulesengine.analysis.abstraction import Abstraction, abstraction
from rulesengine.analysis.concrete import BASE, Variant, events, records, windows
from rulesengine.analysis.shapes import Grammar, Shape, shapes
from rulesengine.decide.decider import Decider
from rulesengine.model.interaction import InteractionModel, Party

#: the default bound: parties beyond the first queue and strategy
DEFAULT_BOUND = 1
#: the default second limit: agents, a queue and strategy handing the chat on counting as the
#: party they lead to (so an agent reached through a queue is within it)
DEFAULT_AGENTS = 2
#: at most this many variants of one party's situation; past it, each attribute varies alone
MAX_VARIANTS = 512


@attrs.frozen
class Case:
    """A party's kind and the rules that match it (by place in `Decider.rules_for(kind)`),
    with the interaction that shows it."""

    kind: str
    matched: tuple[bool, ...]
    shape: Shape = attrs.field(eq=False)
    variant: Variant = attrs.field(eq=False)
    #: the party of the shape this case is about
    party: str = attrs.field(eq=False)

    def events(self, interaction: str) -> list[dict[str, object]]:
        return events(self.shape, self.variant, interaction)


@attrs.frozen
class Searched:
    """What the search saw: the distinct cases, how many interactions it decided, and
    whether it covered the whole bound, every class of the texts the rules tell apart
    included (`Abstraction.every_text`) and every combination of a party's classes
    (`every_combination`), before the time budget ran out."""

    bound: int
    cases: Mapping[tuple[str, tuple[bool, ...]], Case]
    interactions: int
    complete: bool
    abstraction: Abstraction
    agents: int = 0
    #: every party situation met, when the rules vary some attribute (see `situation`)
    situations: frozenset[tuple] = frozenset()
    #: whether every party's classes were tried in every combination (`combined`)
    every_combination: bool = True


#: told, as the search goes, how many interactions it has decided and how many distinct cases it met
Progress = Callable[[int, int], object]


def search(decider: Decider, bound: int = DEFAULT_BOUND, budget: float | None = None,
           clock: Callable[[], float] = time.monotonic, agents: int = DEFAULT_AGENTS,
           progress: Progress | None = None) -> Searched:
    """Decide every interaction within the bound or within the agents (`Grammar.agents`), until
    `budget` seconds have passed; `progress` is told how far it has got every few shapes."""
    seen = abstraction(decider)
    grammar = Grammar(bound, agents, visibilities=seen.visibilities if seen.visibility_of_others else (None,),
                      mediation=("queue", "workbin") if seen.workbins else ("queue",),
                      ordered=seen.ordered)
    deadline = None if budget is None else clock() + budget
    found = _Found(decider, _varies(seen))

    def out_of_time() -> bool:
        """Whether the budget is spent; if not, `progress` is told how far the search has got."""
        if deadline is not None and clock() > deadline:
            return True
        if progress is not None:
            progress(found.interactions, len(found.cases))
        return False

    complete = every_combination = True
    situations: dict[tuple, tuple[Shape, str]] = {}
    for count, shape in enumerate(shapes(grammar)):
        if count % 256 == 0 and out_of_time():
            complete = False
            break
        for party, signature in found.add(shape, BASE):
            situations.setdefault(signature, (shape, party))
    met = set(situations)
    if complete and _varies(seen):
        for count, (shape, party) in enumerate(situations.values()):
            if count % 16 == 0 and out_of_time():
                complete = False
                break
            every_combination = every_combination and combined(shape, party, seen)
            for variant in variants(shape, party, seen):
                met.update(signature for _, signature in found.add(shape, variant))
    return Searched(bound, MappingProxyType(found.cases), found.interactions,
                    complete and seen.every_text and every_combination, seen, agents, frozenset(met),
                    every_combination)


def _varies(seen: Abstraction) -> bool:
    return bool(seen.thresholds or seen.resources or seen.reasons or seen.data
                or (len(seen.visibilities) > 1 and not seen.visibility_of_others))


def combined(shape: Shape, party: str, seen: Abstraction) -> bool:
    """Whether `variants` tries every combination of the party's classes (not too many)."""
    return math.prod(map(len, _choices(shape, party, seen)[1])) <= MAX_VARIANTS


def _choices(shape: Shape, party: str, seen: Abstraction) -> tuple[tuple[int, ...], list[tuple[object, ...]]]:
    """Where the party's durations end (`windows`), and the values tried for each of them, its
    resource, its last reason, its visibility and each attached value."""
    durations = seen.durations() if seen.thresholds else (0,)
    places = tuple(windows(shape, party, seen.timed)) if seen.thresholds else ()
    choices: list[tuple[object, ...]] = [durations] * len(places)
    choices.append((None, *seen.resources))
    choices.append((None, *seen.reasons))
    invited = any(step.party == party and step.event == "party.invited" for step in shape)
    choices.append(seen.visibilities if invited and not seen.visibility_of_others else (None,))
    choices += [(None, *seen.data[key]) for key in seen.data]
    return places, choices


def variants(shape: Shape, party: str, seen: Abstraction) -> Iterator[Variant]:
    """Every combination of one value per class for the party's durations, resource and last
    reason and the interaction's data; each attribute alone when they are too many (then the
    search is incomplete: `combined`)."""
    places, choices = _choices(shape, party, seen)
    keys = list(seen.data)
    combos: Iterator[tuple[object, ...]]
    if combined(shape, party, seen):
        combos = itertools.product(*choices)
    else:
        base = tuple(options[0] for options in choices)
        combos = ((*base[:at], value, *base[at + 1:]) for at, options in enumerate(choices) for value in options)
    for combo in combos:
        gaps = {place: gap for place, gap in zip(places, combo, strict=False) if isinstance(gap, int) and gap}
        resource, reason, visibility, *data = combo[len(places):]
        values = {key: value for key, value in zip(keys, data, strict=True) if value is not None}
        variant = Variant(party, MappingProxyType(gaps), _text(resource), _text(visibility), _text(reason),
                          MappingProxyType(values))
        if variant != Variant(party):
            yield variant


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class _Found:
    """The cases found so far, each with its shortest witness."""

    def __init__(self, decider: Decider, situations: bool) -> None:
        self.decider = decider
        #: whether `add` tells each party's situation (only variants need them)
        self.situations = situations
        self.cases: dict[tuple[str, tuple[bool, ...]], Case] = {}
        self.interactions = 0
        self.facts = tuple(f"f_{name}" for name in decider.definitions)

    def add(self, shape: Shape, variant: Variant) -> list[tuple[str, tuple]]:
        """Decide the interaction; each party and its situation (when variants need them)."""
        situations = []
        self.interactions += 1
        model = InteractionModel("w", records(shape, variant, "w"))
        self.decider.facts(model)
        for party in model.parties:
            matched = self.decider.matching(party.kind)(party, model)
            name = party.id[2:]
            key = (party.kind, matched)
            known = self.cases.get(key)
            if known is None or len(shape) < len(known.shape):
                self.cases[key] = Case(party.kind, matched, shape, variant, name)
            if self.situations:
                situations.append((name, situation(party, matched, self.facts)))
        return situations


def situation(party: Party, matched: tuple[bool, ...], facts: Sequence[str]) -> tuple:
    """A decided party as the rules see it: its kind and the rules that match it, its own steps,
    intent and visibility, and the value of each fact (`f_NAME`) in `facts`."""
    return ((party.kind, matched), party.step_names, party.intent, party.visibility,
            tuple(_plain(getattr(party, fact, None)) for fact in facts))


def _plain(value: object) -> object:
    """A fact's value as a key: a party by its kind (a fact of another party's identity is rare),
    a moment by its step, anything else that cannot be a key (a phase) by its text."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, Party):
        return value.kind
    step = getattr(value, "event", None)
    if isinstance(step, str):
        return ("moment", step)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
