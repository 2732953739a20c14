"""`rulesengine check`: load rule files and report every problem, the way compilers do.

Rules that load are then analysed within a bound (`rulesengine.analysis`): every
finding it reports (overlap R301, dead rule R304, gap R305, a documented flow a layer
changes R306, with --flows) comes with a witness interaction, which `--witness DIR` writes as events.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import closing
from pathlib import Path

import orjson

from rulesengine.analysis.checking import Checked, check_bounded
from rulesengine.analysis.search import DEFAULT_AGENTS, DEFAULT_BOUND, MAX_VARIANTS, Searched
from rulesengine.cli import options
from rulesengine.cli.messages import complain
from rulesengine.cli.progress import Progress
from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Diagnostic, Severity
from rulesengine.language.layers import read_layers
from rulesengine.wording import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="check rule files: syntax, names, types, layering, and what the rules do within a bound",
        description="Load the default rules and any --rules layers and report every problem; then decide every "
                    "interaction shape within the bound and report overlaps, dead rules and gaps, each with a "
                    "witness interaction. Exit 0 when there is no error (warnings allowed, unless --strict), "
                    "1 otherwise.",
    )
    options.add_rule_sources(parser)
    parser.add_argument("--no-defaults", action="store_true", dest="no_default_rules",
                        help="same as --no-default-rules")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="text (default), json (one object per line), or github annotations")
    parser.add_argument("--strict", action="store_true",
                        help="warnings fail the check too (exit 1), as a CI gate on rule changes")
    parser.add_argument("--bound", type=options.whole_number(0, "parties", 6), default=DEFAULT_BOUND, metavar="N",
                        help=f"parties beyond the first queue and strategy in the interactions analysed "
                             f"(default {DEFAULT_BOUND}; 0 to 6, each one more takes far longer)")
    parser.add_argument("--agents", type=options.whole_number(0, "agents", 3), default=DEFAULT_AGENTS, metavar="N",
                        help=f"also analyse every interaction of up to N agents however they were reached, a queue "
                             f"and strategy that hand the chat on counting as the agent they lead to (default "
                             f"{DEFAULT_AGENTS}; 0 to 3, 3 takes far longer)")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="stop the analysis after this many seconds and report what it proved so far")
    parser.add_argument("--witness", metavar="DIR",
                        help="write each finding's witness interaction to DIR/<interaction>.jsonl, for run and "
                             "explain")
    parser.add_argument("--flows", action="store_true",
                        help="also note each documented flow whose descriptors the --rules layers change (R306)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also say, on stderr, how many interactions and distinct cases the analysis "
                             "decided within the bound, and which rule pairs it proved never match the same party")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine check", problem)
        return 2
    if args.budget is not None and not args.budget > 0:
        complain("rulesengine check", "--budget takes a number of seconds above 0")
        return 2
    loaded = load_rules(args.rules, settings, defaults=not args.no_default_rules)
    diagnostics = list(loaded.diagnostics)
    checked = None
    if loaded.decider is not None:
        layers, _ = read_layers(args.rules, defaults=not args.no_default_rules)
        texts = {path: text for layer in layers for path, text in layer}
        layered = args.flows and bool(args.rules) and not args.no_default_rules
        with closing(Progress(sys.stderr, text=_searched_so_far)) as progress:
            checked = check_bounded(loaded.decider, loaded, texts, settings, layered=layered, bound=args.bound,
                                    agents=args.agents, budget=args.budget, progress=progress.update)
        diagnostics += [r.diagnostic for r in checked.reports]
        diagnostics.sort(key=lambda d: d.sort_key)
    for diagnostic in diagnostics:
        print(FORMATS[args.format](diagnostic))
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    notes = len(diagnostics) - errors - warnings
    noted = f", {counted(notes, 'note')}" if notes else ""
    print(f"rulesengine check: {counted(len(loaded.rules), 'rule')}, {counted(len(loaded.facts), 'fact')}, "
          f"{counted(errors, 'error')}, {counted(warnings, 'warning')}{noted}", file=sys.stderr)
    if checked is not None:
        _summary(checked, args)
        if args.witness and not _write_witnesses(checked, Path(args.witness)):
            return 2
    return 1 if errors or (args.strict and warnings) else 0


def _searched_so_far(interactions: int, cases: int, seconds: float) -> str:
    """The progress line of a long analysis (on a terminal only, `Progress`): a bound like
    `--agents 3` can take hours, and `--budget` stops it where it has got to."""
    return (f"rulesengine check: {counted(interactions, 'interaction', grouped=True)} decided, "
            f"{counted(cases, 'distinct case', grouped=True)}, {seconds:,.0f} s")


def _summary(checked: Checked, args: argparse.Namespace) -> None:
    searched = checked.analysis.searched
    found = [finding.what for finding in checked.analysis.findings]
    agents = f", or {counted(searched.agents, 'agent')} however reached" if searched.agents else ""
    line = (f"rulesengine check: {counted(searched.interactions, 'interaction')} within the bound "
            f"({counted(searched.bound, 'party', 'parties')} beyond the first queue and strategy{agents}), "
            f"{counted(len(searched.cases), 'distinct case')}: {counted(found.count('overlap'), 'overlap')}, "
            f"{counted(found.count('dead'), 'dead rule')}, {counted(found.count('gap'), 'gap')}")
    budget = searched.abstraction.every_text and searched.every_combination  # what alone can cut it short
    if not searched.complete:
        line += "; " + (f"stopped by the {args.budget:g} s budget: the overlaps and gaps listed were proved, the "
                        "rest of the bound was not searched, and no rule is reported dead" if budget else
                        f"{_values_left(searched)}: the overlaps and gaps listed were proved, others may be missed, "
                        "and no rule is reported dead")
    if args.verbose or not searched.complete:
        print(line, file=sys.stderr)
    if args.verbose:
        said = ("proved disjoint within the bound" if searched.complete
                else "not seen together before the budget ran out" if budget
                else "not seen together among the values tried")
        for first, second, slot in checked.analysis.disjoint:
            print(f"  {said}: '{first}' and '{second}' ({slot})", file=sys.stderr)


def _values_left(searched: Searched) -> str:
    """Which values the search could not try in every combination."""
    if not searched.abstraction.every_text:
        return "the rules' globs tell apart more kinds of text than the analysis tries"
    return f"one party's values make more than {MAX_VARIANTS} combinations, each value was tried alone"


def _write_witnesses(checked: Checked, folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for report in checked.reports:
            if report.witness:
                    (folder / f"{report.interaction}.jsonl").write_text(report.witness, encoding="utf-8")
    except OSError as problem:
        complain("rulesengine check", f"cannot write the witnesses to {folder}: {problem.strerror or problem}")
        return False
    return True


def github(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command, so CI shows the problem on the line."""
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(diagnostic.severity, "notice")
    where = diagnostic.position
    place = f"file={_escape_property(where.path)},line={where.line},col={where.col}," if where else ""
    message = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return f"::{kind} {place}title={diagnostic.code}::{_escape(message)}"


def _escape(text: str) -> str:
    """A workflow command's message: `%` and line breaks written as GitHub reads them back."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property (a file name): also `:` and `,`, which end a property."""
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


FORMATS = {
    "text": Diagnostic.render,
    "json": lambda diagnostic: orjson.dumps(diagnostic.to_json()).decode(),
    "github": github,
}
