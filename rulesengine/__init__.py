"""Declarative rules that turn contact-center interaction events into technical descriptors.

This module is the integrator's whole API: load the rules once into an `Engine`,
then evaluate as many interactions with it as you like.

    engine = Engine.from_rules(["site/"], {"short_engagement": "30s"})
    rows = engine.evaluate_events(events)      # event dicts of one or more interactions
    for item in engine.run(["events.jsonl"]):  # files, streamed: a Row or a Rejection
        ...
    rows = engine.evaluate_events(genesys_cloud_events("export/"))  # a platform's records, converted

The names are defined in `rulesengine.api` and loaded on first use, so that importing
one stage (as the command line does) does not import them all; bad rules and bad
events raise an error carrying the same diagnostics the command line prints.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: the names of the API, all defined in `rulesengine.api`
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
    "__version__",
    "explain_json",
    "explain_parameters_text",
    "explain_text",
    "genesys_cloud_events",
    "twilio_taskrouter_events",
]


def __getattr__(name: str) -> Any:
    """An API name, from `rulesengine.api` on first use (PEP 562); `__version__` from the
    installed package's metadata."""
    if name == "__version__":
        value: Any = _version()
    elif name in __all__:
        value = getattr(import_module("rulesengine.api"), name)
    else:
        raise AttributeError(f"module 'rulesengine' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rulesengine")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
