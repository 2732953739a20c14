"""Step patterns as automata: one construction for checking and for running.

A `match` pattern is anchored on the party's whole step sequence. It becomes a
small NFA (Thompson construction) whose edges are `StepCheck`s. The overlap
analysis asks whether two patterns can match the same sequence (a product walk); the
compiled rules run it over the party's own events as a DFA built lazily, one state
set per distinct step seen, so a party's steps cost a few dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from rulesengine.language import syntax
from rulesengine.model.interaction import Party, Step

#: attributes a step test may name, as attributes of the step's event
STEP_ATTRIBUTES = ("reason", "intent", "visibility")
#: `party.` before a step's name in an event type
_PREFIX = len("party.")


@attrs.frozen
class StepCheck:
    """One edge: a step name (None for `_`) and attribute values it must have."""

    step: str | None
    attributes: tuple[tuple[str, str], ...] = ()

    def accepts(self, symbol: tuple) -> bool:
        """`symbol` is `step_symbol(step)`: (step, reason, intent, visibility)."""
        if self.step is not None and self.step != symbol[0]:
            return False
        return all(symbol[1 + STEP_ATTRIBUTES.index(name)] == value
                   for name, value in self.attributes)

    def compatible(self, other: StepCheck) -> bool:
        """Some step satisfies both checks."""
        if self.step is not None and other.step is not None and self.step != other.step:
            return False
        mine = dict(self.attributes)
        return all(mine.get(name, value) == value for name, value in other.attributes)


def step_symbol(event: Step) -> tuple:
    """A party's event as patterns see it: (step, reason, intent, visibility)."""
    return (event.event[_PREFIX:], event.reason, event.intent, event.visibility)


@attrs.frozen
class Nfa:
    """States are ints; `edges[s]` are (check, target); `empty[s]` are epsilon targets."""

    edges: tuple[tuple[tuple[StepCheck, int], ...], ...]
    empty: tuple[tuple[int, ...], ...]
    start: int
    accept: int

    def closure(self, states) -> frozenset[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            for target in self.empty[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)


class _Builder:
    def __init__(self) -> None:
        self.edges: list[list[tuple[StepCheck, int]]] = []
        self.empty: list[list[int]] = []

    def state(self) -> int:
        self.edges.append([])
        self.empty.append([])
        return len(self.edges) - 1

    def build(self, pattern: syntax.Pattern, start: int, end: int) -> None:
        """Wire `pattern` between states `start` and `end`."""
        match pattern:
            case syntax.StepTest(step=step, tests=tests):
                check = StepCheck(step.text if step else None,
                                  tuple((t.name.text, _attribute_value(t.value)) for t in tests))
                self.edges[start].append((check, end))
            case syntax.Sequence(items=items):
                here = start
                for item in items[:-1]:
                    after = self.state()
                    self.build(item, here, after)
                    here = after
                self.build(items[-1], here, end)
            case syntax.Alternatives(options=options):
                for option in options:
                    self.build(option, start, end)
            case syntax.Repeat(item=item, op=op):
                inner_start, inner_end = self.state(), self.state()
                self.empty[start].append(inner_start)
                self.build(item, inner_start, inner_end)
                self.empty[inner_end].append(end)
                if op in "?*":
                    self.empty[start].append(end)
                if op in "*+":
                    self.empty[inner_end].append(inner_start)


def _attribute_value(value: syntax.Word | syntax.Text) -> str:
    return value.text if isinstance(value, syntax.Word) else value.value


def build_nfa(pattern: syntax.Pattern) -> Nfa:
    builder = _Builder()
    start, accept = builder.state(), builder.state()
    builder.build(pattern, start, accept)
    return Nfa(tuple(map(tuple, builder.edges)), tuple(map(tuple, builder.empty)), start, accept)


def can_both_match(first: Nfa, second: Nfa) -> bool:
    """Some step sequence matches both patterns (the product automaton reaches acceptance)."""
    start = (first.closure([first.start]), second.closure([second.start]))
    seen = {start}
    todo = [start]
    while todo:
        left, right = todo.pop()
        if first.accept in left and second.accept in right:
            return True
        for a in left:
            for check_a, target_a in first.edges[a]:
                for b in right:
                    for check_b, target_b in second.edges[b]:
                        if check_a.compatible(check_b):
                            pair = (first.closure([target_a]), second.closure([target_b]))
                            if pair not in seen:
                                seen.add(pair)
                                todo.append(pair)
    return False


class Matcher:
    """Runs one pattern over a party's own events, growing its DFA as new steps are seen.

    A pattern that tests no step attribute only ever needs the event type, so its
    DFA moves on that string: a string hashes once, a tuple of four on every lookup.
    The moves it learns are bounded by the pattern's states times the distinct steps
    seen, so a pattern that tests `reason` (free text) keeps at most `MAX_MOVES` of
    them and works the rest out each time.
    """

    __slots__ = ("_nfa", "_ids", "_sets", "_accepting", "_moves", "_by_name", "_answers")

    def __init__(self, nfa: Nfa) -> None:
        self._nfa = nfa
        self._ids: dict[frozenset[int], int] = {}
        self._sets: list[frozenset[int]] = []
        self._accepting: list[bool] = []
        self._moves: dict[tuple[int, object], int] = {}
        self._by_name = not any(check.attributes for edges in nfa.edges for check, _ in edges)
        self._answers: dict[tuple[str, ...], bool] = {}
        self._state(nfa.closure([nfa.start]))

    def _state(self, states: frozenset[int]) -> int:
        known = self._ids.get(states)
        if known is None:
            known = self._ids[states] = len(self._sets)
            self._sets.append(states)
            self._accepting.append(self._nfa.accept in states)
        return known

    def _move(self, state: int, key: object, event: Step) -> int:
        symbol = step_symbol(event)
        targets = [target for source in self._sets[state]
                   for check, target in self._nfa.edges[source] if check.accepts(symbol)]
        target = self._state(self._nfa.closure(targets))
        if len(self._moves) < MAX_MOVES:
            self._moves[state, key] = target
        return target

    @property
    def by_name(self) -> bool:
        """Whether the pattern reads only the steps' names, so that `on_names` applies."""
        return self._by_name

    def on_names(self, party: Party) -> bool:
        """The pattern's answer for a party, for a pattern that reads only step names.

        Its answer depends on the party's sequence of event types alone (`Party.names`,
        worked out once per party), so each sequence's answer is remembered whole: a
        party costs one lookup however many steps it has. At most `MAX_MOVES` sequences
        are remembered; past that they are forgotten all at once and learnt again.
        """
        answers = self._answers
        names = party.names
        try:
            return answers[names]
        except KeyError:
            if len(answers) >= MAX_MOVES:
                answers.clear()
            answer = answers[names] = self(party.events)
            return answer

    def __call__(self, events: Sequence[Step]) -> bool:
        state = 0
        moves, by_name = self._moves, self._by_name
        for event in events:
            key = event.event if by_name else (event.event, event.reason, event.intent, event.visibility)
            following = moves.get((state, key))
            state = self._move(state, key, event) if following is None else following
        return self._accepting[state]


#: moves a `Matcher` remembers at most (its DFA states are bounded by the pattern's), and step
#: sequences `on_names` remembers at most
MAX_MOVES = 4096
