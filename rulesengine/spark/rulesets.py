"""The rules a Spark job decides with: read once on the driver, shipped by content, compiled
once per executor process.

Executors may not see the driver's files, so the layers travel as their text (with the
names the driver read them under, which rows quote in `rule_at`). Compiling takes far
longer than deciding one interaction, so each executor process keeps what it compiled in
a module-level cache keyed by a digest of that text and the parameters: every group the
process evaluates after the first finds the rules ready.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import attrs
import orjson

from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules, load_layers
from rulesengine.language.layers import Layer, read_layers

#: one layer as it travels: (file name, text) for each of its files
ShippedLayer = tuple[tuple[str, str], ...]


class RulesUnusable(Exception):
    """The shipped rules did not load on an executor: the message holds their diagnostics."""


@attrs.frozen
class RuleSet:
    """Rule layers by content and the parameter settings, with the digest that names them."""

    layers: tuple[ShippedLayer, ...]
    settings: tuple[tuple[str, str], ...]
    key: str

    @classmethod
    def of(cls, layers: Sequence[Layer], settings: Mapping[str, str]) -> RuleSet:
        shipped = tuple(tuple((name, text) for name, text in layer) for layer in layers)
        pairs = tuple(sorted(settings.items()))
        key = hashlib.sha256(orjson.dumps([shipped, pairs])).hexdigest()
        return cls(shipped, pairs, key)


def load_for_spark(paths: Sequence[str], settings: Mapping[str, str], *,
                   defaults: bool = True) -> tuple[RuleSet | None, LoadedRules]:
    """Read and load the rules on the driver as `run` does (its diagnostics to show); the
    `RuleSet` to ship, None when they have an error. The driver's own compilation is kept,
    so that evaluating in this process compiles nothing again."""
    layers, unreadable = read_layers(paths, defaults=defaults)
    loaded = load_layers(layers, settings, unreadable)
    if loaded.decider is None:
        return None, loaded
    rules = RuleSet.of(layers, settings)
    _DECIDERS.setdefault(rules.key, loaded.decider)
    return rules, loaded


#: the rules this process has compiled, by `RuleSet.key`
_DECIDERS: dict[str, Decider] = {}


@attrs.define
class LoadCount:
    """How many times this process compiled shipped rules: once per rule set, never per group."""

    loads: int = 0


LOADS = LoadCount()


def decider_for(rules: RuleSet) -> Decider:
    """The compiled rules, from this process's cache, compiled on first use."""
    decider = _DECIDERS.get(rules.key)
    if decider is None:
        LOADS.loads += 1
        loaded = load_layers([list(layer) for layer in rules.layers], dict(rules.settings))
        if loaded.decider is None:
            raise RulesUnusable("\n".join(problem.render() for problem in loaded.errors))
        decider = _DECIDERS[rules.key] = loaded.decider
    return decider
