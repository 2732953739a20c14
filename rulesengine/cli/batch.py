"""`run --state DIR`: one batch of a stream, started from what the last batch left open."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rulesengine.output.files import AtomicFile, replaced_path, temporary_name
from rulesengine.runtime.carry import CarryOver
from rulesengine.runtime.state import STAGED, StateError, StateFolder, contents, identity


def add_state_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", metavar="DIR",
                        help="the input is one batch of a stream: start from the interactions DIR holds open "
                             "and leave there those still open at the end (see docs/cli.md)")


class Batch:
    """A run on a locked state folder: what it starts from, and the commit of what it makes."""

    def __init__(self, folder: str, sources: Sequence[str]) -> None:
        self.state = StateFolder(folder)
        try:
            self.state.recover()
            self.carry = CarryOver(self.state.load())
            try:
                self.identity = identity(sources)
                self.contents = contents(sources) if self.identity is not None else None
            except OSError:
                # an input that cannot be read: reading it says so, as it does without --state
                self.identity = None
                self.contents = None
        except BaseException:
            self.state.close()
            raise

    @property
    def repeated(self) -> bool:
        """The state was made by these very input files (unchanged): they are taken in already."""
        return (self.identity is not None and self.identity == self.state.batch
                and self.state.contents in (None, self.contents))  # a state of before the digests: none

    def begin(self, paths: Sequence[str | None]) -> dict[str, str]:
        """The temporary name of each output (by path; None: not asked for), listed in the journal
        before any of them is made: a run killed at any moment leaves no temporary file that the
        next run on the folder does not know of and remove."""
        planned = {path: temporary_name(replaced_path(path), STAGED) for path in paths if path is not None}
        self.state.begin([(temporary, replaced_path(path)) for path, temporary in planned.items()])
        return planned

    def commit(self, outputs: Sequence[AtomicFile | None]) -> None:
        assert self.carry.end is not None, "the batch was not read to its end"
        try:
            self.state.commit(self.carry.end, self.identity, [output for output in outputs if output is not None],
                              self.contents)
        except OSError as problem:
            raise StateError(f"cannot write state folder {self.state.path}: {problem.strerror or problem}") from None

    def abandon(self) -> None:
        self.state.abandon()

    def close(self) -> None:
        self.state.close()

    def note_repeated(self) -> None:
        print(f"rulesengine run: note: state {self.state.path} already holds this batch (the same input files, "
              "unchanged): nothing written", file=sys.stderr)
