"""Project settings every command reads: `rulesengine.toml`, or `[tool.rulesengine]` in
`pyproject.toml`, the first found from the current folder upward.

A team keeps its rule layers, parameter values, worker count and test paths in one
place instead of on every command line; what the command line gives wins. Paths are
relative to the file that names them, so a command gives the same answer from any
folder of the project.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from rulesengine.diagnostics import did_you_mean
from rulesengine.runtime.sharing import MAX_JOBS

OWN_FILE = "rulesengine.toml"
PROJECT_FILE = "pyproject.toml"
#: each key a settings file may hold, and what it sets
KEYS = {
    "rules": "rule layers (files or folders), in order, as --rules gives them",
    "default-rules": "false: start from an empty rule set, as --no-default-rules",
    "params": "a table of parameter values, as --set NAME=VALUE gives them",
    "jobs": "worker processes of run, as --jobs",
    "test-paths": "what rulesengine test runs when given no PATH",
}


class ConfigError(Exception):
    """A settings file that cannot be read or says something this version does not know."""


@attrs.frozen
class Setting:
    """One setting in force: its value and where it comes from (a file and key, the command
    line, or the default)."""

    name: str
    value: object
    source: str


@attrs.frozen
class Config:
    """The settings file found (None: none) and what it sets; None where it says nothing."""

    path: Path | None = None
    rules: list[str] | None = None
    default_rules: bool | None = None
    params: Mapping[str, str] = attrs.field(factory=dict)
    jobs: int | None = None
    test_paths: list[str] | None = None

    def where(self, key: str) -> str:
        table = "" if self.path is None or self.path.name == OWN_FILE else "[tool.rulesengine] "
        return f"{self.path} {table}{key}"


def find_here() -> Config:
    """The settings of the project the current folder is in; none when that folder is gone."""
    try:
        here = Path.cwd()
    except FileNotFoundError:
        return Config()
    return find(here)


def find(start: Path) -> Config:
    """The settings of the project `start` is in: the nearest folder with a `rulesengine.toml`,
    or a `pyproject.toml` that has `[tool.rulesengine]`."""
    for folder in (start, *start.parents):
        own = folder / OWN_FILE
        if own.is_file():
            return _checked(own, _read(own))
        project = folder / PROJECT_FILE
        if project.is_file():
            table = _read(project).get("tool", {}).get("rulesengine")
            if table is not None:
                return _checked(project, table)
    return Config()


def _read(path: Path) -> dict:
    # a TOML parser costs every command's start-up: loaded only when there is a file to read
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as problem:
        raise ConfigError(f"{path}: {problem}") from None
    except OSError as problem:
        raise ConfigError(f"cannot read {path}: {problem.strerror}") from None


def _checked(path: Path, table: object) -> Config:
    """The file's settings, paths made absolute; anything unknown or of the wrong type is an error."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.rulesengine] must be a table")
    for key in table:
        if key not in KEYS:
            hint = did_you_mean(key, KEYS)
            raise ConfigError(f"{path}: unknown setting {key!r}" + (f"; {hint}" if hint else "")
                              + f" (known: {', '.join(KEYS)})")
    default_rules = table.get("default-rules")
    if default_rules is not None and not isinstance(default_rules, bool):
        raise ConfigError(f"{path}: default-rules must be true or false")
    jobs = table.get("jobs")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS):
        raise ConfigError(f"{path}: jobs must be a whole number from 1 to {MAX_JOBS}")
    params = table.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, str | int | float | bool) for v in params.values()):
        raise ConfigError(f"{path}: params must be a table of NAME = VALUE (a string, number or boolean)")
    return Config(path, _paths(path, table, "rules"), default_rules,
                  {name: _written(value) for name, value in params.items()}, jobs, _paths(path, table, "test-paths"))


def _paths(path: Path, table: Mapping[str, object], key: str) -> list[str] | None:
    """A list of paths, each relative to the settings file."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"{path}: {key} must be a list of paths")
    return [str((path.parent / item).resolve()) for item in value]


def _written(value: str | int | float | bool) -> str:
    """A parameter value as `--set` takes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def apply(config: Config, args: argparse.Namespace) -> list[Setting]:
    """Fill in what the command line left out from the settings file; the settings in force
    for this command, each with where it comes from."""
    applied: list[Setting] = []
    # `diff` compares two rule sets it is given, or the project's layers at a revision (`--against`)
    compares_given = getattr(args, "command", None) == "diff" and not getattr(args, "against", None)
    if hasattr(args, "rules") and not compares_given:
        if args.rules:
            applied.append(Setting("rules", list(args.rules), "command line (--rules)"))
        elif config.rules is not None:
            args.rules = list(config.rules)
            applied.append(Setting("rules", args.rules, config.where("rules")))
        else:
            applied.append(Setting("rules", [], "default"))
    if hasattr(args, "no_default_rules"):
        if args.no_default_rules:
            applied.append(Setting("default-rules", False, "command line (--no-default-rules)"))
        elif config.default_rules is not None:
            args.no_default_rules = not config.default_rules
            applied.append(Setting("default-rules", config.default_rules, config.where("default-rules")))
        else:
            applied.append(Setting("default-rules", True, "default"))
    if hasattr(args, "settings"):
        applied += _params(config, args)
    if hasattr(args, "jobs"):
        if args.jobs is not None:
            applied.append(Setting("jobs", args.jobs, "command line (--jobs)"))
        elif config.jobs is not None:
            args.jobs = config.jobs
            applied.append(Setting("jobs", args.jobs, config.where("jobs")))
        else:
            applied.append(Setting("jobs", None, "default: every core"))
    if getattr(args, "command", None) == "test":
        if args.paths:
            applied.append(Setting("test-paths", list(args.paths), "command line"))
        elif config.test_paths is not None:
            args.paths = list(config.test_paths)
            applied.append(Setting("test-paths", args.paths, config.where("test-paths")))
        else:
            applied.append(Setting("test-paths", [], "default: the tests beside the rules"))
    return applied


def _params(config: Config, args: argparse.Namespace) -> list[Setting]:
    """`params` of the file first, so that `--set` of the same name wins."""
    given = [item.partition("=") for item in args.settings]
    args.settings = [f"{name}={value}" for name, value in config.params.items()] + list(args.settings)
    named = {name.strip() for name, _, _ in given}
    found = [Setting(f"params.{name}", value, config.where(f"params.{name}"))
             for name, value in config.params.items() if name not in named]
    found += [Setting(f"params.{name.strip()}", value.strip(), "command line (--set)") for name, _, value in given]
    return sorted(found, key=lambda setting: setting.name)


def shown(settings: Sequence[Setting]) -> list[str]:
    """The settings as `config` prints them: one a line, with where each comes from."""
    return [f"{setting.name} = {_shown_value(setting.value)}  ({setting.source})" for setting in settings]


def _shown_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)
