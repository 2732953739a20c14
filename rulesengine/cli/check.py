"""`rulesengine check`: load rule files and report every problem, the way compilers do."""

from __future__ import annotations

import argparse
import sys

import orjson

from rulesengine.cli import options
from rulesengine.cli.messages import complain
from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Diagnostic, Severity
from rulesengine.wording import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="check rule files: syntax, names, types, layering, conflicts",
        description="Load the default rules and any --rules layers and report every problem. "
                    "Exit 0 when there is no error (warnings allowed, unless --strict), 1 otherwise.",
    )
    options.add_rule_sources(parser)
    parser.add_argument("--no-defaults", action="store_true", dest="no_default_rules",
                        help="same as --no-default-rules")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="text (default), json (one object per line), or github annotations")
    parser.add_argument("--strict", action="store_true",
                        help="warnings fail the check too (exit 1), as a CI gate on rule changes")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine check", problem)
        return 2
    loaded = load_rules(args.rules, settings, defaults=not args.no_default_rules)
    for diagnostic in loaded.diagnostics:
        print(FORMATS[args.format](diagnostic))
    errors = len(loaded.errors)
    warnings = len(loaded.diagnostics) - errors
    print(f"rulesengine check: {counted(len(loaded.rules), 'rule')}, {counted(len(loaded.facts), 'fact')}, "
          f"{counted(errors, 'error')}, {counted(warnings, 'warning')}", file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0


def github(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command, so CI shows the problem on the line."""
    kind = "error" if diagnostic.severity is Severity.ERROR else "warning"
    where = diagnostic.position
    place = f"file={where.path},line={where.line},col={where.col}," if where else ""
    message = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return f"::{kind} {place}title={diagnostic.code}::{_escape(message)}"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


FORMATS = {
    "text": Diagnostic.render,
    "json": lambda diagnostic: orjson.dumps(diagnostic.to_json()).decode(),
    "github": github,
}
