"""Random but realistic event streams: load tests, demos and the bundled sample.

The shapes of the chats are in `generate_shapes`, the profile that mixes them in
`generate_profile`; this module draws the interactions and merges them into one stream.
Interactions start at random (Poisson) arrivals and overlap in time; `Interleaver`
merges them into one stream ordered by timestamp, holding only the interactions still
open, so memory stays flat however many are generated. Same seed, same bytes.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from rulesengine.events.generate_profile import Profile, ProfileError, load_profile
from rulesengine.events.generate_shapes import ALL_SHAPES, DELAYS, EPOCH, SHAPES, Chat, format_ts

__all__ = ["ALL_SHAPES", "DELAYS", "EPOCH", "SAMPLE_COUNT", "SAMPLE_SEED", "SHAPES", "Interleaver", "Profile",
           "ProfileError", "format_ts", "generate_lines", "load_profile", "sample_lines"]

#: The seed and size of the generated part of the bundled sample.
SAMPLE_SEED = 2026
SAMPLE_COUNT = 300


@attrs.define
class Interleaver:
    """Merges time-ordered interactions, given in order of their start, into one stream.

    A heap holds one entry per interaction that still has events to write; an entry
    leaves it when its last event is written. `peak` is the largest the heap grew: with
    interactions of bounded length it stays flat however many pass through.
    """

    peak: int = 0

    def merge(self, interactions: Iterable[list[tuple[int, str]]]) -> Iterator[str]:
        heap: list[tuple[int, int, int, list[tuple[int, str]]]] = []
        for number, events in enumerate(interactions):
            start = events[0][0]
            while heap and heap[0][0] <= start:
                yield self._advance(heap)
            heapq.heappush(heap, (start, number, 0, events))
            self.peak = max(self.peak, len(heap))
        while heap:
            yield self._advance(heap)

    @staticmethod
    def _advance(heap: list[tuple[int, int, int, list[tuple[int, str]]]]) -> str:
        """Pop the earliest event; put its interaction back keyed by its next event."""
        _, number, index, events = heap[0]
        if index + 1 < len(events):
            heapq.heapreplace(heap, (events[index + 1][0], number, index + 1, events))
        else:
            heapq.heappop(heap)
        return events[index][1]


def _shape_deck(rng: random.Random, weights: dict[str, int]) -> Iterator[str]:
    """Shape ids in random order, each as often as its weight in every run of the deck.

    Unlike independent draws, a deck shows every shape within each `sum(weights)`
    interactions, so even a short stream covers every flow.
    """
    deck = [flow for flow in ALL_SHAPES for _ in range(weights[flow])]
    while True:
        rng.shuffle(deck)
        yield from deck


def _interactions(count: int, seed: int, profile: Profile) -> Iterator[list[tuple[int, str]]]:
    """`count` interactions of random shapes, in order of their start."""
    rng = random.Random(seed)
    shapes = _shape_deck(rng, profile.weights)
    ms = 0
    for number in range(1, count + 1):
        ms += int(rng.expovariate(1 / profile.arrival) * 1000)
        flow = next(shapes)
        data = {key: rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]
                for key, pairs in profile.data.items()}
        chat = Chat(f"g{seed}-{number}", ms, rng, flow, profile.delays, data)
        ALL_SHAPES[flow][1](chat)
        yield chat.events


def generate_lines(count: int, seed: int, *, profile: Profile | None = None,
                   interleaver: Interleaver | None = None) -> Iterator[str]:
    """`count` random interactions as event lines (no newline), interleaved by time.

    Deterministic by `seed` (and `profile`: by default every shape and delay as `SHAPES`,
    `OPTIONAL_SHAPES` and `DELAYS` say). Pass an `interleaver` to read how many interactions it held at once.
    """
    return (interleaver or Interleaver()).merge(_interactions(count, seed, profile or Profile()))


def sample_lines(fixtures: Path) -> Iterator[str]:
    """The bundled sample: every flow fixture in `fixtures` (comments kept), then generated events."""
    for path in sorted(fixtures.glob("*.jsonl")):
        yield from path.read_text(encoding="utf-8").splitlines()
    yield f"# Generated: rulesengine generate --count {SAMPLE_COUNT} --seed {SAMPLE_SEED}"
    yield from generate_lines(SAMPLE_COUNT, SAMPLE_SEED)
