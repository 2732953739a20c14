"""Generator profiles: what a generated corpus is made of, read from a TOML file.

A profile is what a site tunes so that a corpus exercises what its rules test; every
value it does not give keeps the generator's default, and a value the generator cannot
use is a `ProfileError` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

import attrs

from rulesengine.diagnostics import did_you_mean
from rulesengine.events.generate_shapes import DELAYS, SHAPES

#: Mean gap between two interactions' arrivals.
MEAN_ARRIVAL_S = 1.5


@attrs.frozen
class Profile:
    """What a generated stream is made of: how often each shape comes (relative weights, 0 for
    never), the range of each delay in seconds, and the mean gap between two arrivals."""

    weights: dict[str, int] = attrs.field(factory=lambda: {flow: weight for flow, (weight, _) in SHAPES.items()})
    delays: dict[str, tuple[float, float]] = attrs.field(factory=lambda: dict(DELAYS))
    arrival: float = MEAN_ARRIVAL_S


class ProfileError(ValueError):
    """A profile file that cannot be read, or says something the generator does not know."""


def load_profile(path: str | Path) -> Profile:
    """A profile from a TOML file: `arrival = SECONDS`, a `[shapes]` table of weights and a
    `[seconds]` table of `[low, high]` ranges; what it leaves out keeps its default."""
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as problem:
        raise ProfileError(f"{path}: {problem}") from None
    except OSError as problem:
        raise ProfileError(f"cannot read {path}: {problem.strerror}") from None
    default = Profile()
    _known(path, table, ("arrival", "shapes", "seconds"), "key")
    weights = dict(default.weights)
    for flow, weight in _table(path, table, "shapes").items():
        _known(path, {flow: None}, SHAPES, "shape")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise ProfileError(f"{path}: shapes.{flow} must be a whole number, 0 or more")
        weights[flow] = weight
    if not any(weights.values()):
        raise ProfileError(f"{path}: every shape has weight 0: nothing to generate")
    delays = dict(default.delays)
    for delay, bounds in _table(path, table, "seconds").items():
        _known(path, {delay: None}, DELAYS, "delay")
        if (not isinstance(bounds, list) or len(bounds) != 2 or not all(_seconds(b) for b in bounds)
                or bounds[0] > bounds[1]):
            raise ProfileError(f"{path}: seconds.{delay} must be [LOW, HIGH], 0 <= LOW <= HIGH")
        delays[delay] = (float(bounds[0]), float(bounds[1]))
    arrival = table.get("arrival", default.arrival)
    if not _seconds(arrival) or arrival <= 0:
        raise ProfileError(f"{path}: arrival must be a number of seconds above 0")
    return Profile(weights, delays, float(arrival))


def _seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _table(path: str | Path, table: dict, key: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: {key} must be a table")
    return value


def _known(path: str | Path, table: dict, known: Iterable[str], what: str) -> None:
    known = list(known)
    for name in table:
        if name not in known:
            hint = did_you_mean(name, known)
            raise ProfileError(f"{path}: unknown {what} {name!r}" + (f"; {hint}" if hint else ""))

