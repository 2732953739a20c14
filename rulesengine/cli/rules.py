"""`rulesengine rules`: what the layers in effect declare, where, and a copy of the defaults.

The shipped rules live inside the installed package; these commands make them
reachable: `list` names every rule, fact, parameter and vocabulary of the resolved
layers with where each is written, `show` prints one as written (by id, by name, or by
the `file:line` of a row's `rule_at`), `export` copies the default files to start a site
layer from.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import orjson

from rulesengine.cli import options
from rulesengine.cli.messages import complain, not_found, print_diagnostics
from rulesengine.decide.explain import parameters
from rulesengine.decide.ruleset import LoadedRules, load_layers
from rulesengine.language import syntax
from rulesengine.language.layers import DEFAULTS_FOLDER, Layer, default_layer, read_layers

#: what joins the rules of one row in its `rule` and `rule_at` columns
JOINED = " + "


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rules", help="list, show or export the rules, facts, parameters and vocabulary in effect",
        description="What the default rules and any --rules layers declare, and where.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True,
                                    help="list, show NAME ... or export DIR")
    listing = actions.add_parser("list", help="every rule, fact, parameter and vocabulary, with where it is written")
    options.add_rule_sources(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text",
                         help="text (default) or json (one object)")
    showing = actions.add_parser(
        "show", help="print rules, facts or parameters as written",
        description="Print each NAME as written in its file: a rule id, a fact, a parameter or a "
                    "vocabulary name, or FILE:LINE as a row's rule_at gives it. A row's whole "
                    "rule or rule_at column (names joined by ' + ') shows each of its rules.")
    showing.add_argument("names", nargs="+", metavar="NAME",
                         help="a rule id, fact, parameter or vocabulary, or FILE:LINE; ' + ' joins several")
    options.add_rule_sources(showing)
    exporting = actions.add_parser(
        "export", help="copy the default rule files into a folder, to start a site layer from",
        description="Copy the default rule files into DIR (made if missing). A file already there "
                    "is left alone and is an error, unless --force.")
    exporting.add_argument("folder", metavar="DIR", help="the folder to copy them into")
    exporting.add_argument("--force", action="store_true", help="replace files of the same name")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(Path(args.folder), force=args.force)
    try:
        settings = options.settings(args)
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine rules", problem)
        return 2
    layers, unreadable = read_layers(args.rules, defaults=not args.no_default_rules)
    loaded = load_layers(layers, settings, unreadable)
    print_diagnostics(loaded.diagnostics, program="rulesengine rules")
    if loaded.errors:
        return 2
    if args.action == "list":
        print(_listing_json(loaded) if args.format == "json" else "\n".join(_listing_text(loaded)))
        return 0
    return _show(loaded, layers, args.names)


def _where(span: syntax.Span) -> str:
    return f"{span.path}:{span.line}"


def _slots(rule: syntax.Rule) -> str:
    return ", ".join(outcome.slot for outcome in rule.outcomes)


def _listing_text(loaded: LoadedRules) -> Iterator[str]:
    rules = sorted(loaded.rules, key=lambda r: r.id.text)
    yield f"rules ({len(rules)})"
    yield from _aligned([(r.id.text, f"sets {_slots(r)}", f"priority {r.priority}", _where(r.span), r.description)
                         for r in rules])
    facts = sorted(loaded.facts.values(), key=lambda f: f.name)
    yield f"facts ({len(facts)})"
    yield from _aligned([(f.name, str(f.type), _where(f.decl.span), f.description) for f in facts])
    params = parameters(loaded.params)
    yield f"parameters ({len(params)})"
    yield from _aligned([(p.name, f"{loaded.params[p.name].type} = {p.value}", p.source,
                          loaded.params[p.name].doc or "") for p in params])
    words = _vocabulary(loaded)
    yield f"vocabulary ({len(words)})"
    yield from _aligned([(name, ", ".join(sorted(values))) for name, values in sorted(words.items())])


def _aligned(rows: Sequence[tuple[str, ...]]) -> Iterator[str]:
    """Rows as indented columns, each as wide as its widest cell (the last one left ragged)."""
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)] + [row[-1]]
        yield ("  " + "  ".join(cells)).rstrip()


def _vocabulary(loaded: LoadedRules) -> Mapping[str, frozenset[str]]:
    return loaded.vocabulary.values if loaded.vocabulary is not None else {}


def _listing_json(loaded: LoadedRules) -> str:
    return orjson.dumps({
        "rules": [{"id": r.id.text, "sets": [o.slot for o in r.outcomes], "priority": r.priority,
                   "at": _where(r.span), "description": r.description}
                  for r in sorted(loaded.rules, key=lambda r: r.id.text)],
        "facts": [{"name": f.name, "type": str(f.type), "at": _where(f.decl.span), "description": f.description}
                  for f in sorted(loaded.facts.values(), key=lambda f: f.name)],
        "parameters": [{"name": p.name, "type": str(loaded.params[p.name].type), "value": p.value,
                        "source": p.source, "doc": loaded.params[p.name].doc}
                       for p in parameters(loaded.params)],
        "vocabulary": {name: sorted(values) for name, values in sorted(_vocabulary(loaded).items())},
    }, option=orjson.OPT_INDENT_2).decode()


def _show(loaded: LoadedRules, layers: Sequence[Layer], names: Sequence[str]) -> int:
    """Each name's declaration as written, under its `file:line`; 1 if a name is unknown."""
    texts = {path: text.splitlines() for layer in layers for path, text in layer}
    spans = _declarations(loaded)
    words = _vocabulary(loaded)
    status = 0
    shown: list[str] = []
    for name in (part.strip() for whole in names for part in whole.split(JOINED)):
        if name in spans:
            span = spans[name]
            shown.append(f"# {_where(span)}\n" + "\n".join(texts[span.path][span.line - 1:span.end_line]))
        elif name in words:
            shown.append(f"# vocabulary {name}\n" + ", ".join(sorted(words[name])))
        else:
            complain("rulesengine rules show", not_found("rule, fact, parameter or vocabulary", name,
                                                         "the rules in effect", [*spans, *words]))
            status = 1
    if shown:
        print("\n\n".join(shown))
    return status


def _declarations(loaded: LoadedRules) -> dict[str, syntax.Span]:
    """Where each rule, fact and parameter is declared, by name and by `file:line` of a rule."""
    spans: dict[str, syntax.Span] = {}
    for param in loaded.params.values():
        spans[param.name] = param.span
    for fact in loaded.facts.values():
        spans[fact.name] = fact.decl.span
    for rule in loaded.rules:
        spans[rule.id.text] = rule.span
        spans[_where(rule.span)] = rule.span
    return spans


def _export(folder: Path, *, force: bool) -> int:
    if folder.exists() and not folder.is_dir():
        complain("rulesengine rules export", f"cannot write into {folder}: it is a file; name a folder (made if "
                                             "missing) to write the rule files into")
        return 2
    files = [(Path(path).name, text) for path, text in default_layer()]
    taken = [name for name, _ in files if (folder / name).exists()]
    if taken and not force:
        listed = ", ".join(str(folder / name) for name in taken)
        complain("rulesengine rules export", f"{listed} already {'exists' if len(taken) == 1 else 'exist'}; "
                                             "--force replaces them")
        return 2
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files:
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as problem:
        complain("rulesengine rules export", f"cannot write {folder}: {problem.strerror}")
        return 2
    print(f"rulesengine rules export: {len(files)} files of {DEFAULTS_FOLDER}/ written to {folder}; "
          f"use them in place of the defaults with --no-default-rules --rules {folder}", file=sys.stderr)
    return 0
