"""`rulesengine test`: run the rule tests written beside the rules, the way pytest reports."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rulesengine.cli import coverage, options
from rulesengine.cli.check import github
from rulesengine.cli.destination import check_distinct, rule_files
from rulesengine.cli.messages import complain, print_diagnostics
from rulesengine.decide.explain import render_text
from rulesengine.decide.ruleset import load_rules
from rulesengine.diagnostics import Diagnostic, error, printable
from rulesengine.output.files import OutputError
from rulesengine.ruletest.cases import FAILED as FAILED_CODE
from rulesengine.ruletest.cases import CaseFile
from rulesengine.ruletest.discover import MissingPath, Source, beside_rules, named
from rulesengine.ruletest.junit import junit_xml
from rulesengine.ruletest.parse import parse
from rulesengine.ruletest.run import ERROR, FAILED, PASSED, CaseResult, Mismatch, run_file
from rulesengine.ruletest.update import update_file, write_whole
from rulesengine.wording import counted

PROGRAM = "rulesengine test"
#: the mark of each case in the progress line
MARKS = {PASSED: ".", FAILED: "F", ERROR: "E"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test", help="run rule tests: cases of events and the descriptors they should get",
        description="Run the cases of test files (*.rulestest, docs/testing.md) against the rules: "
                    "the default rules and any --rules layers. With no PATH, the tests beside the rules "
                    "are run: the default rules' own and the *.rulestest files of each --rules folder. "
                    "Exit 0 when every case passes, 1 when one fails, 2 for a usage error, rules that do "
                    "not load, a test file that cannot be read or test files that hold no case.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="test files, or folders searched for *.rulestest")
    options.add_rule_sources(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="name every case with its result")
    parser.add_argument("--format", choices=("text", "github"), default="text",
                        help="text (default) or github annotations on the lines of failing cases")
    parser.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML to FILE")
    parser.add_argument("--update", action="store_true",
                        help="write what the rules give now into the failing expectations")
    coverage.add_options(parser, "the cases")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        settings = options.settings(args)
        sources = named(args.paths) if args.paths else beside_rules(args.rules, defaults=not args.no_default_rules)
    except (argparse.ArgumentTypeError, MissingPath) as problem:
        complain(PROGRAM, problem)
        return 2
    if not sources:
        complain(PROGRAM, "no test files: name them, or put *.rulestest files in a --rules folder")
        return 2
    try:  # neither output may replace the other, a test file or a rule file
        check_distinct((("--junit", args.junit), ("--coverage-file", args.coverage_file)),
                       [*(str(source.path) for source in sources), *rule_files(args.rules)])
    except argparse.ArgumentTypeError as problem:
        complain(PROGRAM, problem)
        return 2
    loaded = load_rules(args.rules, settings, defaults=not args.no_default_rules)
    print_diagnostics(loaded.diagnostics, program=PROGRAM)
    decider = coverage.decider_for(loaded, args)
    if decider is None:
        return 2
    files, unreadable = _read(sources, args.format)
    results = [(case_file, run_file(case_file, decider, loaded.vocabulary, source.path.parent))
               for source, case_file in files]
    every = [result for _, found in results for result in found]
    if files and not every and not unreadable:  # cases all commented out, say: a gate that tests nothing
        complain(PROGRAM, f"no cases to run: {counted(len(files), 'test file')} and not one `case` in them")
        return 2
    if args.format == "github":
        _annotate(every)
    else:
        _report(results, verbose=args.verbose)
    try:
        if args.junit:
            write_whole(args.junit, junit_xml([(case_file.path, found) for case_file, found in results], details))
        updated = _update(results, [source for source, _ in files]) if args.update else 0
    except OutputError as problem:
        complain(PROGRAM, problem)
        return 2
    statuses = [result.status for result in every]
    counts = [f"{statuses.count(PASSED)} passed"]
    if FAILED in statuses:
        counts.append(f"{statuses.count(FAILED)} failed" + (f" ({updated} updated)" if args.update else ""))
    if statuses.count(ERROR):
        counts.append(counted(statuses.count(ERROR), "error"))
    if unreadable:
        counts.append(f"{counted(unreadable, 'test file')} not read")
    print(f"{PROGRAM}: {', '.join(counts)}", file=sys.stderr)
    covered = coverage.report(args, decider)
    if unreadable or ERROR in statuses:
        return 2
    return max(1 if FAILED in statuses and not args.update else 0, covered)


def _read(sources: Sequence[Source], how: str) -> tuple[list[tuple[Source, CaseFile]], int]:
    """Each test file parsed; one that cannot be read or parsed is reported and counted."""
    files, unreadable = [], 0
    for source in sources:
        try:
            text = source.path.read_bytes().decode("utf-8").removeprefix(_BOM)  # put back by --update
        except (OSError, UnicodeDecodeError) as problem:
            complain(PROGRAM, f"cannot read {source.shown}: {problem}")
            unreadable += 1
            continue
        case_file, syntax = parse(text, source.shown)
        if syntax is not None:
            _problems([syntax], how)
            unreadable += 1
        else:
            assert case_file is not None
            files.append((source, case_file))
    return files, unreadable


def _problems(problems: Sequence[Diagnostic], how: str) -> None:
    if how == "github":
        for problem in problems:
            print(github(problem))
    else:
        print_diagnostics(problems, program=PROGRAM)


def _report(results: Sequence[tuple[CaseFile, Sequence[CaseResult]]], *, verbose: bool) -> None:
    """The progress (a mark per case, or a line per case with -v), then every failure and error."""
    for case_file, found in results:
        if verbose:
            for result in found:
                print(f"{case_file.path}:{result.case.position.line}: {printable(result.case.name)} "
                      f"{result.status.upper()}")
        elif found:
            print(f"{case_file.path} {''.join(MARKS[result.status] for result in found)}")
    for case_file, found in results:
        for result in found:
            if result.status != PASSED:
                print(f"\n{result.status.upper()} {case_file.path}:{result.case.position.line}: "
                      f"{printable(result.case.name)}")
                print(details(result))


def details(result: CaseResult) -> str:
    """What went wrong in a case: each party's expected and got with its explanation, or the problems."""
    if result.problems:
        return "\n".join(problem.render() for problem in result.problems)
    return "\n".join(_mismatch(mismatch) for mismatch in result.mismatches)


def _mismatch(mismatch: Mismatch) -> str:
    expectation = mismatch.expectation
    explained = "\n".join(f"    {line}" if line else "" for line in render_text(mismatch.explanation).splitlines())
    return (f"  {expectation.target.position}: {printable(expectation.target.text)}\n"
            f"    expected: {expectation.written}\n"
            f"    got:      {mismatch.got}\n"
            f"{explained}")


def _annotate(results: Sequence[CaseResult]) -> None:
    """GitHub workflow commands: each unmet expectation on its line, each problem on its place."""
    for result in results:
        _problems(result.problems, "github")
        for mismatch in result.mismatches:
            expectation = mismatch.expectation
            print(github(error(FAILED_CODE, f"case {result.case.name!r}: {expectation.target.text} expected "
                                            f"{expectation.written}, got {mismatch.got}",
                               expectation.target.position)))


#: a byte-order mark, which some editors write at the start of a UTF-8 file
_BOM = "\ufeff"


def _update(results: Sequence[tuple[CaseFile, Sequence[CaseResult]]], sources: Sequence[Source]) -> int:
    """Rewrite the failing expectations of each file; how many were rewritten."""
    total = 0
    for (case_file, found), source in zip(results, sources, strict=True):
        mismatches = [mismatch for result in found for mismatch in result.mismatches]
        if mismatches:
            marked = source.path.read_bytes().startswith(_BOM.encode("utf-8"))
            update_file(str(source.path), case_file.text, mismatches, prefix=_BOM if marked else "")
            print(f"{PROGRAM}: updated {counted(len(mismatches), 'expectation')} in {case_file.path}",
                  file=sys.stderr)
            total += len(mismatches)
    return total
