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
from rulesengine.diagnostics import Diagnostic, Severity
from rulesengine.language import syntax
from rulesengine.language.check import CheckedFact
from rulesengine.language.layers import Layer, Program, default_layer, load_program, read_layers
from rulesengine.language.vocabulary import Param, Vocabulary
from rulesengine.speedups.collector import collection_paused
from rulesengine.speedups.saved_objects import Later

__all__ = ["LoadedRules", "default_layer", "load_layers", "load_rules"]


@attrs.frozen
class LoadedRules:
    """A loaded rule set: the decider when there was no error, the program, and every diagnostic."""

    decider: Decider | None
    #: the program; for a rule set read back from the cache, without the syntax trees of its
    #: rules, which only some commands read: `later_rules` gives them when first asked for
    _known: Program = attrs.field(alias="program")
    _later_rules: Later | None = attrs.field(default=None, alias="later_rules", eq=False, repr=False)

    @property
    def program(self) -> Program:
        if self._later_rules is None:
            return self._known
        rules = self._later_rules.value()
        if not isinstance(rules, tuple):
            raise TypeError(f"the rules saved with a rule set are {type(rules).__name__}, not a tuple")
        return attrs.evolve(self._known, rules=rules)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self._known.diagnostics

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return self._known.errors

    @property
    def rules(self) -> tuple[syntax.Rule, ...]:
        """The rules in effect after layering, in layer order then as written."""
        return self.program.rules

    @property
    def params(self) -> Mapping[str, Param]:
        return self._known.params

    @property
    def vocabulary(self) -> Vocabulary | None:
        return self._known.vocabulary

    @property
    def facts(self) -> Mapping[str, CheckedFact]:
        """The facts in effect after layering, checked, by name."""
        return self._known.facts


def load_rules(paths: Sequence[str] = (), settings: Mapping[str, str] = MappingProxyType({}), *,
               defaults: bool = True) -> LoadedRules:
    """Load the default rules (unless `defaults=False`) and each path as a later layer."""
    layers, unreadable = read_layers(paths, defaults=defaults)
    return load_layers(layers, settings, unreadable)


def load_layers(layers: Sequence[Layer], settings: Mapping[str, str],
                unreadable: Sequence[Diagnostic] = ()) -> LoadedRules:
    """Load layers already read (`language.layers.Layer`); `unreadable`, what reading them found
    (files that could not be read: errors; rule files left unread in sub-folders: warnings),
    joins the program's diagnostics.

    A rule set loaded from the same files and settings by this engine before is read back
    from the cache (`decide.saved`) instead; one with unreadable files is always loaded anew.
    """
    with collection_paused():
        if any(problem.severity is Severity.ERROR for problem in unreadable):
            program = load_program(layers, settings)
            return _loaded(_with(attrs.evolve(program, compiled=None), unreadable))
        name = saved.name_of(layers, settings)
        found = saved.recall(name)
        if found is not None and isinstance(found[0], LoadedRules):
            return _also(attrs.evolve(found[0], later_rules=found[1]), unreadable)
        loaded = _loaded(load_program(layers, settings))
        saved.keep(name, attrs.evolve(loaded, program=attrs.evolve(loaded.program, rules=())), loaded.rules)
        return _also(loaded, unreadable)


def _with(program: Program, found: Sequence[Diagnostic]) -> Program:
    """The program with what reading its files found among its diagnostics, in their order."""
    return attrs.evolve(program, diagnostics=tuple(sorted([*program.diagnostics, *found], key=lambda d: d.sort_key)))


def _also(loaded: LoadedRules, found: Sequence[Diagnostic]) -> LoadedRules:
    """`loaded` with the warnings reading its files found (never saved with the rule set: they
    are about the folders, which the cache's name does not cover)."""
    if not found:
        return loaded
    return attrs.evolve(loaded, program=_with(loaded._known, found))


def _loaded(program: Program) -> LoadedRules:
    return LoadedRules(None if program.compiled is None else Decider(program.compiled), program)
