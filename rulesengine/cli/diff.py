"""`rulesengine diff`: which parties a change of the rules decides differently, as a table of transitions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import attrs
import orjson

from rulesengine.cli import options
from rulesengine.cli.messages import complain, print_diagnostics, sources_or_exit
from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import descriptor_text
from rulesengine.decide.ruleset import LoadedRules, load_layers, load_rules
from rulesengine.diagnostics import Severity, printable
from rulesengine.events.assemble import Rejection
from rulesengine.events.read import InputError
from rulesengine.language.revision import RevisionError, read_layers_at
from rulesengine.runtime.diff import Outcome, Tally, Totals, Transition, compare_sources, outcome_text
from rulesengine.runtime.parallel import WorkerLost, jobs_for
from rulesengine.wording import counted

PROGRAM = "rulesengine diff"
#: the columns of the text and Markdown tables
HEADERS = ("kind", "parties", "old", "new", "old rules", "new rules", "interaction", "party")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff", help="compare two rule sets on the same events: which parties' descriptors change",
        description="Decide every interaction with an old and a new rule set, in one pass over the events, "
                    "and report each change of a party's descriptor or record as a transition (old -> new, "
                    "per kind of party, with how many parties, the rules behind both sides and a first "
                    "example). Exit 0 when nothing changes, 1 when something does, 2 on a usage error, rules "
                    "that do not load or input that cannot be read.",
    )
    options.add_event_sources(parser)
    parser.add_argument("--old-rules", action="append", default=[], metavar="PATH",
                        help="a layer of the old rule set, over the defaults as --rules is (repeatable)")
    parser.add_argument("--new-rules", action="append", default=[], metavar="PATH",
                        help="a layer of the new rule set, over the defaults as --rules is (repeatable)")
    parser.add_argument("--against", metavar="REV",
                        help="compare the --rules layers as git revision REV has them (old) with the work "
                             "tree (new)")
    options.add_rule_sources(parser)
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="text (an aligned table, default), json (one object) or markdown (a summary line "
                             "and a table, for a pull request)")
    options.add_jobs(parser)
    parser.set_defaults(handler=handle)


@attrs.frozen
class Side:
    """One of the two rule sets: what it is made of, and what loading it gave."""

    name: str  # old or new
    layers: tuple[str, ...]
    revision: str | None  # None: the files as they are now
    defaults: bool
    loaded: LoadedRules

    @property
    def described(self) -> str:
        parts = (["the defaults"] if self.defaults else []) + [" ".join(self.layers)] * bool(self.layers)
        return " + ".join(parts or ["no rules"]) + (f" at {self.revision}" if self.revision else "")

    def to_json(self) -> dict:
        return {"layers": list(self.layers), "revision": self.revision, "defaults": self.defaults}


def handle(args: argparse.Namespace) -> int:
    try:
        _check_usage(args)
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        complain(PROGRAM, problem)
        return 2
    sources = sources_or_exit(args)
    if sources is None:
        return 2
    try:
        old, new = _sides(args, settings)
    except RevisionError as problem:
        complain(PROGRAM, problem)
        return 2
    if old.loaded.decider is None or new.loaded.decider is None:
        return 2
    tally = Tally()
    try:
        _compare(sources, old.loaded.decider, new.loaded.decider, tally, args)
    except InputError as problem:
        complain("rulesengine", problem)
        return 2
    except WorkerLost as problem:
        complain(PROGRAM, problem)
        return 2
    totals = tally.totals
    sys.stdout.write(FORMATS[args.format](tally.transitions(), totals, old, new, settings))
    print(f"{PROGRAM}: {summary(totals)}", file=sys.stderr)
    return 1 if totals.changed else 0


def _check_usage(args: argparse.Namespace) -> None:
    if args.against is not None:
        if args.old_rules or args.new_rules:
            raise argparse.ArgumentTypeError("--against compares the --rules layers at REV with the work tree; "
                                             "it takes no --old-rules or --new-rules")
        if not args.rules:
            raise argparse.ArgumentTypeError("--against needs the layers to compare: give --rules PATH")
    elif args.rules:
        raise argparse.ArgumentTypeError("--rules names the layers --against REV reads; without --against, "
                                         "give --old-rules and --new-rules")
    elif not args.old_rules and not args.new_rules:
        raise argparse.ArgumentTypeError("nothing to compare: give --old-rules and --new-rules, "
                                         "or --against REV with --rules")


def _sides(args: argparse.Namespace, settings: dict[str, str]) -> tuple[Side, Side]:
    """Both rule sets loaded, each one's diagnostics printed under a line that names the side.

    `--set` applies to both; a parameter that only one side declares (the change adds or
    removes it) is set on that side alone, and one that neither declares is an error on both.
    """
    defaults = not args.no_default_rules
    loaders: list[tuple[str, tuple[str, ...], str | None, Callable[[dict[str, str]], LoadedRules]]] = []
    if args.against is None:
        loaders.append(("old", tuple(args.old_rules), None,
                        lambda given: load_rules(args.old_rules, given, defaults=defaults)))
        new_layers = args.new_rules
    else:
        read = read_layers_at(args.rules, args.against, defaults=defaults)
        for path in read.absent:
            print(f"{PROGRAM}: note: {printable(path)} is not in {printable(args.against)}: "
                  "the old rules have no such layer", file=sys.stderr)
        loaders.append(("old", tuple(args.rules), args.against,
                        lambda given: load_layers(read.layers, given, read.unreadable)))
        new_layers = args.rules
    loaders.append(("new", tuple(new_layers), None, lambda given: load_rules(new_layers, given, defaults=defaults)))
    loaded = [load(settings) for *_, load in loaders]
    declared = [set(each.params) for each in loaded]
    for number, (*_, load) in enumerate(loaders):
        elsewhere = (set(settings) - declared[number]) & declared[1 - number]
        if elsewhere:
            loaded[number] = load({name: value for name, value in settings.items() if name not in elsewhere})
    old, new = (Side(name, layers, revision, defaults, rules)
                for (name, layers, revision, _), rules in zip(loaders, loaded, strict=True))
    for side in (old, new):
        _print_loading(side)
    return old, new


def _print_loading(side: Side) -> None:
    diagnostics = side.loaded.diagnostics
    if not diagnostics:
        return
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    verdict = "do not load" if side.loaded.decider is None else "load"
    print(f"{PROGRAM}: the {side.name} rules ({printable(side.described)}) {verdict}: "
          f"{counted(errors, 'error')}, {counted(len(diagnostics) - errors, 'warning')}", file=sys.stderr)
    print_diagnostics(diagnostics, program=f"{PROGRAM} ({side.name} rules)")


def _compare(sources: list[str], old: Decider, new: Decider, tally: Tally, args: argparse.Namespace) -> None:
    """Tally every interaction; a rejection's diagnostics go to stderr, as `run` prints them."""
    shown = 0
    for item in compare_sources(sources, old, new, jobs=jobs_for(sources, args.jobs),
                                include_open=args.include_open):
        tally.add(item)
        if isinstance(item, Rejection):
            shown += print_diagnostics(item.diagnostics, already_shown=shown)


def summary(totals: Totals) -> str:
    """One line: what was compared and how much changed."""
    return (f"{totals.changed} of {counted(totals.parties, 'party', 'parties')} changed, in "
            f"{counted(totals.interactions, 'interaction')} compared; {counted(totals.rejected, 'interaction')} "
            "rejected (before any rule runs, so the same on both sides)" + _late(totals))


def _late(totals: Totals) -> str:
    """The late events left out, when there were any (each one event, not an interaction)."""
    return f"; {counted(totals.late, 'late event')} left out" if totals.late else ""


# ---- formats --------------------------------------------------------------------------------

Format = Callable[[Sequence[Transition], Totals, Side, Side, dict[str, str]], str]


def _cells(transition: Transition) -> tuple[str, ...]:
    return (transition.kind, str(transition.parties), outcome_text(transition.old), outcome_text(transition.new),
            ", ".join(transition.old_rules), ", ".join(transition.new_rules),
            printable(transition.example[0]), printable(transition.example[1]))


def as_text(transitions: Sequence[Transition], *_: object) -> str:
    """An aligned table, the count right-aligned; nothing at all when nothing changes."""
    if not transitions:
        return ""
    rows = [HEADERS, *map(_cells, transitions)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [cell.rjust(width) if column == 1 else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def as_markdown(transitions: Sequence[Transition], totals: Totals, old: Side, new: Side, _: object) -> str:
    """A one-line summary, then the transitions as a table, for a pull request's comment."""
    head = (f"**{totals.changed} of {counted(totals.parties, 'party', 'parties')} changed** from "
            f"{_code(old.described)} to {_code(new.described)}, in {counted(totals.interactions, 'interaction')} "
            f"compared; {counted(totals.rejected, 'interaction')} rejected (the same on both sides){_late(totals)}.\n")
    if not transitions:
        return head
    table = [_markdown_row(HEADERS), "|---|--:|---|---|---|---|---|---|"]
    for transition in transitions:
        kind, parties, *rest = _cells(transition)
        table.append(_markdown_row((kind, parties, *map(_code, rest))))
    return head + "\n" + "\n".join(table) + "\n"


def _code(value: str) -> str:
    return f"`{value}`" if value else ""


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def as_json(transitions: Sequence[Transition], totals: Totals, old: Side, new: Side, settings: dict[str, str]) -> str:
    """One object: the rule sets compared, the totals, the transitions."""
    document = {
        "old": old.to_json(),
        "new": new.to_json(),
        "settings": settings,
        "totals": attrs.asdict(totals),
        "transitions": [
            {"kind": t.kind, "parties": t.parties, "old": _outcome_json(t.old), "new": _outcome_json(t.new),
             "old_rules": list(t.old_rules), "new_rules": list(t.new_rules),
             "example": {"interaction": t.example[0], "party": t.example[1]}}
            for t in transitions],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def _outcome_json(outcome: Outcome) -> dict[str, str]:
    role, role_reason, result, result_reason, record = outcome
    return {"descriptor": descriptor_text(role, role_reason, result, result_reason), "resource_role": role,
            "role_reason": role_reason, "technical_result": result, "result_reason": result_reason, "record": record}


FORMATS: dict[str, Format] = {"text": as_text, "json": as_json, "markdown": as_markdown}
