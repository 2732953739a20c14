"""The names a rule may use besides facts: vocabulary values and parameters.

The vocabulary (the values each descriptor part may take) is data, declared in
`rules/vocabulary.rules` and extended by site files, so a site adds a reason code
without touching code. Parameters are named, typed values with a default that
settings (`--set name=value`) override when the rules are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from rulesengine import ast
from rulesengine.diagnostics import Diagnostic, Position, did_you_mean, error, warning

#: descriptor parts, as `vocabulary SLOT:` names them
SLOTS = ("role", "role_reason", "result", "result_reason")
#: which vocabulary an outcome's value and reason belong to
OUTCOME_SLOTS = {"role": ("role", "role_reason"), "result": ("result", "result_reason")}
PARAM_TYPES = ("duration", "int", "bool", "string")
BOOLS = {"true": True, "false": False}

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def parse_duration(text: str) -> int | None:
    """`30s`, `500ms`, `2m`, `1h`, `1m30s` → milliseconds; None if it is not a duration."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return sum(int(number) * _UNIT_MS[unit] for number, unit in parts)


@attrs.frozen
class Vocabulary:
    """The allowed values of each descriptor part."""

    values: Mapping[str, frozenset[str]]

    def allows(self, slot: str, value: str) -> bool:
        return value in self.values.get(slot, frozenset())


@attrs.frozen
class Param:
    """A parameter with its value after settings were applied."""

    name: str
    type: str
    value: int | bool | str
    doc: str | None
    span: ast.Span = attrs.field(eq=False)


def build_vocabulary(layers: Iterable[Iterable[ast.RuleFile]]) -> tuple[Vocabulary, list[Diagnostic]]:
    """Merge `vocabulary` and `extend vocabulary` declarations, layer by layer."""
    values: dict[str, set[str]] = {}
    declared_at: dict[str, ast.Span] = {}
    problems: list[Diagnostic] = []
    declarations = [decl for layer in layers for file in layer for decl in file.vocabularies]
    for decl in sorted(declarations, key=lambda d: d.extend):  # declarations before extensions
        slot = decl.slot.text
        if slot not in SLOTS:
            problems.append(error("R108", f"unknown vocabulary '{slot}'", decl.slot.span.position,
                                  hint=did_you_mean(slot, SLOTS)))
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
    frozen = {slot: frozenset(values.get(slot, ())) for slot in SLOTS}
    return Vocabulary(MappingProxyType(frozen)), problems


def build_params(layers: Iterable[Iterable[ast.RuleFile]],
                 settings: Mapping[str, str]) -> tuple[Mapping[str, Param], list[Diagnostic]]:
    """Declared parameters with their defaults, then the settings applied on top."""
    params: dict[str, Param] = {}
    problems: list[Diagnostic] = []
    for decl in (decl for layer in layers for file in layer for decl in file.params):
        name, type_ = decl.name.text, decl.type.text
        if name in params:
            problems.append(error("R405", f"param '{name}' is already declared at {_at(params[name].span)}",
                                  decl.name.span.position, hint="change its value with --set instead"))
            continue
        if type_ not in PARAM_TYPES:
            problems.append(error("R109", f"unknown param type '{type_}'", decl.type.span.position,
                                  hint=did_you_mean(type_, PARAM_TYPES)
                                  or f"use one of: {', '.join(PARAM_TYPES)}"))
            continue
        value = literal_value(type_, decl.default)
        if value is None:
            problems.append(error("R206", f"default of param '{name}' is not a {type_}: "
                                  f"{ast.show(decl.default)}", decl.default.span.position,
                                  hint=_type_hint(type_)))
            continue
        params[name] = Param(name, type_, value, decl.doc, decl.span)
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
        params[name] = attrs.evolve(param, value=value)
    return MappingProxyType(params), problems


def literal_value(type_: str, literal: ast.Literal) -> int | bool | str | None:
    """A literal as written in a rule file, as a value of the given type (None if it is not one)."""
    match type_, literal:
        case "string", (ast.Text(value=text) | ast.Word(text=text)):
            return text
        case "string", _:
            return None
        case _, (ast.Word(text=text) | ast.Number(text=text)):
            return setting_value(type_, text)
    return None


def setting_value(type_: str, text: str) -> int | bool | str | None:
    """A value given as text (`--set name=value`) as a value of the given type."""
    if type_ == "duration":
        return parse_duration(text)
    if type_ == "int":
        return int(text) if re.fullmatch(r"-?[0-9]+", text) else None
    if type_ == "bool":
        return BOOLS.get(text)
    return text


def _type_hint(type_: str) -> str:
    return {
        "duration": "write a number with a unit: 500ms, 30s, 2m, 1h, 1m30s",
        "int": "write a whole number such as 10",
        "bool": "write true or false",
        "string": 'write a name or a quoted string such as "text"',
    }[type_]


def _at(span: ast.Span) -> str:
    return str(Position(span.path, span.line, span.col))
