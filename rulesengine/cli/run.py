"""`rulesengine run`: the main job, events in, one descriptor row per party out."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Generator
from contextlib import ExitStack, closing
from typing import TYPE_CHECKING

import msgspec
import orjson

from rulesengine.cli import coverage, options
from rulesengine.cli.batch import Batch, add_state_option
from rulesengine.cli.destination import add_output, check_distinct, open_atomic, rule_files
from rulesengine.cli.messages import complain, loaded_or_exit, print_diagnostics, sources_or_exit
from rulesengine.cli.progress import Progress
from rulesengine.decide.decider import Decider
from rulesengine.events.assemble import Rejection
from rulesengine.events.parquet import ParquetUnavailable
from rulesengine.events.read import InputError
from rulesengine.output.files import AtomicFile, BinarySink, Output, OutputError, commit_together
from rulesengine.output.parquet import ParquetWriter
from rulesengine.output.rows import FIELDS, STREAM_WRITERS, WRITERS, Row, RowWriter
from rulesengine.output.table import TableWriter
from rulesengine.runtime.carry import CarryOver
from rulesengine.runtime.parallel import Rendered, WorkerLost, can_share, decide_parallel, jobs_for
from rulesengine.runtime.pipeline import Evaluated, RunStats, decide_sources
from rulesengine.runtime.state import STAGED, StateError
from rulesengine.speedups.spilled_sort import SpilledSort
from rulesengine.wording import counted

if TYPE_CHECKING:
    from rulesengine.adapters import ConversionStats

#: the width a table is fitted to when COLUMNS is not a number and stdout's width is unknown
FALLBACK_WIDTH = 80


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="evaluate events and write one descriptor row per party",
        description="Evaluate interaction events and write one descriptor row per party. "
                    "Rows come out as interactions complete; --sort holds them all (past 64 MB in "
                    "temporary files) and orders them by interaction id.",
    )
    options.add_event_sources(parser)
    options.add_conversion(parser, required=False)
    options.add_rule_sources(parser)
    parser.add_argument("--format", choices=sorted([*WRITERS, "parquet"]),
                        help="output format (default: jsonl, or what --output's name ends in: .parquet, "
                             ".csv; parquet needs the parquet extra). An output named .gz, .bz2 or .xz is "
                             "written compressed")
    parser.add_argument("--wide", action="store_true",
                        help="with --format table: every column in full, however wide the terminal")
    add_output(parser, "rows")
    parser.add_argument("--rejects", metavar="FILE",
                        help="write rejected interactions and late events, with reasons, as JSON lines")
    parser.add_argument("--sort", action="store_true",
                        help="order all rows by interaction id (held until the input ends: past 64 MB in "
                             "temporary files)")
    options.add_jobs(parser)
    add_state_option(parser)
    parser.add_argument("--fail-on-undecided", action="store_true",
                        help="exit 1 when any party is not fully decided by a rule (a row with Unspecified "
                             "role, result or record)")
    coverage.add_options(parser, "the events")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        output_format = options.output_format(args.format, args.output, ("parquet", "csv"))
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine run", problem)
        return 2
    if args.wide and output_format != "table":
        complain("rulesengine run", "--wide applies to --format table only")
        return 2
    sources = sources_or_exit(args)
    if sources is None:
        return 2
    try:
        _check_outputs(args, sources, output_format)
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine run", problem)
        return 2
    loaded = loaded_or_exit(args)
    decider = None if loaded is None else coverage.decider_for(loaded, args)
    if decider is None:
        return 2
    stats = RunStats(coverage=coverage.counts(decider))
    conversion = _conversion() if args.adapter else None
    try:
        batch = _batch(args, sources)
    except (argparse.ArgumentTypeError, StateError) as problem:
        complain("rulesengine run", problem)
        return 2
    try:
        if batch is not None and batch.repeated:
            batch.note_repeated()
            return 0
        _write_results(args, sources, decider, output_format, stats, conversion, batch)
    except InputError as problem:
        complain("rulesengine", problem)
        return 2
    except (OutputError, ParquetUnavailable, StateError, WorkerLost) as problem:
        complain("rulesengine run", problem)
        return 2
    finally:
        if batch is not None:
            batch.close()
    if conversion is not None:
        from rulesengine.cli import convert

        convert.print_summary(args.adapter, conversion, "rulesengine")
    _print_summary(stats, time.perf_counter() - started, fail_on_undecided=args.fail_on_undecided, state=args.state)
    stream = stats.stream
    undecided = args.fail_on_undecided and stats.undecided
    status = 1 if stream.rejected or stream.late_events or stream.bad_lines or stats.problems or undecided else 0
    return max(status, coverage.report(args, decider))


def _check_outputs(args: argparse.Namespace, sources: list[str], output_format: str) -> None:
    """Usage errors in where the results go, found before anything is read or written.

    Two outputs that are one file would leave only the one written last, and an output
    that is an input would be replaced by what was made from it. An output in the state
    folder may be one of its files (`-o DIR/state`: the committed state would replace the rows).
    """
    if output_format == "parquet" and args.output is None and sys.stdout.isatty():
        raise argparse.ArgumentTypeError("Parquet is binary and standard output is a terminal: "
                                         "give --output FILE.parquet, or redirect standard output")
    outputs = (("--output", args.output), ("--rejects", args.rejects), ("--coverage-file", args.coverage_file))
    check_distinct(outputs, [*sources, *rule_files(args.rules)])
    for option, path in outputs:
        if path is not None and args.state is not None and _in_folder(path, args.state):
            raise argparse.ArgumentTypeError(f"{option} {path} is in the state folder {args.state}, whose files "
                                             "are the state's own: write it elsewhere")
    if args.coverage_file is not None:
        try:  # written once the rows are: one that cannot be is found before anything is written
            AtomicFile(args.coverage_file).discard()
        except OutputError as problem:
            raise argparse.ArgumentTypeError(str(problem)) from None


def _in_folder(path: str, folder: str) -> bool:
    """Whether `path` names a file right in `folder`, which may not exist yet."""
    parent = os.path.dirname(os.path.abspath(path))
    try:
        return os.path.samefile(parent, folder)
    except OSError:
        return os.path.realpath(parent) == os.path.realpath(folder)


def _batch(args: argparse.Namespace, sources: list[str]) -> Batch | None:
    """The state folder of `--state`, locked, what it holds read, or None without `--state`."""
    if args.state is None:
        return None
    if args.adapter:
        raise argparse.ArgumentTypeError("--state takes contract events: convert platform records first "
                                         "(rulesengine convert), then run each batch with --state")
    try:
        return Batch(args.state, sources)
    except OSError as problem:
        raise StateError(f"cannot use state folder {args.state}: {problem.strerror or problem}") from None


def _write_results(args: argparse.Namespace, sources: list[str], decider: Decider, output_format: str,
                   stats: RunStats, conversion: ConversionStats | None, batch: Batch | None) -> None:
    """Evaluate every interaction and write its rows and rejections; commit the output files
    only once all is written (any failure on the way discards them), together with the new
    state of a batch."""
    with ExitStack() as stack:
        outputs = (args.output, args.rejects)
        planned: dict[str, str] = {}
        if batch is not None:
            stack.callback(batch.abandon)
            planned = batch.begin(outputs)
        files = [open_atomic(stack, path, suffix=STAGED, temporary=planned[path]) if path in planned
                 else open_atomic(stack, path) for path in outputs]
        rows_out = files[0] or Output(sys.stdout.buffer, "standard output")
        rejects_out = files[1]
        writer = _writer(output_format, rows_out, wide=args.wide, terminal=files[0] is None and sys.stdout.isatty())
        if isinstance(writer, ParquetWriter):
            stack.callback(writer.discard)  # on a failure, before the file is discarded
        spilled = stack.enter_context(closing(SpilledSort())) if args.sort else None
        shown = interactions = rows = 0
        progress = stack.enter_context(closing(Progress(sys.stderr)))
        carry = None if batch is None else batch.carry
        results = stack.enter_context(closing(_results(args, sources, decider, output_format, stats, conversion,
                                                       carry)))
        for item in results:
            if isinstance(item, Rejection):
                if rejects_out is not None:
                    rejects_out.write(orjson.dumps(item.to_json()) + b"\n")
                progress.close()
                shown += print_diagnostics(item.diagnostics, already_shown=shown)
                continue
            if item.problems:
                progress.close()
                shown += print_diagnostics(item.problems, already_shown=shown)
            interactions += 1
            if isinstance(item, Rendered):
                rows += item.rows
                if spilled is not None:
                    spilled.add(item.interaction, _RENDERED + item.data)
                else:
                    rows_out.write(item.data)
            else:
                rows += len(item.rows)
                if spilled is not None:
                    if item.rows:
                        spilled.add(item.rows[0].interaction, _ROWS + _ENCODE_ROWS(item.rows))
                else:
                    writer.write(item.rows)
            progress.update(interactions, rows)
        progress.close()
        if spilled is not None:
            _write_sorted(spilled, rows_out, writer)
        writer.close()
        if batch is not None:
            batch.commit(files)
            return
        commit_together(files)


#: what `--sort` holds for an interaction: its rows as the workers wrote them (a tag, then the
#: bytes), or its rows themselves for this process's writer (a tag, then one MessagePack array)
_RENDERED, _ROWS = b"R", b"M"
_ENCODE_ROWS = msgspec.msgpack.Encoder().encode
_DECODE_ROWS = msgspec.msgpack.Decoder(list[Row]).decode


def _write_sorted(spilled: SpilledSort, rows_out: Output, writer: RowWriter) -> None:
    """What `--sort` held, by interaction id: rendered bytes as they are, rows through `writer`."""
    for held in spilled:
        data = memoryview(held)[1:]
        if held[:1] == _ROWS:
            writer.write(_DECODE_ROWS(data))
        else:
            rows_out.write(data)


def _writer(output_format: str, stream: BinarySink, *, wide: bool, terminal: bool) -> RowWriter:
    if output_format == "parquet":
        return ParquetWriter(stream, FIELDS)
    if output_format == "table":
        return TableWriter(stream, None if wide else _table_width(terminal))
    return STREAM_WRITERS[output_format](stream)


def _table_width(terminal: bool) -> int | None:
    """The width to fit a table to: COLUMNS, else the terminal's; None shows every column.

    A table going to a pipe or a file is fitted only when COLUMNS asks for it, so that
    what a script or a document captures does not depend on the window it ran in.
    """
    if "COLUMNS" in os.environ or terminal:
        return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
    return None


def _results(args: argparse.Namespace, sources: list[str], decider: Decider, output_format: str,
             stats: RunStats, conversion: ConversionStats | None,
             carry: CarryOver | None) -> Generator[Evaluated | Rendered | Rejection, None, None]:
    """Results in input order, from one process or from `--jobs` workers when the input allows.

    Workers write streamable formats themselves; for the others (a table, Parquet)
    they send rows for this process's writer. Records converted on the fly (`--from`)
    run on one process.
    """
    if conversion is not None:
        from rulesengine.cli import convert

        return convert.evaluate_converted(args, decider, stats, conversion)
    jobs = jobs_for(sources, args.jobs)
    if jobs == 1 or not can_share(sources):
        return decide_sources(sources, decider, include_open=args.include_open, stats=stats, carry=carry)
    streamed = STREAM_WRITERS.get(output_format)
    return decide_parallel(sources, decider, streamed, jobs=jobs, include_open=args.include_open,
                             stats=stats, carry=carry)


def _conversion() -> ConversionStats:
    """Counts for `--from`; the adapters are imported only by a run that converts."""
    from rulesengine.adapters import ConversionStats

    return ConversionStats()


def _print_summary(stats: RunStats, seconds: float, *, fail_on_undecided: bool, state: str | None) -> None:
    stream = stats.stream
    parts = [
        f"{counted(stream.interactions, 'interaction')} read",
        f"{stream.evaluated} evaluated",
        f"{stream.rejected} rejected",
        f"{stream.held_open} held open",
    ]
    if stream.late_events:
        parts.append(counted(stream.late_events, "late event"))
    if stream.bad_lines:
        parts.append(counted(stream.bad_lines, "unreadable line"))
    summary = f"rulesengine: {', '.join(parts)}; {counted(stats.rows, 'row')} written in {seconds:.2f}s"
    print(summary, file=sys.stderr)
    if stats.undecided:
        severity = "error" if fail_on_undecided else "warning"
        print(f"rulesengine: {severity}: {counted(stats.undecided, 'party', 'parties')} not fully decided "
              "by any rule (rows with Unspecified parts)", file=sys.stderr)
    if stream.held_open and state is not None:
        print(f"rulesengine: note: {counted(stream.held_open, 'interaction')} "
              f"{'has' if stream.held_open == 1 else 'have'} no interaction.ended yet; "
              f"kept in {state} for the next batch", file=sys.stderr)
    elif stream.held_open:
        one = stream.held_open == 1
        print(f"rulesengine: note: {counted(stream.held_open, 'interaction')} "
              f"{'has' if one else 'have'} no interaction.ended yet; "
              f"--include-open evaluates {'it' if one else 'them'} as provisional", file=sys.stderr)
