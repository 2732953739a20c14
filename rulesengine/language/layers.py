"""Rule layers: files parsed, layered, checked, planned and compiled, every problem at once.

The default layer is the package's own rule folder (shown as `rules/<file>`); each
path the user gives (a file, or a folder of `*.rules` in sorted order) is a later
layer. A later layer adds rules, facts and vocabulary values, sets parameters of
earlier layers, replaces a rule or a fact only when it says so with `override`, and
takes an earlier rule out with `disable rule ID`. When anything is wrong the result
carries all the diagnostics, sorted, and no compiled program.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

import attrs

from rulesengine.diagnostics import Diagnostic, Severity, did_you_mean, error, warning
from rulesengine.language import ir, syntax
from rulesengine.language.check import (
    CheckedFact,
    CheckedRule,
    Environment,
    check_fact,
    check_rule,
    fact_infos,
    param_clashes,
)
from rulesengine.language.compile import CompiledProgram, compile_program
from rulesengine.language.overlap import find_shadowed, possible_ties
from rulesengine.language.plan import plan_facts, reads
from rulesengine.language.vocabulary import Param, Vocabulary, build_params, build_vocabulary

DEFAULTS_FOLDER = "rules"

#: one layer: (path as shown, text) for each of its files
Layer = Sequence[tuple[str, str]]


@attrs.frozen
class Program:
    """The outcome of loading: the compiled program when there was no error, and every diagnostic."""

    compiled: CompiledProgram | None
    diagnostics: tuple[Diagnostic, ...]
    #: the rules in effect after layering, in layer order then as written
    rules: tuple[syntax.Rule, ...] = ()
    params: Mapping[str, Param] = MappingProxyType({})
    vocabulary: Vocabulary | None = None
    #: the facts in effect after layering, checked, by name
    facts: Mapping[str, CheckedFact] = MappingProxyType({})

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


def read_layers(paths: Sequence[str], *, defaults: bool = True) -> tuple[list[Layer], list[Diagnostic]]:
    """The default layer (unless `defaults=False`) and one layer per path, read; files that
    cannot be read are diagnostics."""
    layers: list[Layer] = [default_layer()] if defaults else []
    problems: list[Diagnostic] = []
    for path in paths:
        layer, unreadable = read_layer(path)
        layers.append(layer)
        problems += unreadable
    return layers, problems


def default_layer() -> Layer:
    folder = files("rulesengine.rules")
    return [(f"{DEFAULTS_FOLDER}/{entry.name}", entry.read_text(encoding="utf-8"))
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".rules")]


def rule_text(data: bytes) -> str:
    """A rule file's bytes as every command reads them: UTF-8, a byte-order mark at its start
    left out, and each line end (`\\r\\n`, a lone `\\r`) a `\\n`, as Python's text files read
    them: so a file has the same lines and columns whichever editor saved it, and whether it
    is read from the disk, from git or by `fmt`. Raises `UnicodeDecodeError`."""
    return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_layer(path: str) -> tuple[Layer, list[Diagnostic]]:
    """A file, or a folder's `*.rules` files in sorted order; unreadable ones are errors, and
    rule files in the folder's sub-folders, which are not read, a warning each sub-folder."""
    given = Path(path)
    unread: list[Diagnostic] = []
    if given.is_dir():
        names = [str(given / child.name) for child in sorted(given.glob("*.rules")) if not child.is_dir()]
        unread = _unread_subfolders(given)
        if not names and not unread:
            unread = [_no_rule_files(given)]
    elif given.exists():
        names = [path]
    else:
        return [], [error("R407", f"no such rules file or folder: {path}")]
    layer, problems = [], unread
    for name in names:
        try:
            layer.append((name, rule_text(Path(name).read_bytes())))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(error("R408", f"cannot read {name}: {exc}"))
    return layer, problems


def _no_rule_files(folder: Path) -> Diagnostic:
    """R412 for a rules folder with no `*.rules` file: its layer is empty, and the rule set
    would be the other layers' alone without a word (files named `*.rule`, say)."""
    others = sorted(child.name for child in folder.iterdir() if child.is_file() and not child.name.startswith("."))
    hint = ("its files are not *.rules files: " + ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            if others else "put the layer's rules in FILE.rules files there")
    return warning("R412", f"no rule files in {folder}: --rules {folder} reads the folder's *.rules files",
                   hint=hint)


def _unread_subfolders(folder: Path) -> list[Diagnostic]:
    """R411 for each sub-folder of a rules folder that holds rule files (at any depth; hidden
    folders, such as `.git`, left out): a layer is one folder's own files, so these are not read,
    and a rule set missing them would decide differently without a word."""
    found = []
    for child in sorted(folder.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        files = [path for path in child.rglob("*.rules")
                 if not any(part.startswith(".") for part in path.relative_to(child).parts)]
        if files:
            found.append(warning(
                "R411", f"{len(files)} rule file{'s' if len(files) > 1 else ''} in {child} not read: "
                f"--rules {folder} reads only the folder's own *.rules files",
                hint=f"add --rules {child} to read them as a layer over {folder}, or move them up"))
    return found


def load_program(layers: Sequence[Layer], settings: Mapping[str, str]) -> Program:
    """Parse, layer, check, plan and compile already-read files."""
    # lark is loaded here rather than with the module: a start whose rule set is read back from
    # the cache parses nothing
    from rulesengine.language.parse import declared_names, parse

    texts = {path: text for layer in layers for path, text in layer}
    problems: list[Diagnostic] = []
    found: Sequence[Diagnostic]  # what each stage found, added to `problems`
    parsed: list[list[syntax.RuleFile]] = []
    unparsed: set[str] = set()  # what the files that could not be parsed declare
    for layer in layers:
        trees = []
        for path, text in layer:
            tree, found = parse(text, path)
            problems += found
            if tree is not None:
                trees.append(tree)
            else:
                unparsed |= declared_names(text)
        parsed.append(trees)
    vocabulary, found = build_vocabulary(parsed)
    problems += found
    params, found = build_params(parsed, settings)
    problems += found
    problems += param_clashes(params)
    rules, found = _layered(parsed, "rule")
    problems += found
    fact_decls, found = _layered(parsed, "fact")
    problems += found
    infos, found = fact_infos(fact_decls, vocabulary, params)
    problems += found
    env = Environment(vocabulary, params, infos, frozenset(unparsed - infos.keys() - params.keys()))
    facts: dict[str, CheckedFact] = {}
    for info in infos.values():
        fact, found = check_fact(info, env)
        problems += found
        if fact is not None:
            facts[info.name] = fact
    checked: list[CheckedRule] = []
    for rule in rules:
        sound, found = check_rule(rule, env)
        problems += found
        if sound is not None:
            checked.append(sound)
    plan, found = plan_facts(facts, checked)
    problems += found
    problems += find_shadowed(checked)
    if len(checked) == len(rules) and len(facts) == len(infos):  # else a param may be unread by mistake
        problems += _unread_params(params, checked, facts)
    lines = {path: text.splitlines() for path, text in texts.items()}
    diagnostics = tuple(sorted((_with_source(p, lines) for p in problems), key=_sort_key))
    has_errors = any(d.severity is Severity.ERROR for d in diagnostics)
    compiled = None if has_errors else compile_program(checked, facts, plan, possible_ties(checked), params)
    return Program(compiled, diagnostics, tuple(rules), params, vocabulary, MappingProxyType(facts))


def _unread_params(params: Mapping[str, Param], rules: Sequence[CheckedRule],
                   facts: Mapping[str, CheckedFact]) -> list[Diagnostic]:
    """R303 for each parameter that no rule reads, directly or through the facts it reads."""
    wanted = [condition for rule in rules for condition in rule.conditions]
    seen: set[str] = set()
    read: set[str] = set()
    while wanted:
        node = wanted.pop()
        for part in ir.walk(node):
            if isinstance(part, ir.Const) and part.param:
                read.add(part.param)
        for name, _ in reads(node):
            if name not in seen and name in facts:
                seen.add(name)
                wanted.append(facts[name].definition)
    return [warning("R303", f"param '{name}' is read by no rule", param.span.position,
                    hint="use it in a condition or a fact the rules read, or remove it")
            for name, param in params.items() if name not in read]


def _layered(layers: Sequence[Sequence[syntax.RuleFile]], what: str) -> tuple[list, list[Diagnostic]]:
    """The rules (or facts) in effect, in layer order: later layers add, replace only with
    `override`, and take rules out with `disable rule`."""
    effective: dict[str, syntax.Rule | syntax.FactDecl] = {}
    layer_of: dict[str, int] = {}
    disabled_at: dict[str, syntax.DisableRule] = {}
    problems: list[Diagnostic] = []
    for number, layer in enumerate(layers):
        declared = [item for f in layer for item in (f.rules if what == "rule" else f.facts)]
        in_layer: dict[str, syntax.Rule | syntax.FactDecl] = {}
        for item in sorted(declared, key=_written_at):
            name = _key(item)
            if name in in_layer:
                problems.append(error("R403", f"{what} {'id ' if what == 'rule' else ''}'{name}' is already "
                                      f"used at {_where(in_layer[name])}", _name_of(item).span.position,
                                      hint=f"give each {what} its own {'id' if what == 'rule' else 'name'}"))
                continue
            in_layer[name] = item
            if item.override and name not in effective:
                gone = disabled_at.get(name)
                problems.append(error("R402", f"`override {what} {name}`: no earlier {what} has this "
                                      f"{'id' if what == 'rule' else 'name'}", _name_of(item).span.position,
                                      hint=(f"it was disabled at {_where(gone)}" if gone else
                                            did_you_mean(name, effective) or f"remove `override` to add a new {what}")))
            elif not item.override and name in effective:
                problems.append(error("R401", f"{what} '{name}' is already defined at "
                                      f"{_where(effective[name])}", _name_of(item).span.position,
                                      hint=f"write `override {what} {name}` to replace it, "
                                           f"or choose another {'id' if what == 'rule' else 'name'}"))
            else:
                effective[name] = item
                layer_of[name] = number
        if what == "rule":
            problems += _disable(layer, effective, in_layer, disabled_at)
    in_order = sorted(effective.values(), key=lambda r: (layer_of[_key(r)], _written_at(r)))
    return in_order, problems


def _disable(layer: Sequence[syntax.RuleFile], effective: dict, in_layer: Mapping,
             disabled_at: dict[str, syntax.DisableRule]) -> list[Diagnostic]:
    problems = []
    for disable in sorted((d for f in layer for d in f.disabled), key=_written_at):
        name = disable.id.text
        if name in in_layer:
            problems.append(error("R409", f"`disable rule {name}`: the rule is defined in this same layer "
                                  f"({_where(in_layer[name])})", disable.id.span.position,
                                  hint="remove the rule instead of disabling it"))
        elif name not in effective:
            gone = disabled_at.get(name)
            problems.append(error("R409", f"`disable rule {name}`: no earlier rule has this id",
                                  disable.id.span.position,
                                  hint=(f"it is already disabled at {_where(gone)}" if gone else
                                        did_you_mean(name, effective))))
        else:
            del effective[name]
            disabled_at[name] = disable
    return problems


def _key(item: syntax.Rule | syntax.FactDecl) -> str:
    return _name_of(item).text


def _name_of(item: syntax.Rule | syntax.FactDecl) -> syntax.Word:
    return item.id if isinstance(item, syntax.Rule) else item.name


def _written_at(item) -> tuple[str, int, int]:
    return (item.span.path, item.span.line, item.span.col)


def _where(item) -> str:
    return f"{item.span.path}:{item.span.line}"


def _with_source(diagnostic: Diagnostic, lines_of: Mapping[str, list[str]]) -> Diagnostic:
    """The diagnostic with the line it points at, from the files' lines split once."""
    where = diagnostic.position
    if where is None or diagnostic.source_line is not None or where.path not in lines_of:
        return diagnostic
    lines = lines_of[where.path]
    if not 0 < where.line <= len(lines):
        return diagnostic
    return attrs.evolve(diagnostic, source_line=lines[where.line - 1])


def _sort_key(diagnostic: Diagnostic) -> tuple:
    return diagnostic.sort_key
