"""Loading the rules: the program the language compiles from the layers, and its decider.

`load_rules` is what the command line and the API call: the package's default
layer (unless `defaults=False`), then each path as a later layer (see
`language.layers`). With any error the result has every diagnostic and no decider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import attrs

from rulesengine.decide import saved
from rulesengine.decide.decider import Decider
from rulesengine.diagnostics import Diagnostic
from rulesengine.language import syntax
from rulesengine.language.check import CheckedFact
from rulesengine.language.layers import Layer, Program, default_layer, load_program, read_layers
from rulesengine.language.vocabulary import Param, Vocabulary
from rulesengine.speedups.collector import collection_paused

__all__ = ["LoadedRules", "default_layer", "load_layers", "load_rules"]


@attrs.frozen
class LoadedRules:
    """A loaded rule set: the decider when there was no error, the program, and every diagnostic."""

    decider: Decider | None
    program: Program

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.program.diagnostics

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return self.program.errors

    @property
    def rules(self) -> tuple[syntax.Rule, ...]:
        """The rules in effect after layering, in layer order then as written."""
        return self.program.rules

    @property
    def params(self) -> Mapping[str, Param]:
        return self.program.params

    @property
    def vocabulary(self) -> Vocabulary | None:
        return self.program.vocabulary

    @property
    def facts(self) -> Mapping[str, CheckedFact]:
        """The facts in effect after layering, checked, by name."""
        return self.program.facts


def load_rules(paths: Sequence[str] = (), settings: Mapping[str, str] = MappingProxyType({}), *,
               defaults: bool = True) -> LoadedRules:
    """Load the default rules (unless `defaults=False`) and each path as a later layer."""
    layers, unreadable = read_layers(paths, defaults=defaults)
    return load_layers(layers, settings, unreadable)


def load_layers(layers: Sequence[Layer], settings: Mapping[str, str],
                unreadable: Sequence[Diagnostic] = ()) -> LoadedRules:
    """Load layers already read (`language.layers.Layer`); `unreadable`, the files that could not
    be, are errors among the program's diagnostics.

    A rule set loaded from the same files and settings by this engine before is read back
    from the cache (`decide.saved`) instead; one with unreadable files is always loaded anew.
    """
    with collection_paused():
        if unreadable:
            program = load_program(layers, settings)
            return _loaded(attrs.evolve(program, compiled=None, diagnostics=tuple(
                sorted([*program.diagnostics, *unreadable], key=lambda d: d.sort_key))))
        name = saved.name_of(layers, settings)
        loaded = saved.recall(name, LoadedRules)
        if not isinstance(loaded, LoadedRules):
            loaded = _loaded(load_program(layers, settings))
            saved.keep(name, loaded)
        return loaded


def _loaded(program: Program) -> LoadedRules:
    return LoadedRules(None if program.compiled is None else Decider(program.compiled), program)
