"""Printing diagnostics and loading rules for the subcommands that evaluate events."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from rulesengine.decision import Evaluator
from rulesengine.diagnostics import Diagnostic
from rulesengine.interim_descriptors import InterimEvaluator

#: more than this many diagnostics on stderr helps nobody; the rest go to --rejects
MAX_SHOWN = 50


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, already_shown: int = 0) -> int:
    """Print diagnostics to stderr up to `MAX_SHOWN` in all; returns how many were printed."""
    printed = 0
    for diagnostic in diagnostics:
        if already_shown + printed == MAX_SHOWN:
            print(f"rulesengine: note: more than {MAX_SHOWN} problems; "
                  "the rest are in the --rejects output", file=sys.stderr)
        if already_shown + printed >= MAX_SHOWN:
            printed += 1
            continue
        print(diagnostic.render(), file=sys.stderr)
        printed += 1
    return printed


def rules_or_exit(args: argparse.Namespace) -> Evaluator | None:
    """The evaluator to run with; None (after printing why) when the rules do not load."""
    return InterimEvaluator()
