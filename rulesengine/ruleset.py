"""Loading a rule set: layers of files, parsed, checked and compiled, every problem at once.

The default layer is the package's own rule folder (shown as `rules/<file>`); each
path the user gives (a file, or a folder of `*.rules` in sorted order) is a later
layer. A later layer adds rules and vocabulary values; it replaces a rule only when
it says so with `override rule ID`. When anything is wrong the result carries all
the diagnostics, sorted, and no evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

import attrs

from rulesengine import ast
from rulesengine.check import check_rule, find_conflicts, possible_ties
from rulesengine.compile import compile_rules
from rulesengine.diagnostics import Diagnostic, Severity, did_you_mean, error
from rulesengine.evaluate import CompiledRules
from rulesengine.parse import parse
from rulesengine.vocabulary import Param, Vocabulary, build_params, build_vocabulary

DEFAULTS_FOLDER = "rules"

#: one layer: (path as shown, text) for each of its files
Layer = Sequence[tuple[str, str]]


@attrs.frozen
class LoadedRules:
    """The outcome of loading: an evaluator when there was no error, and every diagnostic."""

    evaluator: CompiledRules | None
    diagnostics: tuple[Diagnostic, ...] = attrs.field(converter=tuple)
    #: the rules in effect after layering, in layer order then as written
    rules: tuple[ast.Rule, ...] = attrs.field(default=(), converter=tuple)
    params: Mapping[str, Param] = MappingProxyType({})
    vocabulary: Vocabulary | None = None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


def load_rules(paths: Sequence[str] = (), settings: Mapping[str, str] = MappingProxyType({}), *,
               defaults: bool = True) -> LoadedRules:
    """Load the default rules (unless `defaults=False`) and each path as a later layer."""
    layers: list[Layer] = [default_layer()] if defaults else []
    problems: list[Diagnostic] = []
    for path in paths:
        layer, unreadable = read_layer(path)
        layers.append(layer)
        problems += unreadable
    loaded = load_layers(layers, settings)
    if not problems:
        return loaded
    return attrs.evolve(loaded, evaluator=None,
                        diagnostics=sorted([*loaded.diagnostics, *problems], key=_sort_key))


def default_layer() -> Layer:
    folder = files("rulesengine.rules")
    return [(f"{DEFAULTS_FOLDER}/{entry.name}", entry.read_text(encoding="utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".rules")]


def read_layer(path: str) -> tuple[Layer, list[Diagnostic]]:
    """A file, or a folder's `*.rules` files in sorted order; unreadable ones are diagnostics."""
    given = Path(path)
    if given.is_dir():
        names = [str(given / child.name) for child in sorted(given.glob("*.rules"))]
    elif given.exists():
        names = [path]
    else:
        return [], [error("R407", f"no such rules file or folder: {path}")]
    layer, problems = [], []
    for name in names:
        try:
            layer.append((name, Path(name).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(error("R408", f"cannot read {name}: {exc}"))
    return layer, problems


def load_layers(layers: Sequence[Layer], settings: Mapping[str, str]) -> LoadedRules:
    """Parse, layer, check and compile already-read files."""
    texts = {path: text for layer in layers for path, text in layer}
    problems: list[Diagnostic] = []
    parsed: list[list[ast.RuleFile]] = []
    for layer in layers:
        trees = []
        for path, text in layer:
            tree, syntax = parse(text, path)
            problems += syntax
            if tree is not None:
                trees.append(tree)
        parsed.append(trees)
    vocabulary, found = build_vocabulary(parsed)
    problems += found
    params, found = build_params(parsed, settings)
    problems += found
    rules, found = _layer_rules(parsed)
    problems += found
    sound = []
    for rule in rules:
        found = check_rule(rule, vocabulary, params)
        problems += found
        if not found:
            sound.append(rule)
    ties = possible_ties(sound, params)
    problems += find_conflicts(sound, ties)
    diagnostics = sorted((_with_source(p, texts) for p in problems), key=_sort_key)
    has_errors = any(d.severity is Severity.ERROR for d in diagnostics)
    # without errors every rule is sound
    evaluator = None if has_errors else CompiledRules(compile_rules(sound, params, ties))
    return LoadedRules(evaluator, diagnostics, rules, params, vocabulary)


def _layer_rules(layers: Sequence[Sequence[ast.RuleFile]]) -> tuple[list[ast.Rule], list[Diagnostic]]:
    """The rules in effect, in layer order: later layers add, and replace only with `override`."""
    effective: dict[str, ast.Rule] = {}
    layer_of: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for number, layer in enumerate(layers):
        in_layer: dict[str, ast.Rule] = {}
        for rule in sorted((r for f in layer for r in f.rules), key=_written_at):
            rule_id = rule.id.text
            if rule_id in in_layer:
                problems.append(error("R403", f"rule id '{rule_id}' is already used at "
                                      f"{_where(in_layer[rule_id])}", rule.id.span.position,
                                      hint="give each rule its own id"))
                continue
            in_layer[rule_id] = rule
            if rule.override and rule_id not in effective:
                problems.append(error("R402", f"`override rule {rule_id}`: no earlier rule has "
                                      f"this id", rule.id.span.position,
                                      hint=did_you_mean(rule_id, effective)
                                      or "remove `override` to add a new rule"))
            elif not rule.override and rule_id in effective:
                problems.append(error("R401", f"rule '{rule_id}' is already defined at "
                                      f"{_where(effective[rule_id])}", rule.id.span.position,
                                      hint=f"write `override rule {rule_id}` to replace it, "
                                           f"or choose another id"))
            else:
                effective[rule_id] = rule
                layer_of[rule_id] = number
    in_order = sorted(effective.values(), key=lambda r: (layer_of[r.id.text], _written_at(r)))
    return in_order, problems


def _written_at(rule: ast.Rule) -> tuple[str, int, int]:
    return (rule.span.path, rule.span.line, rule.span.col)


def _where(rule: ast.Rule) -> str:
    return f"{rule.span.path}:{rule.span.line}"


def _with_source(diagnostic: Diagnostic, texts: Mapping[str, str]) -> Diagnostic:
    where = diagnostic.position
    if where is None or diagnostic.source_line is not None or where.path not in texts:
        return diagnostic
    lines = texts[where.path].splitlines()
    if not 0 < where.line <= len(lines):
        return diagnostic
    return attrs.evolve(diagnostic, source_line=lines[where.line - 1])


def _sort_key(diagnostic: Diagnostic) -> tuple:
    return diagnostic.sort_key
