"""`rulesengine convert`: contract events between JSON lines and Parquet; a platform's records
in, contract events out; and `run --from`.

Without `--from`, the inputs are contract events (JSON lines, or Parquet by their
name) read as `run` reads them, a line or a Parquet row batch at a time, and
written in the other format (`--format`, or the output's name) as they are read:
memory stays flat however large the files. A line that is no event is reported
(and kept out) as `run` reports it.

With `--from`, exports are read through an adapter (`rulesengine.adapters`) and
every converted event read back as an event line, so that what is handed on is
exactly what `rulesengine run` accepts: an interaction whose events would break
the contract is rejected here, naming the source record, like a record the adapter
could not map. `convert` writes the events; `run --from` gives them straight to the
assembler, one interaction at a time, so memory stays bounded as for `run`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack

import attrs
import orjson

from rulesengine.adapters import ADAPTERS, Converted, Options, Unmapped, UnreadableSource, convert
from rulesengine.adapters.names import Names, NamesError, load_names
from rulesengine.adapters.outcome import ASSUMPTIONS, CONTRADICTION, ConversionStats, problem
from rulesengine.adapters.records import check_sources
from rulesengine.cli import options
from rulesengine.cli.destination import USAGE_OR_INPUT_ERROR, add_output, check_distinct, open_atomic
from rulesengine.cli.messages import complain, print_diagnostics
from rulesengine.decide.decider import Decider
from rulesengine.events.assemble import Assembler, Rejection
from rulesengine.events.contract import AnyEvent
from rulesengine.events.parquet import ParquetUnavailable
from rulesengine.events.read import InputError, LoadedLine, ReadCounts, read_line, read_lines
from rulesengine.events.wellformed import problems_of
from rulesengine.output.events import FORMATS, event_writer
from rulesengine.output.files import BinarySink, Output, OutputError, commit_together
from rulesengine.runtime.pipeline import Evaluated, RunStats, decide_interaction
from rulesengine.wording import counted

#: how many kinds of ignored record the summary names
SHOWN_IGNORED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert", help="convert events between JSON lines and Parquet, or a platform's records to events",
        description="Read contract events (JSON lines, or Parquet files named *.parquet) and write them "
                    "as Parquet or JSON lines; or, with --from, read a contact-center platform's own "
                    "records and write the interaction events rulesengine reads (contract 1.1). Lines "
                    "that are no event, and records that cannot be mapped, go to --rejects with their "
                    "place and reasons.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="event files (JSON lines, plain or compressed, or Parquet by the .parquet "
                             "suffix); with --from, "
                             "export files or folders (JSON lines, a record, an array, a query result); "
                             "'-' reads stdin")
    options.add_conversion(parser, required=False)
    parser.add_argument("--format", choices=FORMATS,
                        help="what to write: jsonl (the default) or parquet (the default when --output "
                             "ends in .parquet; needs the parquet extra); JSON lines named .gz, .bz2 or .xz "
                             "are written compressed")
    add_output(parser, "the events")
    parser.add_argument("--rejects", metavar="FILE",
                        help="write every line that is no event, or record that could not be mapped, "
                             "with reasons, as JSON lines")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    stats = ConversionStats()
    try:
        written_as = options.output_format(args.format, args.output, ("parquet",))
        check_distinct((("--output", args.output), ("--rejects", args.rejects)), args.inputs)
        _check_options(args, written_as)
    except argparse.ArgumentTypeError as problem:
        complain("rulesengine convert", problem)
        return USAGE_OR_INPUT_ERROR
    if args.adapter is None:
        return _convert_events(args, written_as, started)
    try:
        chosen = adapter_options(args)
        check_sources(args.inputs)
        with ExitStack() as stack:
            written = [open_atomic(stack, path) for path in (args.output, args.rejects)]
            writer = event_writer(written_as, written[0] or _stdout())
            stack.callback(writer.discard)
            rejects = written[1]
            shown = 0
            for item in checked(convert(args.adapter, args.inputs, chosen, stats), stats):
                if isinstance(item, Rejection):
                    if rejects is not None:
                        rejects.write(orjson.dumps(item.to_json()) + b"\n")
                    shown += print_diagnostics(item.diagnostics, already_shown=shown)
                else:
                    for _, event in item:
                        writer.write(event)
            writer.close()
            commit_together(written)
    except (InputError, UnreadableSource, NamesError, OutputError, ParquetUnavailable) as unusable:
        complain("rulesengine convert", unusable)
        return USAGE_OR_INPUT_ERROR
    print_summary(args.adapter, stats, "rulesengine convert", time.perf_counter() - started)
    return 1 if stats.rejected else 0


def _stdout() -> BinarySink:
    return Output(sys.stdout.buffer, "standard output")


def _check_options(args: argparse.Namespace, written_as: str) -> None:
    """Usage errors found before anything is read: an adapter's option without `--from`,
    Parquet for a terminal."""
    if args.adapter is None:
        given = [option for option, value in (("--names", args.names), ("--no-repair", args.no_repair),
                                              ("--abandon-reason", args.abandon_reasons),
                                              ("--window", args.window is not None)) if value]
        if given:
            raise argparse.ArgumentTypeError(f"{given[0]} is an option of --from: the inputs are contract events")
    if written_as == "parquet" and args.output is None and sys.stdout.isatty():
        raise argparse.ArgumentTypeError("Parquet is binary and standard output is a terminal: "
                                         "give --output FILE.parquet, or redirect standard output")


def _convert_events(args: argparse.Namespace, written_as: str, started: float) -> int:
    """Contract events from JSON lines or Parquet to `written_as`, as they are read; a line that
    is no event is reported, and goes to `--rejects`, as `run` would reject it."""
    counts = ReadCounts()
    events = rejected = shown = 0
    try:
        with ExitStack() as stack:
            written = [open_atomic(stack, path) for path in (args.output, args.rejects)]
            writer = event_writer(written_as, written[0] or _stdout())
            stack.callback(writer.discard)
            rejects = written[1]
            for item in read_lines(args.inputs, counts):
                if type(item) is LoadedLine:
                    problems = item.diagnostics
                else:
                    problems = writer.refused(item)  # a valid line the format cannot hold
                    if not problems:
                        writer.write(item)
                        events += 1
                        continue
                rejected += 1
                if rejects is not None:
                    rejects.write(orjson.dumps(Rejection(item.interaction, problems).to_json()) + b"\n")
                shown += print_diagnostics(problems, already_shown=shown)
            writer.close()
            commit_together(written)
    except (InputError, OutputError, ParquetUnavailable) as unusable:
        complain("rulesengine convert", unusable)
        return USAGE_OR_INPUT_ERROR
    print(f"rulesengine convert: {counted(counts.lines, 'line')} read, {counted(events, 'event')} written "
          f"as {written_as}, {rejected} rejected in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return 1 if rejected else 0


def adapter_options(args: argparse.Namespace) -> Options:
    """The chosen adapter's options from the command line; `NamesError` for a bad names file."""
    adapter = ADAPTERS[args.adapter]
    given = {"names": load_names(args.names) if args.names else Names(), "repair": not args.no_repair,
             "window": args.window, "abandon_reasons": args.abandon_reasons}
    fields = {field.name for field in attrs.fields(adapter.options)}
    return adapter.options(**{name: value for name, value in given.items() if name in fields and value is not None})


def checked(items: Iterable[Converted | Unmapped], stats: ConversionStats
            ) -> Iterator[Rejection | list[tuple[bytes, AnyEvent]]]:
    """Each interaction's events as event lines and the `Event`s the loader reads from them, or
    the rejection of what could not be mapped or would break the contract."""
    for item in items:
        if isinstance(item, Unmapped):
            yield Rejection(item.interaction, item.problems)
            continue
        place = item.place
        lines = [orjson.dumps(event) for event in item.events]
        read = [read_line(line, place.path, place.line or 1) for line in lines]
        events = [event for event in read if not isinstance(event, LoadedLine)]
        problems = [diagnostic for event in read if isinstance(event, LoadedLine) for diagnostic in event.diagnostics]
        problems = problems or problems_of(events)
        if problems:
            stats.interactions -= 1
            stats.open -= not item.ended
            stats.rejected += 1
            yield Rejection(item.interaction, [problem(
                place, CONTRADICTION,
                f"{item.interaction}: the events made from this record break the event contract: "
                f"{diagnostic.code} {diagnostic.message}") for diagnostic in problems])
            continue
        yield list(zip(lines, events, strict=True))


def evaluate_converted(args: argparse.Namespace, decider: Decider, stats: RunStats,
                       conversion: ConversionStats) -> Generator[Evaluated | Rejection, None, None]:
    """`run --from`: rows of the interactions converted from the inputs, as they complete.

    A record that could not be mapped is a rejection like a broken interaction (counted as
    an unreadable line when it names no interaction), so the summary, the reject file and
    the exit code treat both alike.
    """
    if args.sample:
        raise InputError(f"--sample is contract events, not {args.adapter} records: leave out --from to read it")
    if not args.events:
        raise InputError(f"--from {args.adapter} reads the files named on the command line: none was given")
    try:
        chosen = adapter_options(args)
        check_sources(args.events)
    except (NamesError, UnreadableSource) as unusable:
        raise InputError(str(unusable)) from None
    counts = ReadCounts()
    stream = stats.stream
    assembler = Assembler(include_open=args.include_open, stats=stream, counts=counts)
    try:
        for item in checked(convert(args.adapter, args.events, chosen, conversion), conversion):
            if isinstance(item, Rejection):
                stream.rejected += 1
                if item.interaction is None:
                    stream.bad_lines += 1
                else:
                    stream.interactions += 1
                yield item
                continue
            for _, event in item:
                counts.lines += 1
                done = assembler.take(event)
                if done is not None:
                    stream.lines = counts.lines
                    yield done if isinstance(done, Rejection) else decide_interaction(done, decider, stats)
    except UnreadableSource as unusable:
        raise InputError(str(unusable)) from None
    stream.lines = counts.lines
    for done in assembler.finish():
        yield done if isinstance(done, Rejection) else decide_interaction(done, decider, stats)


def print_summary(name: str, stats: ConversionStats, program: str, seconds: float | None = None) -> None:
    """What was read, written and rejected; then what was assumed, ignored or left unnamed."""
    unit = ADAPTERS[name].unit
    made = f"{counted(stats.interactions, 'interaction')} made" + (f" ({stats.open} open)" if stats.open else "")
    took = f" in {seconds:.2f}s" if seconds is not None else ""
    print(f"{program}: from {name}: {counted(stats.records, *unit)} read, {made}, {stats.rejected} rejected{took}",
          file=sys.stderr)
    if stats.assumed:
        assumed = ", ".join(counted(number, *ASSUMPTIONS[name_]) for name_, number in sorted(stats.assumed.items()))
        print(f"{program}: note: assumed: {assumed} (noted in the events' data)", file=sys.stderr)
    if stats.ignored:
        kinds = sorted(stats.ignored.items(), key=lambda pair: (-pair[1], pair[0]))
        named = ", ".join(f"{kind} ×{number}" for kind, number in kinds[:SHOWN_IGNORED])
        more = ", ..." if len(kinds) > SHOWN_IGNORED else ""
        print(f"{program}: note: ignored, as they map to no event: {named}{more}", file=sys.stderr)
    if stats.unnamed:
        print(f"{program}: warning: {counted(len(stats.unnamed), 'id')} not in --names, kept as the resource",
              file=sys.stderr)
