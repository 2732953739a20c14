"""Streaming assembly: event lines in, complete interactions (or their rejections) out.

Events of many interactions interleave; one interaction's events may come in any
order until its `interaction.ended`. When that arrives the interaction is checked
against the contract's well-formedness rules (`problems_of`), handed on at once and
forgotten, so memory is bounded by the interactions still open, never by the size
of the input. A completed interaction's id is remembered for the next
`late_window` input lines, so an event that arrives after its interaction was
evaluated is reported as late instead of silently opening a new, broken
interaction. Ids are kept as fingerprints in arrays (`RecentIds`), at most one per
line of the window, so memory is bounded whatever the length of the input; and
the window is counted in lines, the same for every `--jobs` worker, so that
each worker judges lateness exactly as one process would.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from hashlib import blake2b
from operator import attrgetter

import attrs
import msgspec

from rulesengine.diagnostics import Diagnostic, Severity, did_you_mean
from rulesengine.events.contract import PARTY_EVENT_TYPES, Event
from rulesengine.events.read import LoadedLine, ReadCounts, field_problem, read_lines

REJECTED = "rejected"
LATE = "late"


class Interaction(msgspec.Struct, frozen=True, gc=False):
    """A complete, well-formed interaction, its events sorted by `seq` (a `msgspec.Struct`, like `Event`)."""

    id: str
    events: tuple[Event, ...]
    #: evaluated while still open (no `interaction.ended` yet), on request
    provisional: bool = False


@attrs.frozen
class Rejection:
    """An interaction, or a line with no readable interaction id, that will not be evaluated.

    `kind` is `rejected` (the interaction or line is broken) or `late` (the event
    arrived after its interaction had already been evaluated).
    """

    interaction: str | None
    diagnostics: tuple[Diagnostic, ...] = attrs.field(converter=tuple)
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
    events: list[Event]
    poison: _Findings | None = None  # the problems of its broken lines, if any


#: problems of one code listed for one interaction; the rest are counted in a note
LISTED_PER_CODE = 10


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

    def diagnostics(self) -> list[Diagnostic]:
        """The listed problems in order of place, then a note for each code that had more."""
        notes = [Diagnostic(Severity.NOTE, code, f"and {seen - LISTED_PER_CODE} more like it in this "
                            "interaction (not listed)")
                 for code, seen in sorted(self.seen.items()) if seen > LISTED_PER_CODE]
        return [*sorted(self.listed, key=attrgetter("sort_key")), *notes]


#: input lines for which a completed interaction is remembered, to recognise its late events
LATE_WINDOW = 1_000_000


class Assembler:
    """The assembly state machine: feed it lines, then finish it at end of input.

    `counts` tells which input line is being taken (`loader.read_lines` keeps it,
    numbering lines across all sources); without it, `feed` counts the lines fed.
    """

    def __init__(self, *, include_open: bool = False, late_window: int = LATE_WINDOW,
                 stats: StreamStats | None = None, counts: ReadCounts | None = None) -> None:
        if late_window < 0:
            raise ValueError("late_window must be >= 0")
        self.include_open = include_open
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

    def feed(self, line: Event | LoadedLine) -> Iterator[Interaction | Rejection]:
        """Take one line; produce whatever it completes."""
        if self.counts_fed:
            self.counts.lines += 1
        item = self.take(line)
        if item is not None:
            yield item

    def take(self, line: Event | LoadedLine) -> Interaction | Rejection | None:
        """Take one line, as `loader.read_line` or `parse_line` gives it; return what it
        completes, if anything (`feed` without a generator, and without counting the line:
        `counts` must already say which line this is)."""
        if type(line) is LoadedLine and line.event is not None:
            line = line.event
        interaction = line.interaction
        state = self._open.get(interaction)
        if state is not None and type(line) is Event:  # the usual line: one more event
            state.events.append(line)
            return self._close(interaction, state) if line.event == _ENDED else None
        stats = self.stats
        if type(line) is Event:
            diagnostics: tuple[Diagnostic, ...] = ()
            closes = line.event == _ENDED
        else:
            stats.bad_lines += 1
            diagnostics, closes = line.diagnostics, line.closes
            if interaction is None:
                stats.rejected += 1
                return Rejection(None, diagnostics)
        if state is None:
            mark = fingerprint(interaction)
            done = self._done
            if self.counts.lines >= done.due:
                done.forget(self.counts.lines)
            if mark in done:
                stats.late_events += 1
                if type(line) is Event:
                    stats.events += 1  # a late event is still a valid line
                return Rejection(interaction, (_late(line), *diagnostics), LATE)
            state = self._open[interaction] = _Open(mark, [])
            stats.interactions += 1
        if diagnostics:
            if state.poison is None:
                state.poison = _Findings()
            state.poison.add(diagnostics)
        else:
            state.events.append(line)
        return self._close(interaction, state) if closes else None

    def _close(self, interaction: str, state: _Open) -> Interaction | Rejection:
        del self._open[interaction]
        self._done.add(state.mark, self.counts.lines)
        return self._verdict(interaction, state, ended=True)

    def finish(self) -> Iterator[Interaction | Rejection]:
        """End of input: produce what is still open, in interaction id order."""
        for interaction in sorted(self._open):
            state = self._open.pop(interaction)
            if state.poison is not None or self.include_open:
                yield self._verdict(interaction, state, ended=False)
            else:
                self.stats.held_open += 1
                self.stats.events += len(state.events)

    def _verdict(self, interaction: str, state: _Open, *, ended: bool) -> Interaction | Rejection:
        self.stats.events += len(state.events)  # counted here rather than line by line
        events = sorted(state.events, key=_SEQ)
        problems = state.poison or problems_of(events)
        if problems:
            if len({event.seq for event in events}) < len(events):
                # equal seqs, already an error: order them by text, so arrival order never matters
                events.sort(key=_line_order)
                problems = state.poison or problems_of(events)
            self.stats.rejected += 1
            findings = problems if isinstance(problems, _Findings) else _Findings(problems)
            return Rejection(interaction, findings.diagnostics())
        self.stats.evaluated += 1
        return Interaction(interaction, tuple(events), provisional=not ended)


def _late(line: Event | LoadedLine) -> Diagnostic:
    position = line.source if type(line) is Event else line.position
    return field_problem(
        line.raw, position, "E130", "interaction",
        f"late event: interaction '{line.interaction}' was already evaluated",
        "every event of an interaction must arrive before its interaction.ended",
    )


class RecentIds:
    """The interactions completed within the last `window` lines, as fingerprints.

    Ids are given as their `fingerprint`, a 64-bit number, with the number of the
    line that completed them, and kept in arrays: a first-in, first-out queue (the
    order) and an open-addressing table (lookups), at most a third full, grown as
    needed. `forget(line)` drops the ids completed more than `window` lines before
    `line` (`due` says from which line there is something to forget); what is
    remembered therefore depends only on the lines in between, never on how many
    other interactions ended there. At most one id per line of the window, about a
    tenth of the memory of a dict of the ids themselves. A new interaction whose id
    shared a fingerprint with a remembered one would be taken for late: odds of
    about (ids remembered) / 2**64 per new interaction.
    """

    __slots__ = ("window", "due", "_marks", "_lines", "_head", "_slots", "_mask")

    def __init__(self, window: int) -> None:
        self.window = window
        self.due = _NEVER
        self._marks = array("Q")
        self._lines = array("Q")
        self._head = 0  # the oldest entry of the queue still remembered
        self._slots = array("Q", bytes(8 * _FIRST_SLOTS))
        self._mask = _FIRST_SLOTS - 1

    def __len__(self) -> int:
        return len(self._marks) - self._head

    def __contains__(self, mark: int) -> bool:
        slots, mask = self._slots, self._mask
        index = mark & mask
        while found := slots[index]:
            if found == mark:
                return True
            index = (index + 1) & mask
        return False

    def add(self, mark: int, line: int) -> None:
        """Remember an id's fingerprint, completed by input line `line` (lines never go back)."""
        if not self.window:
            return
        if self._head == len(self._marks):
            self.due = line + self.window + 1
        self._marks.append(mark)
        self._lines.append(line)
        if 3 * len(self) > len(self._slots):
            self._grow()
            return
        slots, mask = self._slots, self._mask
        index = mark & mask
        while slots[index]:
            index = (index + 1) & mask
        slots[index] = mark

    def forget(self, line: int) -> None:
        """Forget the ids completed more than `window` lines before `line`."""
        marks, lines, head, oldest = self._marks, self._lines, self._head, line - self.window
        while head < len(lines) and lines[head] < oldest:
            self._discard(marks[head])
            head += 1
        self.due = lines[head] + self.window + 1 if head < len(lines) else _NEVER
        if 2 * head > len(lines):  # most of the queue is forgotten: drop that part
            del marks[:head], lines[:head]
            head = 0
        self._head = head

    def _grow(self) -> None:
        """A table twice as large, holding every id remembered."""
        size = 2 * len(self._slots)
        slots, mask = array("Q", bytes(8 * size)), size - 1
        for mark in self._marks[self._head:]:
            index = mark & mask
            while slots[index]:
                index = (index + 1) & mask
            slots[index] = mark
        self._slots, self._mask = slots, mask

    def _discard(self, mark: int) -> None:
        """Remove one copy of a fingerprint, shifting later probes back (no tombstones)."""
        slots, mask = self._slots, self._mask
        hole = mark & mask
        while slots[hole] != mark:
            hole = (hole + 1) & mask
        index = hole
        while True:
            index = (index + 1) & mask
            found = slots[index]
            if not found:
                break
            # the entry may fill the hole unless its home slot lies cyclically in (hole, index]
            if (index - (found & mask)) & mask >= (index - hole) & mask:
                slots[hole] = found
                hole = index
        slots[hole] = 0


#: slots of a new `RecentIds` table (a power of two)
_FIRST_SLOTS = 1 << 12
#: `RecentIds.due` with nothing to forget
_NEVER = 1 << 63


def fingerprint(key: str) -> int:
    """A non-zero 64-bit fingerprint (0 marks a free slot of `RecentIds`), the same in every
    process (unlike `hash`)."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little") or 1


def assemble(sources: Sequence[str], *, include_open: bool = False,
             late_window: int = LATE_WINDOW, stats: StreamStats | None = None,
             ) -> Iterator[Interaction | Rejection]:
    """Complete interactions and rejections from event files (`-` is stdin), as they complete.

    Raises `loader.InputError` before producing anything if a source cannot be read.
    """
    counts = ReadCounts()
    assembler = Assembler(include_open=include_open, late_window=late_window, stats=stats, counts=counts)
    yield from assemble_lines(read_lines(sources, counts), assembler)


def assemble_lines(lines: Iterable[Event | LoadedLine], assembler: Assembler) -> Iterator[Interaction | Rejection]:
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


def _counted(lines: Iterable[Event | LoadedLine], counts: ReadCounts) -> Iterator[Event | LoadedLine]:
    for line in lines:
        counts.lines += 1
        yield line


_SEQ = attrgetter("seq")
_ENDED = "interaction.ended"


def _line_order(event: Event) -> tuple:
    """By seq, then by text and place."""
    return (event.seq, event.raw, event.source)



_CREATED = "interaction.created"
_ACCEPTED = "party.accepted"
_LEFT = "party.left"
_HELD = "party.held"
_RETRIEVED = "party.retrieved"
_OUTCOMES = frozenset({_ACCEPTED, "party.rejected", "party.revoked"})
_FIRSTS = frozenset({"party.entered", "party.invited"})
_PARTY_EVENTS = frozenset(PARTY_EVENT_TYPES)


class _Party(msgspec.Struct, gc=False):
    """A party as the well-formedness walk has seen it so far."""

    kind: str
    first: Event
    outcome: Event | None = None
    ended: Event | None = None  # left, rejected or revoked: no longer open
    held: Event | None = None  # the party.held of a hold still going on


def _problem(event: Event, code: str, field: str, message: str, hint: str) -> Diagnostic:
    """A diagnostic about `field` of the line an event was read from, the caret under its key."""
    return field_problem(event.raw, event.source, code, field, message, hint)


def problems_of(events: Sequence[Event]) -> list[Diagnostic]:
    """Every broken well-formedness rule of one interaction (events sorted by `seq`).

    Every interaction passes through here, nearly all of them well formed: one walk
    in seq order tests each rule with plain comparisons and builds a diagnostic only
    when one breaks. The order problems are found in does not matter: they are
    reported sorted by place.
    """
    problems: list[Diagnostic] = []
    parties: dict[str, _Party] = {}
    hints: _Hints | None = None
    created: Event | None = None
    ended: Event | None = None
    previous: Event | None = None
    before_created: list[Event] = []
    for event in events:
        name, seq = event.event, event.seq
        if created is None:
            if name == _CREATED:
                created = event
                problems.extend(_before_created(early, event) for early in before_created if early.seq < seq)
            else:
                before_created.append(event)
        elif name == _CREATED:
            problems.append(_problem(
                event, "E111", "event", f"second interaction.created (the first is at {_where(created, event)})",
                "an interaction is created once"))
        if ended is None:
            if name == _ENDED:
                ended = event
        elif seq > ended.seq:
            problems.append(_problem(
                event, "E113", "seq", f"{name} (seq {seq}) comes after interaction.ended (seq {ended.seq})",
                "interaction.ended has the highest seq"))
        if previous is not None:
            if seq == previous.seq:
                problems.append(_problem(
                    event, "E114", "seq", f"seq {seq} is already used at {_where(previous, event)}",
                    "seq is unique inside an interaction"))
            elif event.ms < previous.ms:
                problems.append(_problem(
                    event, "E115", "ts", f"ts {event.ts} (seq {seq}) is earlier than {previous.ts} "
                    f"(seq {previous.seq})", "ts never goes backwards as seq grows"))
        previous = event
        # the parties' lives, in the same walk: `by`, first event, outcomes, leaving
        by = event.by
        if by is not None:
            inviter = parties.get(by)
            if inviter is None or inviter.ended is not None:
                hints = hints or _Hints(events)
                problems.append(_by_problem(event, inviter, hints))
        if event.party is None or name not in _PARTY_EVENTS:
            continue
        party = parties.get(event.party)
        if name in _FIRSTS:
            if party is not None:
                problems.append(_problem(
                    event, "E117", "party", f"party id '{event.party}' is reused (first at "
                    f"{_where(party.first, event)})", "a new participation needs a new party id"))
            parties[event.party] = _Party(event.kind, event)
        elif party is None:
            hints = hints or _Hints(events)
            hint = (hints.closest("E116", event.party)
                    or "a party's first event is party.entered or party.invited")
            problems.append(_problem(event, "E116", "party", f"{name} for unknown party '{event.party}'", hint))
        elif name in _OUTCOMES:
            if party.kind != "agent" or party.outcome is not None or party.ended is not None:
                problems.append(_outcome_problem(event, party))
            else:
                party.outcome = event
                if name != _ACCEPTED:
                    party.ended = event
        elif name == _HELD or name == _RETRIEVED:
            problem = _hold_problem(event, party)
            if problem is not None:
                problems.append(problem)
            else:
                party.held = event if name == _HELD else None
        else:
            left = party.ended
            if left is not None and left.event == _LEFT:
                problems.append(_gone(event, party))
            elif party.kind == "agent" and (party.outcome is None or party.outcome.event != _ACCEPTED):
                problems.append(_left_unaccepted(event, party))
            party.ended = left or event
    if created is None:
        problems.append(_problem(
            events[0], "E110", "event", f"interaction '{events[0].interaction}' has no interaction.created",
            "the first event of every interaction is interaction.created"))
    return problems


def _before_created(event: Event, created: Event) -> Diagnostic:
    return _problem(
        event, "E112", "seq", f"{event.event} (seq {event.seq}) comes before interaction.created "
        f"(seq {created.seq})", "interaction.created has the lowest seq")


class _Hints:
    """Party names for the messages and did-you-mean hints of one interaction.

    Each party's first event is worked out once, not once per problem, and a name is
    compared with every party's only for problems that will be listed
    (`LISTED_PER_CODE`): an interaction with thousands of unknown names stays linear.
    """

    __slots__ = ("_events", "_named", "_given")

    def __init__(self, events: Sequence[Event]) -> None:
        self._events = events
        self._named: dict[str, Event] | None = None
        self._given: dict[str, int] = {}

    @property
    def named(self) -> dict[str, Event]:
        """Each party id's first `party.entered` or `party.invited`."""
        if self._named is None:
            self._named = {event.party: event for event in reversed(self._events) if event.event in _FIRSTS}
        return self._named

    def closest(self, code: str, name: str) -> str | None:
        """A did-you-mean for `name` among the party ids, for the first problems of `code`."""
        given = self._given[code] = self._given.get(code, 0) + 1
        return did_you_mean(name, self.named) if given <= LISTED_PER_CODE else None


def _outcome_problem(event: Event, party: _Party) -> Diagnostic:
    if party.kind != "agent":
        return _problem(event, "E118", "event", f"{event.event} for {party.kind} party '{event.party}'",
                        "only invited agents accept, reject or have their invitation revoked")
    if party.outcome is not None:
        return _problem(
            event, "E119", "event", f"party '{event.party}' already had {party.outcome.event} at "
            f"{_where(party.outcome, event)}", "an invitation ends in one of accepted, rejected, revoked")
    return _gone(event, party)


def _hold_problem(event: Event, party: _Party) -> Diagnostic | None:
    """A hold that starts while the agent is not connected, or ends while there is none."""
    if party.ended is not None:
        return _gone(event, party)
    if event.event == _HELD:
        if party.kind != "agent" or party.outcome is None or party.outcome.event != _ACCEPTED:
            what = "it never accepted" if party.kind == "agent" else f"it is a {party.kind}"
            return _problem(event, "E124", "event", f"party.held for party '{event.party}', but {what}",
                            "only an agent who accepted puts the customer on hold")
        if party.held is not None:
            return _problem(event, "E124", "event", f"party.held for party '{event.party}', which is "
                            f"already on hold (since {_where(party.held, event)})",
                            "a hold ends with party.retrieved before the next party.held")
        return None
    if party.held is None:
        return _problem(event, "E125", "event", f"party.retrieved for party '{event.party}', which is "
                        "not on hold", "party.retrieved ends a hold that party.held started")
    return None


def _left_unaccepted(event: Event, party: _Party) -> Diagnostic:
    how = f"its invitation ended with {party.outcome.event}" if party.outcome else "it never accepted"
    return _problem(event, "E120", "event", f"agent party '{event.party}' left but {how}",
                    "an agent leaves only after party.accepted; an unanswered invitation "
                    "ends with party.rejected or party.revoked")


def _gone(event: Event, party: _Party) -> Diagnostic:
    return _problem(
        event, "E121", "event", f"{event.event} for party '{event.party}', which already ended "
        f"({party.ended.event} at {_where(party.ended, event)})",
        "nothing happens to a party after it left, was rejected or was revoked")


def _by_problem(event: Event, inviter: _Party | None, hints: _Hints) -> Diagnostic:
    """`by` names a party that is unknown, not open yet or already ended."""
    by = event.by
    if inviter is not None:
        return _problem(
            event, "E123", "by", f"'by' names party '{by}', which already ended "
            f"({inviter.ended.event} at {_where(inviter.ended, event)})",
            "the party that causes an event must still be there")
    named = hints.named
    if by not in named:
        hint = hints.closest("E122", by) or "'by' names a party of the same interaction"
        return _problem(event, "E122", "by", f"'by' names unknown party '{by}'", hint)
    return _problem(
        event, "E123", "by", f"'by' names party '{by}', which is not open yet "
        f"(it starts at {_where(named[by], event)}, seq {named[by].seq})",
        "the party that causes an event must already be there")


def _where(target: Event, seen_from: Event) -> str:
    """`line N` within the same file, `path:N` across files."""
    if target.source.path == seen_from.source.path:
        return f"line {target.source.line}"
    return f"{target.source.path}:{target.source.line}"
