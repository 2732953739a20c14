"""Generator profiles: what a generated corpus is made of, read from a TOML file.

A profile is what a site tunes so that a corpus exercises what its rules test; every
value it does not give keeps the generator's default, and a value the generator cannot
use is a `ProfileError` naming the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import attrs

from rulesengine.diagnostics import did_you_mean
from rulesengine.events.generate_shapes import ALL_SHAPES, DELAYS, FAMILIES

#: Mean gap between two interactions' arrivals.
MEAN_ARRIVAL_S = 1.5
#: the greatest weight, and sum of the shapes' weights (the deck of shapes holds that many cards)
MOST_WEIGHT = 1_000_000
#: With `[shares]`, the mix is dealt as decks of this many interactions: shares hold exactly in each.
SHARE_DECK = 1000

#: the group of `_with_shares` that holds the shapes of no family given a share
_REST = ""
#: attached data key -> (value, relative weight) pairs, drawn once per interaction
DataChoices = dict[str, tuple[tuple[str, int], ...]]


def _default_weights() -> dict[str, int]:
    return {flow: weight for flow, (weight, _) in ALL_SHAPES.items()}


@attrs.frozen
class Profile:
    """What a generated stream is made of: how often each shape comes (relative weights, 0 for
    never), the range of each delay in seconds, the mean gap between two arrivals, and the
    attached data each interaction gets besides its shape id."""

    weights: dict[str, int] = attrs.field(factory=_default_weights)
    delays: dict[str, tuple[float, float]] = attrs.field(factory=lambda: dict(DELAYS))
    arrival: float = MEAN_ARRIVAL_S
    data: DataChoices = attrs.field(factory=dict)


class ProfileError(ValueError):
    """A profile file that cannot be read, or says something the generator does not know."""


def load_profile(path: str | Path) -> Profile:
    """A profile from a TOML file: `arrival = SECONDS`, a `[shapes]` table of weights, a
    `[shares]` table of family shares, a `[seconds]` table of `[low, high]` ranges and a
    `[data.KEY]` table per attached data key; what it leaves out keeps its default."""
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as problem:
        raise ProfileError(f"{path}: {problem}") from None
    except OSError as problem:
        raise ProfileError(f"cannot read {path}: {problem.strerror}") from None
    _known(path, "", table, ("arrival", "shapes", "shares", "seconds", "data"), "key")
    shapes = _table(path, table, "shapes")
    weights = _default_weights()
    for flow, weight in shapes.items():
        _known(path, "shapes.", {flow: None}, ALL_SHAPES, "shape")
        weights[flow] = _weight(path, f"shapes.{flow}", weight)
    weights = _with_shares(path, weights, set(shapes), _shares(path, _table(path, table, "shares")))
    if not any(weights.values()):
        raise ProfileError(f"{path}: shapes: every shape has weight 0: nothing to generate")
    if sum(weights.values()) > MOST_WEIGHT:  # the deck holds a card per unit of weight
        raise ProfileError(f"{path}: shapes: the weights add up to {sum(weights.values()):,}, more than "
                           f"{MOST_WEIGHT:,}: they are relative, so smaller ones give the same mix")
    delays = dict(DELAYS)
    for delay, bounds in _table(path, table, "seconds").items():
        _known(path, "seconds.", {delay: None}, DELAYS, "delay")
        if (not isinstance(bounds, list) or len(bounds) != 2 or not all(_non_negative(b) for b in bounds)
                or bounds[0] > bounds[1]):
            raise ProfileError(f"{path}: seconds.{delay}: must be [LOW, HIGH], 0 <= LOW <= HIGH")
        delays[delay] = (float(bounds[0]), float(bounds[1]))
    arrival = table.get("arrival", MEAN_ARRIVAL_S)
    if not _non_negative(arrival) or arrival <= 0:
        raise ProfileError(f"{path}: arrival: must be a number of seconds above 0")
    return Profile(weights, delays, float(arrival), _data(path, _table(path, table, "data")))


def _shares(path: str | Path, table: dict) -> dict[str, Fraction]:
    """The `[shares]` table as exact fractions (`0.1` is one tenth, not its binary neighbour)."""
    shares = {}
    for family, share in table.items():
        _known(path, "shares.", {family: None}, FAMILIES, "family")
        if not _non_negative(share) or share > 1:
            raise ProfileError(f"{path}: shares.{family}: must be a number from 0 to 1")
        shares[family] = Fraction(repr(share))
    given = sum(shares.values(), Fraction(0))
    if given > 1:
        raise ProfileError(f"{path}: shares: they add up to {float(given):g}, more than 1")
    return shares


def _with_shares(path: str | Path, weights: dict[str, int], explicit: set[str],
                 shares: dict[str, Fraction]) -> dict[str, int]:
    """The weights that deal each family in `shares` its share of every `SHARE_DECK`
    interactions, split inside the family by the shapes' weights (evenly when none was
    given one), and the rest to the other shapes by their weights.

    The cards go to the families first and then, inside each, to its shapes, so that a
    family's total is its share rounded, whatever the rounding of its shapes."""
    if not shares:
        return weights
    groups: dict[str, tuple[Fraction, dict[str, Fraction]]] = {}
    for family, share in shares.items():
        members = FAMILIES[family]
        total = sum(weights[flow] for flow in members)
        if total == 0 and share and explicit & set(members):
            raise ProfileError(f"{path}: shares.{family}: every shape of the family has weight 0 in [shapes]")
        groups[family] = (share, {flow: Fraction(weights[flow], total) if total else Fraction(1, len(members))
                                  for flow in members})
    others = [flow for flow in weights if not any(flow in FAMILIES[family] for family in shares)]
    rest, total = 1 - sum(shares.values(), Fraction(0)), sum(weights[flow] for flow in others)
    if rest and not total:
        raise ProfileError(f"{path}: shares: they add up to {float(1 - rest):g}, and no other shape "
                           "has a weight to fill the rest")
    groups[_REST] = (rest, {flow: Fraction(weights[flow], total or 1) for flow in others})
    dealt = _deal({group: share for group, (share, _) in groups.items()}, SHARE_DECK)
    cards: dict[str, int] = {}
    for group, (_, split) in groups.items():
        cards |= _deal(split, dealt[group])
    return {flow: cards[flow] for flow in ALL_SHAPES}


def _deal(chances: dict[str, Fraction], total: int) -> dict[str, int]:
    """`total` whole cards for chances that add up to 1 (or to 0, for no cards): each its floor,
    then one more to the largest remainders, ties in the order given."""
    cards = {key: int(chance * total) for key, chance in chances.items()}
    order = sorted(chances, key=lambda key: -(chances[key] * total - cards[key]))
    for key in order[:total - sum(cards.values())]:
        cards[key] += 1
    return cards


def _data(path: str | Path, table: dict) -> DataChoices:
    choices = {}
    for key, values in table.items():
        if key == "flow":
            raise ProfileError(f"{path}: data.flow: reserved: the generator writes the shape id there")
        if not isinstance(values, dict) or not values:
            raise ProfileError(f"{path}: data.{key}: must be a table of values and their weights")
        pairs = tuple((str(value), _weight(path, f"data.{key}.{value}", weight)) for value, weight in values.items())
        if not any(weight for _, weight in pairs):
            raise ProfileError(f"{path}: data.{key}: every value has weight 0")
        choices[key] = pairs
    return choices


def _weight(path: str | Path, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_WEIGHT:
        raise ProfileError(f"{path}: {key}: must be a whole number from 0 to {MOST_WEIGHT:,}")
    return value


def _non_negative(value: object) -> bool:
    """A number of 0 or more that is not infinite (`inf` or `nan` would make no time)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < math.inf


def _table(path: str | Path, table: dict, key: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: {key}: must be a table")
    return value


def _known(path: str | Path, prefix: str, table: dict, known: Iterable[str], what: str) -> None:
    known = list(known)
    for name in table:
        if name not in known:
            hint = did_you_mean(name, known)
            raise ProfileError(f"{path}: {prefix}{name}: unknown {what}" + (f"; {hint}" if hint else ""))
