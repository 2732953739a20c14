"""Options shared by several subcommands: event sources and rule sets."""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from rulesengine.events.compressed import by_suffix, without_compression_suffix
from rulesengine.events.read import STDIN

SAMPLE = "sample.jsonl"
#: the platforms `--from` reads (`rulesengine.adapters.ADAPTERS`, named here so that a command
#: that converts nothing does not import the adapters)
PLATFORMS = ("genesys-cloud", "twilio-taskrouter")


def whole_number(minimum: int, what: str, maximum: int | None = None):
    """An argparse type: a whole number from `minimum` to `maximum`, `what` naming it in errors."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"the number of {what} must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"the number of {what} must be at most {maximum}, got {value}")
        return value
    return parse


def output_format(chosen: str | None, output: str | None, named: tuple[str, ...]) -> str:
    """The format to write: the one `--format` chose, else the one among `named` that the
    output's suffix names (`rows.csv`, `rows.csv.gz`: csv), else JSON lines.

    `argparse.ArgumentTypeError` for a compressed Parquet output: Parquet compresses its
    own columns, and no reader of it opens a gzip file around it."""
    plain = without_compression_suffix(output or "").lower()
    written = chosen or next((name for name in named if plain.endswith(f".{name}")), "jsonl")
    compression = by_suffix(output or "")
    if written == "parquet" and compression is not None:
        raise argparse.ArgumentTypeError(f"Parquet compresses its own columns: name the output without "
                                         f"{compression.suffix} ({without_compression_suffix(output or '')})")
    return written


def add_event_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("events", nargs="*", metavar="EVENTS",
                        help="event files (JSON lines, plain or compressed with gzip, bzip2 or xz); '-' reads "
                             "stdin; none: stdin when it is not a terminal")
    parser.add_argument("--sample", action="store_true",
                        help="read the bundled sample events (after any files given)")
    parser.add_argument("--include-open", action="store_true",
                        help="also evaluate interactions with no interaction.ended, marked provisional")


def event_sources(args: argparse.Namespace) -> list[str]:
    """The files to read: those given, then the bundled sample with `--sample`; with neither,
    standard input, unless it is a terminal (or closed): a usage error rather than a wait for
    typing, or a silent read of something else."""
    sources = list(args.events)
    if args.sample:
        sources.append(sample_path())
    if not sources:
        if sys.stdin is None or sys.stdin.isatty():
            raise argparse.ArgumentTypeError(
                "no events to read: name event files, pipe them into standard input, or give --sample")
        sources.append(STDIN)
    return sources


def sample_path() -> str:
    return str(resources.files("rulesengine.sample").joinpath(SAMPLE))


def add_rule_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="PATH",
                        help="a rule file or folder layered over the defaults (repeatable)")
    parser.add_argument("--no-default-rules", action="store_true",
                        help="use only the rule sets given with --rules")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="set a parameter that a --rules layer declares (repeatable), e.g. "
                             "--set short_engagement=45s; the default rules declare none (rulesengine rules "
                             "list shows those in force)")


def settings(args: argparse.Namespace) -> dict[str, str]:
    """`--set` pairs as a mapping; a pair without `=` is a usage error."""
    pairs: dict[str, str] = {}
    for item in args.settings:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"--set expects NAME=VALUE, got {item!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """`--jobs N`, for the commands that decide on every core (the parallel runner is imported
    only by the commands that add it)."""
    from rulesengine.runtime.parallel import default_jobs
    from rulesengine.runtime.sharing import MAX_JOBS

    parser.add_argument("--jobs", "-j", type=whole_number(1, "processes", MAX_JOBS), metavar="N",
                        help=f"worker processes (default: all cores, here {default_jobs()}, or one for an input "
                             "under 1 MiB); the output is the same as with --jobs 1")


def add_conversion(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """`--from PLATFORM` and what a site may tell the adapters (`convert`, and `run --from`)."""
    parser.add_argument("--from", dest="adapter", choices=PLATFORMS, required=required, metavar="PLATFORM",
                        help="the platform whose records the inputs are: " + ", ".join(PLATFORMS))
    parser.add_argument("--names", action="append", default=[], metavar="FILE",
                        help="a JSON file of id -> name for queues, users, workers and flows (repeatable)")
    parser.add_argument("--no-repair", action="store_true",
                        help="genesys-cloud: reject timestamps with one-digit fields instead of repairing them")
    parser.add_argument("--abandon-reason", action="append", dest="abandon_reasons", metavar="TEXT",
                        help="twilio-taskrouter: a task.canceled reason that means the customer left "
                             "(repeatable; default: hangup)")
    parser.add_argument("--window", type=whole_number(1, "records"), metavar="N",
                        help="twilio-taskrouter: records a task's events may come after its last one "
                             "(default: 100000)")
