"""Printing diagnostics and loading rules for the subcommands that evaluate events."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from rulesengine.cli import options
from rulesengine.decide.decider import Decider
from rulesengine.decide.ruleset import LoadedRules, load_rules
from rulesengine.diagnostics import Diagnostic, did_you_mean, printable

#: more than this many diagnostics on stderr helps nobody; the rest go to --rejects
MAX_SHOWN = 50


def complain(prefix: str, message: object) -> None:
    """`PREFIX: error: MESSAGE` on stderr, on one line, control characters in the message
    escaped (it may quote a file name or an id from the input)."""
    print(f"{prefix}: error: {printable(str(message))}", file=sys.stderr)


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, already_shown: int = 0,
                      program: str = "rulesengine") -> int:
    """Print diagnostics to stderr up to `MAX_SHOWN` in all; returns how many were printed.

    A diagnostic with a place starts with it (`path:line:col:`), the form editors and CI
    read; one without a place (a `--set` value, a missing rules folder) starts with
    `program:`, so that it still says where it comes from.
    """
    printed = 0
    for diagnostic in diagnostics:
        if already_shown + printed == MAX_SHOWN:
            print(f"rulesengine: note: more than {MAX_SHOWN} problems, the rest are not shown "
                  "(--rejects FILE keeps every one)", file=sys.stderr)
        if already_shown + printed >= MAX_SHOWN:
            printed += 1
            continue
        where = "" if diagnostic.position else f"{program}: "
        print(where + diagnostic.render(), file=sys.stderr)
        printed += 1
    return printed


def sources_or_exit(args: argparse.Namespace) -> list[str] | None:
    """The event sources the options name (`options.event_sources`); None (after printing why)
    when they name none and there is nothing to read."""
    try:
        return options.event_sources(args)
    except argparse.ArgumentTypeError as problem:
        complain(f"rulesengine {args.command}", problem)
        return None


def rules_or_exit(args: argparse.Namespace) -> Decider | None:
    """The compiled rules the options ask for; None (after printing why) when they do not load."""
    loaded = loaded_or_exit(args)
    return None if loaded is None else loaded.decider


def loaded_or_exit(args: argparse.Namespace) -> LoadedRules | None:
    """The rule set the options ask for, its diagnostics printed; None when `--set` is wrong."""
    try:
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        complain(f"rulesengine {args.command}", problem)
        return None
    loaded = load_rules(args.rules, settings, defaults=not args.no_default_rules)
    print_diagnostics(loaded.diagnostics, program=f"rulesengine {args.command}")
    return loaded


def not_found(what: str, name: str, where: str, candidates: Iterable[str]) -> str:
    """`no party 'x' in the input; did you mean 'y'?`: what was asked for, and the closest there is."""
    hint = did_you_mean(name, candidates)
    return f"no {what} {name!r} in {where}" + (f"; {hint}" if hint else "")
