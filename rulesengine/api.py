"""The integrator's API, behind `rulesengine`: load the rules once into an `Engine`, then
evaluate as many interactions with it as you like.

Everything here delegates to the stages; bad rules and bad events raise an error
carrying the same diagnostics the command line prints. `rulesengine/__init__.py`
loads this module on first use of one of its names, so that the command line,
which needs only some stages, does not import them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from operator import attrgetter
from types import MappingProxyType

import attrs
import orjson

from rulesengine.adapters import ConversionStats, genesys_cloud_events, twilio_taskrouter_events
from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import Decision
from rulesengine.decide.explain import ParamValue, PartyExplanation, explain_interaction, parameters
from rulesengine.decide.explain import render_json as explain_json
from rulesengine.decide.explain import render_parameters_text as explain_parameters_text
from rulesengine.decide.explain import render_text as explain_text
from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Diagnostic, Position, Severity, did_you_mean, error
from rulesengine.events.assemble import Assembler, Interaction, Rejection, assemble_lines
from rulesengine.events.read import InputError, LoadedLine, parse_line
from rulesengine.language.compile import RuleRef
from rulesengine.language.vocabulary import Param
from rulesengine.model.interaction import InteractionModel
from rulesengine.output.rows import Row
from rulesengine.runtime import pipeline
from rulesengine.runtime.pipeline import RunStats, model_of

#: how diagnostics name events given as dicts: `<events>:N` is the Nth event given
EVENTS_PATH = "<events>"

#: a rules path or an events path: a string or a path-like object
PathArg = str | os.PathLike
#: a parameter setting: text as on the command line, or a value that has one spelling there
SettingValue = str | bool | int | timedelta


class DiagnosticsError(Exception):
    """Input that cannot be used; `diagnostics` says why, and `str()` renders them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class RulesError(DiagnosticsError):
    """The rules did not load: every problem found, warnings included, sorted by place."""


class EventsError(DiagnosticsError):
    """Events given as dicts broke the event contract (a bad field, a broken interaction)."""


@attrs.frozen
class Engine:
    """Loaded and compiled rules, ready to decide any number of interactions.

    Build one with `Engine.from_rules`; it holds no state about the events it has seen,
    so one engine may serve a whole program.
    """

    _compiled: Decider
    #: warnings found while loading (errors raise `RulesError` instead)
    warnings: tuple[Diagnostic, ...]
    #: the parameters in force, by name, each with where its value comes from
    params: Mapping[str, Param] = attrs.field(factory=dict)

    @classmethod
    def from_rules(cls, paths: PathArg | Sequence[PathArg] = (),
                   settings: Mapping[str, SettingValue] = MappingProxyType({}), *,
                   defaults: bool = True) -> Engine:
        """Load the default rules (unless `defaults=False`), then each path as a later layer.

        A path is a rules file or a folder of `*.rules` files; `settings` overrides
        parameter defaults as `--set NAME=VALUE` does: values are written as on the
        command line (`"30s"`, `"true"`), or given as a bool, an int or a `timedelta`.
        Raises `RulesError` when anything is wrong, a value of another type included.
        """
        if not isinstance(settings, Mapping):
            raise RulesError([error("R205", f"settings must be a mapping of parameter names to values, not "
                                    f"{type(settings).__name__}", hint=_SETTING_HINT)])
        layers = _paths(paths)
        texts, unusable = _setting_texts(settings)
        loaded = load_rules(layers, texts, defaults=defaults)
        if unusable or loaded.decider is None:
            raise RulesError(sorted([*loaded.diagnostics, *unusable], key=attrgetter("sort_key")))
        return cls(loaded.decider, loaded.diagnostics, loaded.params)

    def decide(self, model: InteractionModel) -> list[Decision]:
        """The decision for each party of one interaction's model, in the order of its parties."""
        return self._compiled.decide(model)

    def evaluate_events(self, events: Iterable[Mapping[str, object]]) -> list[Row]:
        """One row per party of the interactions these event dicts describe.

        Each dict is validated as one line of the event contract; the order they come
        in does not matter. An interaction without `interaction.ended` is evaluated
        anyway and its rows are marked `provisional`. Rows are ordered by interaction
        id, then by each party's first event. Raises `EventsError` for events that
        break the contract, naming the Nth event given as `<events>:N`.
        """
        rows = []
        for model in _models(events):
            rows += [Row.of(model, party, decision)
                     for party, decision in zip(model.parties, self._compiled.decide(model), strict=True)]
        return rows

    def run(self, paths: PathArg | Sequence[PathArg], *, include_open: bool = False,
            stats: RunStats | None = None) -> Iterator[Row | Rejection]:
        """Rows of every interaction in event files (`-` is stdin), streamed as they complete.

        A broken interaction comes as a `Rejection` with its diagnostics; the others
        are still evaluated. Interactions without `interaction.ended` are held back
        unless `include_open`. `stats` (a `RunStats`) is filled with the counts the
        command line prints. Raises `InputError` when a file cannot be read.
        """
        for item in pipeline.decide_sources(_paths(paths), self._compiled, include_open=include_open,
                                      stats=stats):
            if isinstance(item, Rejection):
                yield item
            else:
                yield from item.rows

    def explain(self, events: Iterable[Mapping[str, object]], *, party: str | None = None,
                derivation: bool = False) -> list[PartyExplanation]:
        """Why each party (or only `party`) of these event dicts got its descriptor.

        With `derivation`, each fact the rules read also says how it was derived.
        Render an explanation with `explain_text` or `explain_json`. Raises
        `EventsError` as `evaluate_events` does, and `ValueError` when no party has
        the id `party`.
        """
        explained = [explanation for model in _models(events)
                     for explanation in explain_interaction(self._compiled, model, derivation=derivation)]
        chosen = [item for item in explained if party is None or item.party == party]
        if party is not None and not chosen:
            hint = did_you_mean(party, [item.party for item in explained])
            raise ValueError(f"no party {party!r} in these events" + (f"; {hint}" if hint else ""))
        return chosen

    def parameters(self) -> list[ParamValue]:
        """Every parameter with its value in force and where that value comes from."""
        return parameters(self.params)


def _paths(paths: PathArg | Sequence[PathArg]) -> list[str]:
    """One path or several, as strings; `RulesError` (R407) for anything else (None, bytes)."""
    given: list[object] | None = None
    if isinstance(paths, (str, os.PathLike)):
        given = [paths]
    elif isinstance(paths, Iterable) and not isinstance(paths, (bytes, Mapping)):
        given = list(paths)
    if given is None or not all(isinstance(path, (str, os.PathLike)) and isinstance(os.fspath(path), str)
                                for path in given):
        raise RulesError([error("R407", f"rule paths must be a path or a list of paths (text or os.PathLike), "
                                f"not {paths!r}")])
    return [os.fspath(path) for path in given if isinstance(path, (str, os.PathLike))]


_SETTING_HINT = ('write the value as on the command line ("45s", "true", "10"), '
                 "or give a bool, an int or a datetime.timedelta")


def _setting_texts(settings: Mapping[str, SettingValue]) -> tuple[dict[str, str], list[Diagnostic]]:
    """Settings written as `--set` takes them, and an R205 for each value that has no spelling.

    A bool or an int reads one way only, and the loader then checks it against the
    parameter's type as it checks command-line text (an int is no duration: its unit
    is unknown). A `timedelta` is a duration in whole milliseconds. Anything else, a
    float or None, would be a guess.
    """
    texts: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for name, value in settings.items():
        try:
            texts[str(name)] = _setting_text(value)
        except ValueError as unusable:
            problems.append(error("R205", f"setting {name}={value!r}: {unusable}", hint=_SETTING_HINT))
    return texts, problems


def _setting_text(value: object) -> str:
    """`value` as the command line would write it; ValueError when it has no single spelling."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: a bool is an int too
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, timedelta):
        milliseconds, rest = divmod(value, timedelta(milliseconds=1))
        if rest or milliseconds < 0:
            raise ValueError("a duration is a whole number of milliseconds, 0 or more")
        return f"{milliseconds}ms"
    raise ValueError(f"a {type(value).__name__} is not a setting value")


def _models(events: Iterable[Mapping[str, object]]) -> list[InteractionModel]:
    """The model of each interaction of these event dicts, by interaction id."""
    return [model_of(interaction) for interaction in _interactions(events)]


def _interactions(events: Iterable[Mapping[str, object]]) -> list[Interaction]:
    """Validate and assemble event dicts; every problem at once as an `EventsError`.

    Lines are fed with every `interaction.ended` last, so that the order the caller
    gives the dicts in never turns an event into a late one.
    """
    lines = sorted((_line(event, number) for number, event in enumerate(events, start=1)),
                   key=attrgetter("closes"))
    items = list(assemble_lines(lines, Assembler(include_open=True)))
    problems = [problem for item in items if isinstance(item, Rejection)
                for problem in item.diagnostics]
    if problems:
        raise EventsError(sorted(problems, key=attrgetter("sort_key")))
    return sorted((item for item in items if isinstance(item, Interaction)), key=attrgetter("id"))


def _line(event: Mapping[str, object], number: int) -> LoadedLine:
    try:
        raw = orjson.dumps(event)
    except orjson.JSONEncodeError as exc:
        raise EventsError([error("E101", f"invalid JSON: {exc}", Position(EVENTS_PATH, number),
                                 hint="give each event as a dict of JSON values")]) from None
    return parse_line(raw, EVENTS_PATH, number)


__all__ = [
    "ConversionStats",
    "Decision",
    "Diagnostic",
    "DiagnosticsError",
    "Engine",
    "EventsError",
    "InputError",
    "InteractionModel",
    "ParamValue",
    "PartyExplanation",
    "Position",
    "Rejection",
    "Row",
    "RuleRef",
    "RulesError",
    "RunStats",
    "SettingValue",
    "Severity",
    "explain_json",
    "explain_parameters_text",
    "explain_text",
    "genesys_cloud_events",
    "twilio_taskrouter_events",
]
