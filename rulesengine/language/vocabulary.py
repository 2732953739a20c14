"""The names a rule may use besides facts and primitives: vocabularies and parameters.

A vocabulary is a list of words, declared in a rule file: the values each part of a
descriptor may take (`rules/vocabulary.rules`), and the values of enumerated facts
(`vocabulary state: ...` in `rules/facts.rules`). Site files add words with
`extend vocabulary`, so a site adds a reason code without touching code.

Parameters are named, typed values with a default. A later layer sets one with
`set param NAME = VALUE`; `--set NAME=VALUE` sets it for one run. The value in force
comes from `--set`, else from the latest layer that set it, else from the default, and
each parameter remembers where its value came from, for explain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs

from rulesengine.diagnostics import Diagnostic, Position, did_you_mean, error, warning
from rulesengine.language import syntax
from rulesengine.model.primitives import INTENT, KIND, VISIBILITY
from rulesengine.model.valuetypes import BOOL, DURATION, NUMBER, PARAM_TYPES, Type

#: the vocabularies of the descriptor parts
SLOTS = ("role", "role_reason", "result", "result_reason", "record")
#: which vocabularies an outcome's value and reason belong to (None: it takes no reason)
OUTCOME_SLOTS: Mapping[str, tuple[str, str | None]] = MappingProxyType(
    {"role": ("role", "role_reason"), "result": ("result", "result_reason"), "record": ("record", None)})
#: enumerations the event contract fixes: no rule file declares them
BUILT_IN = MappingProxyType({KIND.name: KIND, INTENT.name: INTENT, VISIBILITY.name: VISIBILITY})
BOOLS = {"true": True, "false": False}

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
#: the longest number a rule file may write (a priority, a value, a duration with its units):
#: longer, it is a mistake rather than a value (and `int()` of it is slow); the parser refuses
#: it (R003), so that every number it lets through reads as one
MAX_NUMBER = 24


def parse_duration(text: str) -> int | None:
    """`30s`, `500ms`, `2m`, `1h`, `1m30s` → milliseconds; None if it is not a duration."""
    if len(text) > MAX_NUMBER:
        return None
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return sum(int(number) * _UNIT_MS[unit] for number, unit in parts)


def parse_number(text: str) -> int | float | None:
    """`10`, `-3`, `2.5` → the number; None if it is not a plain number."""
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) or len(text.removeprefix("-")) > MAX_NUMBER:
        return None
    return float(text) if "." in text else int(text)


@attrs.frozen
class Vocabulary:
    """The words of each vocabulary."""

    values: Mapping[str, frozenset[str]]

    def allows(self, slot: str, value: str) -> bool:
        return value in self.values.get(slot, frozenset())

    def type_of(self, name: str) -> Type | None:
        """The enumeration named `name`: a vocabulary, or one the event contract fixes."""
        if name in BUILT_IN:
            return BUILT_IN[name]
        if name in self.values:
            return Type(name, self.values[name])
        return None


@attrs.frozen
class Param:
    """A parameter with the value in force and where that value comes from."""

    name: str
    type: Type
    value: int | float | bool | str
    doc: str | None
    span: syntax.Span = attrs.field(eq=False)
    #: `default` (the declaration), `layer` (a `set param`) or `--set`
    source: str = "default"
    #: where the value in force is written (the declaration or the `set param`); None for --set
    source_span: syntax.Span | None = attrs.field(default=None, eq=False)

    @property
    def source_text(self) -> str:
        """`default at rules/chat.rules:9`, `set at site/x.rules:3`, `--set`."""
        if self.source == "--set":
            return "--set"
        where = self.source_span or self.span
        how = "default" if self.source == "default" else "set"
        return f"{how} at {where.path}:{where.line}"


def build_vocabulary(layers: Iterable[Iterable[syntax.RuleFile]]) -> tuple[Vocabulary, list[Diagnostic]]:
    """Merge `vocabulary` and `extend vocabulary` declarations, layer by layer."""
    values: dict[str, set[str]] = {}
    declared_at: dict[str, syntax.Span] = {}
    problems: list[Diagnostic] = []
    declarations = [decl for layer in layers for file in layer for decl in file.vocabularies]
    for decl in sorted(declarations, key=lambda d: d.extend):  # declarations before extensions
        slot = decl.slot.text
        if slot in BUILT_IN:
            problems.append(error("R404", f"vocabulary '{slot}' is fixed by the event contract",
                                  decl.slot.span.position, hint="choose another name"))
            continue
        if decl.extend and slot not in declared_at:
            problems.append(_undeclared(decl, declared_at))
            continue
        if not decl.extend:
            if slot in declared_at:
                problems.append(error(
                    "R404", f"vocabulary '{slot}' is already declared at {_at(declared_at[slot])}",
                    decl.span.position, hint=f"write `extend vocabulary {slot}: ...` to add values"))
                continue
            declared_at[slot] = decl.span
        known = values.setdefault(slot, set())
        for value in decl.values:
            if value.text in known:
                problems.append(warning("R406", f"'{value.text}' is already in vocabulary '{slot}'",
                                        value.span.position))
            known.add(value.text)
    frozen = {slot: frozenset(words) for slot, words in values.items()}
    for slot in SLOTS:
        frozen.setdefault(slot, frozenset())
    return Vocabulary(MappingProxyType(frozen)), problems


def _undeclared(decl: syntax.VocabularyDecl, declared_at: Mapping[str, syntax.Span]) -> Diagnostic:
    """`extend vocabulary NAME` when no layer declares NAME: a typo, or defaults left out."""
    slot = decl.slot.text
    if slot in SLOTS:
        return error("R108", f"`extend vocabulary {slot}`: no layer declares this vocabulary",
                     decl.slot.span.position,
                     hint=f"declare it with `vocabulary {slot}: ...` (the default rules do, in "
                          "rules/vocabulary.rules)")
    return error("R108", f"unknown vocabulary '{slot}'", decl.slot.span.position,
                 hint=did_you_mean(slot, {*declared_at, *SLOTS}))


def build_params(layers: Sequence[Sequence[syntax.RuleFile]],
                 settings: Mapping[str, str]) -> tuple[Mapping[str, Param], list[Diagnostic]]:
    """Declared parameters with their defaults, the layers' `set param` on top, then `--set`."""
    params: dict[str, Param] = {}
    declared_in: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for number, layer in enumerate(layers):
        for decl in (decl for file in layer for decl in file.params):
            param = _declared(decl, params, problems)
            if param is not None:
                params[param.name] = param
                declared_in[param.name] = number
        set_here: dict[str, syntax.ParamSetting] = {}
        for setting in sorted((s for file in layer for s in file.settings), key=_written_at):
            problem = _setting_problem(setting, params, declared_in, number, set_here)
            if problem is not None:
                problems.append(problem)
                continue
            set_here[setting.name.text] = setting
            param = params[setting.name.text]
            value = literal_value(param.type, setting.value)
            if value is None:
                problems.append(error("R206", f"`set param {param.name}`: not a {param.type}: "
                                      f"{syntax.show(setting.value)}", setting.value.span.position,
                                      hint=_type_hint(param.type)))
                continue
            params[param.name] = attrs.evolve(param, value=value, source="layer", source_span=setting.span)
    for name, text in sorted(settings.items()):
        param = params.get(name)
        if param is None:
            problems.append(error("R107", f"--set {name}: unknown param '{name}'",
                                  hint=did_you_mean(name, params)
                                  or f"known params: {', '.join(sorted(params)) or 'none'}"))
            continue
        value = setting_value(param.type, text)
        if value is None:
            problems.append(error("R205", f"--set {name}={text}: not a {param.type}",
                                  hint=_type_hint(param.type)))
            continue
        params[name] = attrs.evolve(param, value=value, source="--set", source_span=None)
    return MappingProxyType(params), problems


def _declared(decl: syntax.ParamDecl, params: Mapping[str, Param], problems: list[Diagnostic]) -> Param | None:
    name, type_name = decl.name.text, decl.type.text
    if name in params:
        problems.append(error("R405", f"param '{name}' is already declared at {_at(params[name].span)}",
                              decl.name.span.position,
                              hint=f"change its value with `set param {name} = ...` or --set instead"))
        return None
    type_ = PARAM_TYPES.get(type_name)
    if type_ is None:
        problems.append(error("R109", f"unknown param type '{type_name}'", decl.type.span.position,
                              hint=did_you_mean(type_name, PARAM_TYPES)
                              or f"use one of: {', '.join(PARAM_TYPES)}"))
        return None
    value = literal_value(type_, decl.default)
    if value is None:
        problems.append(error("R206", f"default of param '{name}' is not a {type_}: "
                              f"{syntax.show(decl.default)}", decl.default.span.position,
                              hint=_type_hint(type_)))
        return None
    return Param(name, type_, value, decl.doc, decl.span)


def _setting_problem(setting: syntax.ParamSetting, params: Mapping[str, Param], declared_in: Mapping[str, int],
                     layer: int, set_here: Mapping[str, syntax.ParamSetting]) -> Diagnostic | None:
    name = setting.name.text
    where = setting.name.span.position
    if name not in params:
        return error("R107", f"`set param {name}`: unknown param '{name}'", where,
                     hint=did_you_mean(name, params) or "declare it with `param NAME: TYPE = DEFAULT`")
    if declared_in[name] == layer:
        return error("R410", f"param '{name}' is declared in this layer ({_at(params[name].span)})",
                     where, hint="give the declaration this value as its default")
    if name in set_here:
        return error("R410", f"param '{name}' is already set in this layer at {_at(set_here[name].span)}",
                     where, hint="keep one `set param` per parameter and layer")
    return None


def _written_at(setting: syntax.ParamSetting) -> tuple[str, int, int]:
    return (setting.span.path, setting.span.line, setting.span.col)


def literal_value(type_: Type, literal: syntax.Literal) -> int | float | bool | str | None:
    """A literal as written in a rule file, as a value of the given type (None if it is not one)."""
    match type_.name, literal:
        case "string", (syntax.Text(value=text) | syntax.Word(text=text)):
            return text
        case "string", _:
            return None
        case _, (syntax.Word(text=text) | syntax.Number(text=text)):
            return setting_value(type_, text)
    return None


def setting_value(type_: Type, text: str) -> int | float | bool | str | None:
    """A value given as text (`--set name=value`) as a value of the given type."""
    if type_ == DURATION:
        return parse_duration(text)
    if type_ == NUMBER:
        return parse_number(text)
    if type_ == BOOL:
        return BOOLS.get(text)
    return text


def _type_hint(type_: Type) -> str:
    return {
        "duration": "write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s",
        "number": "write a number such as 10 or 2.5",
        "bool": "write true or false",
        "string": 'write a name or a quoted string such as "text"',
    }[type_.name]


def _at(span: syntax.Span) -> str:
    return str(Position(span.path, span.line, span.col))
