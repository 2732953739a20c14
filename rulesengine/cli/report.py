"""Printing diagnostics and loading rules for the subcommands that evaluate events."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from rulesengine.cli import options
from rulesengine.cli.destination import USAGE_OR_INPUT_ERROR, write_output
from rulesengine.evaluate import CompiledRules
from rulesengine.diagnostics import Diagnostic, did_you_mean
from rulesengine.ruleset import load_rules

#: more than this many diagnostics on stderr helps nobody; the rest go to --rejects
MAX_SHOWN = 50


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


def rules_or_exit(args: argparse.Namespace) -> CompiledRules | None:
    """The compiled rules the options ask for; None (after printing why) when they do not load."""
    try:
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        print(f"rulesengine {args.command}: error: {problem}", file=sys.stderr)
        return None
    loaded = load_rules(args.rules, settings, defaults=not args.no_default_rules)
    print_diagnostics(loaded.diagnostics, program=f"rulesengine {args.command}")
    return loaded.evaluator


def write_with_rules(args: argparse.Namespace, command: str,
                     produce: Callable[[CompiledRules, TextIO], int]) -> int:
    """Load the rules the options ask for, then write what `produce` makes with them where
    `--output` says; 2 when the rules do not load (nothing is written then)."""
    evaluator = rules_or_exit(args)
    if evaluator is None:
        return USAGE_OR_INPUT_ERROR
    return write_output(args.output, command, lambda out: produce(evaluator, out))


def not_found(what: str, name: str, where: str, candidates: Iterable[str]) -> str:
    """`no party 'x' in the input; did you mean 'y'?`: what was asked for, and the closest there is."""
    hint = did_you_mean(name, candidates)
    return f"no {what} {name!r} in {where}" + (f"; {hint}" if hint else "")
