"""`rulesengine run`: the main job, events in, one descriptor row per party out."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from typing import IO

import orjson

from rulesengine.assemble import Rejection
from rulesengine.cli import options
from rulesengine.cli.report import print_diagnostics, rules_or_exit
from rulesengine.loader import InputError
from rulesengine.output import WRITERS, AtomicFile, Row, sorted_rows
from rulesengine.pipeline import Evaluated, RunStats, evaluate


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="evaluate events and write one descriptor row per party",
        description="Evaluate interaction events and write one descriptor row per party. "
                    "Rows come out as interactions complete; --sort buffers them all and "
                    "orders them by interaction id.",
    )
    options.add_event_sources(parser)
    options.add_rule_sources(parser)
    parser.add_argument("--format", choices=sorted(WRITERS), default="jsonl",
                        help="output format (default: jsonl)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write rows to FILE (atomically) instead of stdout")
    parser.add_argument("--rejects", metavar="FILE",
                        help="write rejected interactions and late events, with reasons, as JSON lines")
    parser.add_argument("--sort", action="store_true",
                        help="order all rows by interaction id (buffers the whole output)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    evaluator = rules_or_exit(args)
    if evaluator is None:
        return 2
    stats = RunStats()
    with ExitStack() as stack:
        files: list[AtomicFile] = []
        rows_out = _open(stack, files, args.output) or sys.stdout.buffer
        rejects_out = _open(stack, files, args.rejects)
        writer = WRITERS[args.format](rows_out)
        buffered: list[Row] = []
        shown = 0
        try:
            for item in evaluate(options.event_sources(args), evaluator,
                                 include_open=args.include_open, stats=stats):
                if isinstance(item, Rejection):
                    if rejects_out is not None:
                        rejects_out.write(orjson.dumps(item.to_json()) + b"\n")
                    shown += print_diagnostics(item.diagnostics, already_shown=shown)
                    continue
                shown += print_diagnostics(item.problems, already_shown=shown)
                if args.sort:
                    buffered.extend(item.rows)
                else:
                    writer.write(item.rows)
        except InputError as problem:
            print(f"rulesengine: error: {problem}", file=sys.stderr)
            return 2
        if args.sort:
            writer.write(sorted_rows(buffered))
        writer.close()
        for target in files:
            target.commit()
    _print_summary(stats, time.perf_counter() - started, shown)
    stream = stats.stream
    return 1 if stream.rejected or stream.late_events or stream.bad_lines or stats.problems else 0


def _open(stack: ExitStack, files: list[AtomicFile], path: str | None) -> IO[bytes] | None:
    """A stream for `path`, discarded unless the run commits it at the end."""
    if path is None:
        return None
    target = AtomicFile(path)
    stack.callback(target.discard)
    files.append(target)
    return target.stream


def _print_summary(stats: RunStats, seconds: float, shown: int) -> None:
    stream = stats.stream
    parts = [
        f"{stream.interactions} interactions read",
        f"{stream.evaluated} evaluated",
        f"{stream.rejected} rejected",
        f"{stream.held_open} held open",
    ]
    if stream.late_events:
        parts.append(f"{stream.late_events} late events")
    if stream.bad_lines:
        parts.append(f"{stream.bad_lines} unreadable lines")
    summary = f"rulesengine: {', '.join(parts)}; {stats.rows} rows written in {seconds:.2f}s"
    print(summary, file=sys.stderr)
    if stats.undecided:
        print(f"rulesengine: warning: {stats.undecided} parties not fully decided by any rule "
              "(rows with Unspecified parts)", file=sys.stderr)
    if stream.held_open:
        print(f"rulesengine: note: {stream.held_open} interactions have no interaction.ended yet; "
              "--include-open evaluates them as provisional", file=sys.stderr)
