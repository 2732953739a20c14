"""`rulesengine sample`: the bundled sample events, as a file to read, edit and run."""

from __future__ import annotations

import argparse
from importlib import resources

from rulesengine.cli import options
from rulesengine.cli.destination import TextSink, add_output, write_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sample", help="write the bundled sample events (every documented flow, 300 generated chats)",
        description="Write the sample events that --sample reads: every documented chat flow, "
                    "then 300 generated chats, as JSON lines. A file to look at, to start an "
                    "adapter's tests from, or to follow the README's tour with.",
    )
    add_output(parser, "the events")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    return write_output(args.output, "sample", _copy)


def _copy(out: TextSink) -> int:
    out.write(resources.files("rulesengine.sample").joinpath(options.SAMPLE).read_text(encoding="utf-8"))
    return 0
