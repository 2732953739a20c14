"""Streaming assembly: event lines in, complete interactions (or their rejections) out.

Events of many interactions interleave; one interaction's events may come in any
order until its `interaction.ended`. When that arrives the interaction is checked
against the contract's well-formedness rules (`wellformed.walk`), handed on at once and
forgotten, so memory is bounded by the interactions still open, never by the size
of the input. A completed interaction's id is remembered for the next
`late_window` input lines, so an event that arrives after its interaction was
evaluated is reported as late instead of silently opening a new, broken
interaction. Ids are kept as fingerprints in arrays (`speedups.recent_ids`), at most one per
line of the window, so memory is bounded whatever the length of the input; and
the window is counted in lines, the same for every `--jobs` worker, so that
each worker judges lateness exactly as one process would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter

import attrs
import msgspec

from rulesengine.diagnostics import Diagnostic, Position, Severity
from rulesengine.events.contract import AnyEvent, Event
from rulesengine.events.read import LineBatch, LoadedLine, ReadCounts, Select, field_problem, read_batches
from rulesengine.events.wellformed import LISTED_PER_CODE, Survey, walk
from rulesengine.speedups.recent_ids import RecentIds, fingerprint

REJECTED = "rejected"
LATE = "late"


class Interaction(msgspec.Struct, frozen=True, gc=False):
    """A complete, well-formed interaction, its events sorted by `seq` (a `msgspec.Struct`, like `Event`)."""

    id: str
    events: tuple[AnyEvent, ...]
    #: evaluated while still open (no `interaction.ended` yet), on request
    provisional: bool = False
    #: what the well-formedness walk saw of `events`, which the interaction model is built from;
    #: None when the interaction was made some other way (the model then walks the events itself)
    survey: Survey | None = None


def _diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """`tuple` as a converter whose type mypy can follow."""
    return tuple(diagnostics)


@attrs.frozen
class Rejection:
    """An interaction, or a line with no readable interaction id, that will not be evaluated.

    `kind` is `rejected` (the interaction or line is broken) or `late` (the event
    arrived after its interaction had already been evaluated).
    """

    interaction: str | None
    diagnostics: tuple[Diagnostic, ...] = attrs.field(converter=_diagnostics)
    kind: str = attrs.field(default=REJECTED, validator=attrs.validators.in_((REJECTED, LATE)))

    def to_json(self) -> dict:
        """The reject-output record: which interaction, why, and where each reason points."""
        return {
            "interaction": self.interaction,
            "kind": self.kind,
            "reasons": [{"text": problem.headline(), **problem.to_json()}
                        for problem in self.diagnostics],
        }


@attrs.define
class StreamStats:
    """Running counts of one stream, updated as items are produced."""

    lines: int = 0          # physical lines read, blank and comment lines included
    events: int = 0         # lines that held a valid event, counted as their interaction is done
    interactions: int = 0   # distinct interactions opened
    evaluated: int = 0      # `Interaction`s produced
    rejected: int = 0       # `Rejection`s of kind `rejected` produced
    late_events: int = 0    # `Rejection`s of kind `late` produced
    held_open: int = 0      # interactions still open at end of input and not produced
    bad_lines: int = 0      # lines that failed validation


class _Open(msgspec.Struct, gc=False):
    """What is known so far about one interaction that has not ended (one per interaction)."""

    mark: int  # the id's `fingerprint`, remembered once the interaction is done
    events: list[AnyEvent]
    poison: _Findings | None = None  # the problems of its broken lines, if any


class _Findings:
    """The problems of one interaction: the first `LISTED_PER_CODE` of each code, and how many more.

    One interaction can hold thousands of broken events: listing every one helps
    nobody, and keeping every one would let memory follow the input. Past the first
    few of a code they are only counted, and one note says how many there were.
    """

    __slots__ = ("listed", "seen")

    def __init__(self, problems: Iterable[Diagnostic] = ()) -> None:
        self.listed: list[Diagnostic] = []
        self.seen: dict[str, int] = {}
        self.add(problems)

    def add(self, problems: Iterable[Diagnostic]) -> None:
        for problem in problems:
            seen = self.seen[problem.code] = self.seen.get(problem.code, 0) + 1
            if seen <= LISTED_PER_CODE:
                self.listed.append(problem)

    @classmethod
    def restored(cls, listed: Iterable[Diagnostic], seen: dict[str, int]) -> _Findings:
        """The findings a `Carried` interaction held, as they were."""
        findings = cls()
        findings.listed, findings.seen = list(listed), dict(seen)
        return findings

    def diagnostics(self) -> list[Diagnostic]:
        """The listed problems in order of place, then a note for each code that had more."""
        notes = [Diagnostic(Severity.NOTE, code, f"and {seen - LISTED_PER_CODE} more like it in this "
                            "interaction (not listed)")
                 for code, seen in sorted(self.seen.items()) if seen > LISTED_PER_CODE]
        return [*sorted(self.listed, key=attrgetter("sort_key")), *notes]


class OpenInteraction(msgspec.Struct, frozen=True, gc=False):
    """An interaction not ended at the end of a batch, exactly as the assembler holds it:
    its valid events (each with its place and text) and the problems of its broken lines."""

    id: str
    events: tuple[AnyEvent, ...]
    problems: tuple[Diagnostic, ...] = ()  # the first few of each code, as `_Findings` lists them
    seen: dict[str, int] = {}  # how many problems of each code there were; empty when none
    broken: bool = False  # it had a broken line (then it will be rejected when it ends)


class Carried(msgspec.Struct, frozen=True, gc=False):
    """What one batch leaves for the next (`Assembler.carry_over`, `Assembler.resume`), so that
    batches run one after another assemble exactly what one run over all of them would."""

    lines: int = 0  # input lines counted so far, across every batch: what the late window counts
    open: tuple[OpenInteraction, ...] = ()  # by id
    recent: tuple[tuple[int, int], ...] = ()  # (`fingerprint`, line that completed it), oldest first


#: input lines for which a completed interaction is remembered, to recognise its late events
LATE_WINDOW = 1_000_000


class Assembler:
    """The assembly state machine: feed it lines, then finish it at end of input.

    `counts` tells which input line is being taken (`loader.read_lines` keeps it,
    numbering lines across all sources); without it, `feed` counts the lines fed.
    """

    def __init__(self, *, include_open: bool = False, late_window: int = LATE_WINDOW,
                 stats: StreamStats | None = None, counts: ReadCounts | None = None,
                 keep_open: bool = False) -> None:
        if late_window < 0:
            raise ValueError("late_window must be >= 0")
        self.include_open = include_open
        #: the input is one batch of several: what is open at its end carries on (`carry_over`)
        self.keep_open = keep_open
        self.late_window = late_window
        self.stats = stats if stats is not None else StreamStats()
        self.counts_fed = counts is None
        self.counts = counts if counts is not None else ReadCounts()
        self._open: dict[str, _Open] = {}
        self._done = RecentIds(late_window)

    @property
    def open_count(self) -> int:
        """How many interactions are held in memory right now."""
        return len(self._open)

    @property
    def remembered_count(self) -> int:
        """How many completed interaction ids are kept for spotting late events."""
        return len(self._done)

    def feed(self, line: AnyEvent | LoadedLine) -> Iterator[Interaction | Rejection]:
        """Take one line; produce whatever it completes."""
        if self.counts_fed:
            self.counts.lines += 1
        item = self.take(line)
        if item is not None:
            yield item

    def take(self, line: AnyEvent | LoadedLine) -> Interaction | Rejection | None:
        """Take one line, as `loader.read_line` or `parse_line` gives it; return what it
        completes, if anything (`feed` without a generator, and without counting the line:
        `counts` must already say which line this is)."""
        if type(line) is LoadedLine:
            if line.event is None:
                return self._take_broken(line)
            line = line.event
        interaction = line.interaction
        state = self._open.get(interaction)
        if state is None:  # the interaction's first line, or a late one
            state = self._opened(interaction)
            if state is None:
                self.stats.events += 1  # a late event is still a valid line
                return Rejection(interaction, (_late(line.raw, line.source, interaction),), LATE)
        state.events.append(line)
        return self._close(interaction, state) if line.event == _ENDED else None

    def take_batch(self, numbers: Sequence[int], lines: Sequence[AnyEvent | LoadedLine],
                   ) -> list[tuple[int, Interaction | Rejection]]:
        """Take a batch of lines, each at its input line number (`read.read_batches`); return what
        they complete, each with the number of the line that completed it. One loop for the whole
        batch: see `read.BATCH_LINES`."""
        counts, take, open_state = self.counts, self.take, self._open.get
        completed = []
        for number, line in zip(numbers, lines, strict=True):
            counts.lines = number
            if type(line) is not LoadedLine and line.event != _ENDED:
                # most lines: an event of an interaction already open, which it does not end
                state = open_state(line.interaction)
                if state is not None:
                    state.events.append(line)
                    continue
            item = take(line)
            if item is not None:
                completed.append((number, item))
        return completed

    def _take_broken(self, line: LoadedLine) -> Interaction | Rejection | None:
        """A line that failed its own checks: it rejects its interaction, or, with no readable
        interaction id, itself."""
        stats = self.stats
        stats.bad_lines += 1
        interaction, diagnostics = line.interaction, line.diagnostics
        if interaction is None:
            stats.rejected += 1
            return Rejection(None, diagnostics)
        state = self._open.get(interaction)
        if state is None:
            state = self._opened(interaction)
            if state is None:
                return Rejection(interaction, (_late(line.raw, line.position, interaction), *diagnostics), LATE)
        if state.poison is None:
            state.poison = _Findings()
        state.poison.add(diagnostics)
        return self._close(interaction, state) if line.closes else None

    def _opened(self, interaction: str) -> _Open | None:
        """The state of an interaction that is not open; None, counted as a late event,
        when it was completed within the window."""
        mark = fingerprint(interaction)
        done = self._done
        if self.counts.lines >= done.due:
            done.forget(self.counts.lines)
        if mark in done:
            self.stats.late_events += 1
            return None
        state = self._open[interaction] = _Open(mark, [])
        self.stats.interactions += 1
        return state

    def _close(self, interaction: str, state: _Open) -> Interaction | Rejection:
        del self._open[interaction]
        self._done.add(state.mark, self.counts.lines)
        return self._verdict(interaction, state, ended=True)

    def resume(self, carried: Carried) -> None:
        """Start where an earlier batch stopped: its line count, open interactions and the
        ids it remembers (this assembler has taken no line yet)."""
        self.counts.lines = carried.lines
        for held in carried.open:
            poison = _Findings.restored(held.problems, held.seen) if held.broken else None
            self._open[held.id] = _Open(fingerprint(held.id), list(held.events), poison)
        for mark, line in carried.recent:
            self._done.add(mark, line)

    def carry_over(self) -> Carried:
        """What the next batch needs (after `finish`): the open interactions, by id, and the
        ids that a later line could still find late."""
        lines = self.counts.lines
        self._done.forget(lines + 1)
        held = []
        for interaction in sorted(self._open):
            state = self._open[interaction]
            poison = state.poison
            held.append(OpenInteraction(interaction, tuple(state.events)) if poison is None else
                        OpenInteraction(interaction, tuple(state.events), tuple(poison.listed),
                                        dict(poison.seen), broken=True))
        return Carried(lines, tuple(held), tuple(self._done.entries()))

    def finish(self) -> Iterator[Interaction | Rejection]:
        """End of input: produce what is still open, in interaction id order."""
        if self.keep_open:
            yield from self._provisional()
            return
        for interaction in sorted(self._open):
            state = self._open.pop(interaction)
            if state.poison is not None or self.include_open:
                yield self._verdict(interaction, state, ended=False)
            else:
                self.stats.held_open += 1
                self.stats.events += len(state.events)

    def _provisional(self) -> Iterator[Interaction]:
        """End of a batch: the open interactions stay (`carry_over`) and, with `include_open`,
        each one well formed so far is evaluated as provisional. One already broken, or
        broken so far, is rejected only once it ends, as one run over every batch would."""
        for interaction in sorted(self._open):
            state = self._open[interaction]
            self.stats.held_open += 1
            if self.include_open and state.poison is None:
                events = sorted(state.events, key=_SEQ)
                survey = walk(events)
                if not survey.problems:
                    self.stats.evaluated += 1
                    yield Interaction(interaction, tuple(events), provisional=True, survey=survey)

    def _verdict(self, interaction: str, state: _Open, *, ended: bool) -> Interaction | Rejection:
        self.stats.events += len(state.events)  # counted here rather than line by line
        if state.poison is not None:
            self.stats.rejected += 1
            return Rejection(interaction, state.poison.diagnostics())
        events = sorted(state.events, key=_SEQ)
        survey = walk(events)
        if not survey.problems:
            self.stats.evaluated += 1
            return Interaction(interaction, tuple(events), provisional=not ended, survey=survey)
        if len({event.seq for event in events}) < len(events):
            # equal seqs, already an error: order them by text, so arrival order never matters
            events.sort(key=_line_order)
            survey = walk(events)
        self.stats.rejected += 1
        return Rejection(interaction, _Findings(survey.problems).diagnostics())


def _late(raw: bytes, position: Position, interaction: str) -> Diagnostic:
    return field_problem(
        raw, position, "E130", "interaction",
        f"late event: interaction '{interaction}' was already evaluated",
        "every event of an interaction must arrive before its interaction.ended",
    )


def assemble(sources: Sequence[str], *, include_open: bool = False,
             late_window: int = LATE_WINDOW, stats: StreamStats | None = None, select: Select | None = None,
             noticed: Callable[[list[AnyEvent | LoadedLine]], object] | None = None,
             sizes: Sequence[int | None] | None = None) -> Iterator[Interaction | Rejection]:
    """Complete interactions and rejections from event files (`-` is stdin), as they complete;
    with `select`, of the lines it takes only, and with `sizes`, of each file up to that size
    (`read.read_batches`). `noticed`, if given, is shown the lines of each batch read before
    they are assembled.

    Raises `loader.InputError` before producing anything if a source cannot be read.
    """
    counts = ReadCounts()
    assembler = Assembler(include_open=include_open, late_window=late_window, stats=stats, counts=counts)
    batches = read_batches(sources, counts, select, sizes)
    if noticed is not None:
        batches = _shown(batches, noticed)
    yield from assemble_batches(batches, assembler)


def _shown(batches: Iterable[LineBatch], noticed: Callable[[list[AnyEvent | LoadedLine]], object],
           ) -> Iterator[LineBatch]:
    for batch in batches:
        noticed(batch[1])
        yield batch


def assemble_batches(batches: Iterable[LineBatch], assembler: Assembler) -> Iterator[Interaction | Rejection]:
    """`assemble_lines` over batches of lines (`read.read_batches`, which keeps the assembler's
    `counts`), a batch through the assembler at a time."""
    stats, take_batch = assembler.stats, assembler.take_batch
    for numbers, lines in batches:
        for number, item in take_batch(numbers, lines):
            stats.lines = number
            yield item
    stats.lines = assembler.counts.lines
    yield from assembler.finish()


def assemble_lines(lines: Iterable[AnyEvent | LoadedLine], assembler: Assembler) -> Iterator[Interaction | Rejection]:
    """Drive `assembler` over already loaded lines, then finish it.

    `stats.lines` is brought up to date whenever something is produced, from the
    assembler's `counts`: kept by the reader, or else counting the lines fed here
    (there are no blank lines to see).
    """
    stats, counts, take = assembler.stats, assembler.counts, assembler.take
    if assembler.counts_fed:
        lines = _counted(lines, counts)
    for line in lines:
        item = take(line)
        if item is not None:
            stats.lines = counts.lines
            yield item
    stats.lines = counts.lines
    yield from assembler.finish()


def _counted(lines: Iterable[AnyEvent | LoadedLine], counts: ReadCounts) -> Iterator[AnyEvent | LoadedLine]:
    for line in lines:
        counts.lines += 1
        yield line


_SEQ = attrgetter("seq")
_ENDED = "interaction.ended"


def _line_order(event: Event) -> tuple:
    """By seq, then by text and place."""
    return (event.seq, event.raw, event.source)
