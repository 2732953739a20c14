"""`rulesengine spark-run`: the main job on Spark, Parquet events in, Parquet rows out.

pyspark is imported only when the command runs, so that the rest of the command line
neither needs the `spark` extra nor pays for it. The same file is the entry point for
spark-submit, which runs a Python file: `spark-submit .../rulesengine/cli/spark_run.py ARGS`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from rulesengine.cli import options
from rulesengine.cli.messages import complain, print_diagnostics
from rulesengine.wording import counted

COMMAND = "rulesengine spark-run"
_INSTALL_HINT = "spark-run needs pyspark: pip install 'rulesengine[spark]'"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spark-run", help="evaluate Parquet events on Spark and write the rows as Parquet",
        description="Evaluate the interactions of Parquet event files (or folders of them) on Spark, "
                    "each on an executor with the same rules and code as run, and write one descriptor "
                    "row per party as a Parquet folder, ordered by interaction. Needs the spark extra "
                    "and a Java runtime.",
    )
    parser.add_argument("events", nargs="+", metavar="EVENTS",
                        help="Parquet event files or folders (paths or URIs Spark reads)")
    parser.add_argument("--output", "-o", required=True, metavar="FOLDER",
                        help="write the rows here, as a Parquet folder (it must not exist)")
    parser.add_argument("--rejects", metavar="FOLDER",
                        help="write rejected interactions and late events here, as a Parquet folder of "
                             "interaction, kind and reasons (JSON text)")
    parser.add_argument("--include-open", action="store_true",
                        help="also evaluate interactions with no interaction.ended, marked provisional")
    options.add_rule_sources(parser)
    parser.add_argument("--master", metavar="URL",
                        help="the Spark master (default: the one spark-submit gives, else local[*])")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    problem = _usage_problem(args)
    if problem is not None:
        complain(COMMAND, problem)
        return 2
    try:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        from rulesengine.spark import descriptors, load_for_spark, read_events
        from rulesengine.spark.session import spark_session, write
    except ImportError:
        complain(COMMAND, _INSTALL_HINT)
        return 2
    rules, loaded = load_for_spark(args.rules, options.settings(args), defaults=not args.no_default_rules)
    print_diagnostics(loaded.diagnostics, program=COMMAND)
    if rules is None:
        return 2
    try:
        spark = spark_session(args.master)
        events, sources = read_events(spark, args.events)
        if "interaction" not in events.columns:
            complain(COMMAND, f"{' '.join(args.events)}: no interaction column: these are not contract events")
            return 2
        written = write(descriptors(events, rules, include_open=args.include_open, sources=sources),
                        args.output, args.rejects)
    except (PySparkException, Py4JJavaError) as failure:
        complain(COMMAND, _first_line(failure))
        return 2
    print(f"rulesengine: {counted(written.rows, 'row')} written, {written.rejected} rejected, "
          f"{counted(written.late, 'late event')} in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return 1 if written.rejected or written.late else 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line before Spark starts: a local input that is not
    there, an output that is, a `--set` without `=`."""
    try:
        options.settings(args)
    except argparse.ArgumentTypeError as problem:
        return str(problem)
    for path in args.events:
        if "://" not in path and not os.path.exists(path):
            return f"cannot read {path}: no such file or folder"
    for option, path in (("--output", args.output), ("--rejects", args.rejects)):
        if path is not None and "://" not in path and os.path.exists(path):
            return f"{option} {path} exists already: Spark writes a new folder; remove it or name another"
    if args.rejects is not None and args.rejects == args.output:
        return "--output and --rejects name the same folder"
    return None


def _first_line(failure: Exception) -> str:
    """Spark's message without the JVM stack trace it carries: for an error of the JVM, the
    first line of its innermost cause's message, which says what went wrong (`... is not a
    Parquet file`), where the error itself names the call that met it (`An error occurred
    while calling o31.parquet`)."""
    cause = getattr(failure, "java_exception", None)
    while cause is not None and cause.getCause() is not None:
        cause = cause.getCause()
    text = str(failure) if cause is None else str(cause.getMessage() or cause.toString())
    lines = text.strip().splitlines()
    return lines[0] if lines else type(failure).__name__


if __name__ == "__main__":  # spark-submit runs this file
    from rulesengine.cli import main

    sys.exit(main(["spark-run", *sys.argv[1:]]))
