"""One interaction's contract events, put in an order the contract accepts.

An adapter says what happened and when (epoch ms), with a tie rank for events of
the same millisecond, and which party brought which in. Platforms write their
records by session or by event, not in the contract's order, and many steps share
a millisecond (or, with whole-second clocks, a second), so sorting by time alone
would let an agent be invited by a queue that has not entered yet. `finish` orders
the events by time and rank while keeping what the contract requires: each
party's events in the order they were added, a party brought in after the party
that brought it in entered and before that party ended, `interaction.created`
first and `interaction.ended` last. It then numbers `seq` and names the parties
`<interaction>.<letter><n>` (`q1`, `s1`, `a1`) in order of appearance, unless the
adapter gave a party its own name.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from itertools import pairwise

from rulesengine.adapters.times import ts_text
from rulesengine.wording import a

CREATED = "interaction.created"
ENDED = "interaction.ended"
#: the events that close a party: what a party it brought in must come before
CLOSING = ("party.left", "party.revoked", "party.rejected")
_LETTERS = {"queue": "q", "strategy": "s", "agent": "a", "workbin": "w"}
_FIELDS = ("resource", "by", "intent", "visibility", "reason", "media")


class TimelineError(ValueError):
    """The source's times contradict who brought whom in: no order satisfies both."""


class Party:
    """A party being built; its contract id is given by `Timeline.finish`."""

    __slots__ = ("kind", "name", "by", "steps", "id")

    def __init__(self, kind: str, name: str | None, by: Party | None) -> None:
        self.kind = kind
        self.name = name
        self.by = by
        self.steps: list[_Step] = []
        self.id: str | None = None

    @property
    def closed(self) -> bool:
        return bool(self.steps) and self.steps[-1].event in CLOSING


class _Step:
    __slots__ = ("event", "ms", "rank", "order", "party", "fields", "data", "waits", "next")

    def __init__(self, event: str, ms: int, rank: int, order: int, party: Party | None,
                 fields: dict[str, object], data: Mapping | None) -> None:
        self.event = event
        self.ms = ms
        self.rank = rank
        self.order = order
        self.party = party
        self.fields = fields
        self.data = data
        self.waits = 0
        self.next: list[_Step] = []

    def key(self) -> tuple[int, int, int]:
        return (self.ms, self.rank, self.order)


class Timeline:
    """The events of one interaction as an adapter finds them, in any order of adding."""

    def __init__(self, interaction: str) -> None:
        self.interaction = interaction
        self.parties: list[Party] = []
        self._steps: list[_Step] = []

    def party(self, kind: str, *, by: Party | None = None, name: str | None = None) -> Party:
        """A new party of `kind`, brought in by `by`; `name` fixes its id's last part."""
        party = Party(kind, name, by)
        self.parties.append(party)
        return party

    def add(self, event: str, ms: int, rank: int, party: Party | None = None, *,
            data: Mapping | None = None, **fields: object) -> None:
        """One event at `ms`; among events of one millisecond, lower `rank` comes first.

        A party's events keep the order they are added in; its first event carries its
        `kind` and `by` (from `party`) and the fields given (`resource`, `intent`...).
        """
        step = _Step(event, ms, rank, len(self._steps), party,
                     {name: value for name, value in fields.items() if value is not None}, data)
        self._steps.append(step)
        if party is not None:
            party.steps.append(step)

    def finish(self) -> tuple[dict, ...]:
        """The events in contract order, numbered from 1, as JSON-ready dicts."""
        ordered = self._ordered()
        self._name_parties(ordered)
        return tuple(self._record(step, seq) for seq, step in enumerate(ordered, start=1))

    def _ordered(self) -> list[_Step]:
        """`interaction.created` first, `interaction.ended` last, and between them, earliest
        (time, rank, order) first among the steps whose predecessors are placed."""
        created = [step for step in self._steps if step.event == CREATED]
        ended = [step for step in self._steps if step.event == ENDED]
        steps = [step for step in self._steps if step.event not in (CREATED, ENDED)]
        for step in steps:
            step.waits = 0
            step.next = []
        for party in self.parties:
            for before, after in pairwise(party.steps):
                _precedes(before, after)
            if party.by is not None and party.steps:
                first, source = party.steps[0], party.by
                if not source.steps:
                    raise TimelineError(f"{a(party.kind)} is brought in by {a(source.kind)} with no events")
                _precedes(source.steps[0], first)
                if source.closed:
                    _precedes(first, source.steps[-1])
        ready = [(step.key(), step) for step in steps if step.waits == 0]
        heapq.heapify(ready)
        ordered = list(created)
        while ready:
            _, step = heapq.heappop(ready)
            _in_time(ordered, step)
            ordered.append(step)
            for later in step.next:
                later.waits -= 1
                if later.waits == 0:
                    heapq.heappush(ready, (later.key(), later))
        if len(ordered) < len(created) + len(steps):
            raise TimelineError("the parties' links form a loop: no event order satisfies them")
        for end in ended:
            _in_time(ordered, end)
            ordered.append(end)
        return ordered

    def _name_parties(self, ordered: list[_Step]) -> None:
        counts: dict[str, int] = {}
        for step in ordered:
            party = step.party
            if party is None or party.id is not None:
                continue
            if party.name is not None:
                party.id = f"{self.interaction}.{party.name}"
                continue
            letter = _LETTERS[party.kind]
            counts[letter] = counts.get(letter, 0) + 1
            party.id = f"{self.interaction}.{letter}{counts[letter]}"

    def _record(self, step: _Step, seq: int) -> dict:
        """The event as the contract writes it, its fields in the contract's order."""
        record: dict[str, object] = {"interaction": self.interaction, "seq": seq, "ts": ts_text(step.ms),
                                     "event": step.event}
        party = step.party
        by = None  # who brought the party in, written on its first event only
        if party is not None:
            record["party"] = party.id
            if step is party.steps[0]:
                record["kind"] = party.kind
                by = party.by
        fields = step.fields
        for name in _FIELDS:
            if name == "by" and by is not None:
                record["by"] = by.id
            elif name in fields:
                record[name] = fields[name]
        if step.data:
            record["data"] = dict(step.data)
        return record


def _in_time(ordered: list[_Step], step: _Step) -> None:
    """Raise unless `step` may follow the steps placed so far: time never goes back."""
    if ordered and step.ms < ordered[-1].ms:
        raise TimelineError(f"{step.event} at {ts_text(step.ms)} would follow {ordered[-1].event} at "
                            f"{ts_text(ordered[-1].ms)}: the times contradict who brought whom in")


def _precedes(before: _Step, after: _Step) -> None:
    before.next.append(after)
    after.waits += 1
