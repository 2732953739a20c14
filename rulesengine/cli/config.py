"""`rulesengine config`: the project settings in force, and where each comes from."""

from __future__ import annotations

import argparse
import sys

import orjson

from rulesengine.cli import project


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config", help="show the project settings in force (rulesengine.toml or pyproject.toml)",
        description="Print every setting the commands take from the project's settings file "
                    f"({project.OWN_FILE}, or [tool.rulesengine] in {project.PROJECT_FILE}, the first "
                    "found from the current folder upward), with where its value comes from.",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    found = args.project
    every = argparse.Namespace(command="test", rules=[], no_default_rules=False, settings=[], jobs=None, paths=[])
    settings = project.apply(found, every)
    if args.format == "json":
        print(orjson.dumps({"file": None if found.path is None else str(found.path),
                            "settings": [{"name": s.name, "value": s.value, "source": s.source} for s in settings]},
                           option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"settings file: {found.path or 'none'}", file=sys.stderr)
    for line in project.shown(settings):
        print(line)
    return 0
