"""Converted events held to the event contract twice: by an independent reading of it
(`tests.generate.contract`) and by the loader and assembler that `rulesengine run` uses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import orjson

from rulesengine.events.read import LoadedLine, read_line
from rulesengine.events.wellformed import problems_of
from tests.generate import contract


def assert_well_formed(events: Iterable[dict]) -> None:
    """Every interaction of these events is well formed, and its events are numbered in order."""
    events = list(events)
    assert contract.problems(events) == {}
    by_interaction: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        by_interaction[event["interaction"]].append(event)
    for interaction, own in by_interaction.items():
        assert [event["seq"] for event in own] == list(range(1, len(own) + 1)), interaction
        lines = [read_line(orjson.dumps(event), "<converted>", number) for number, event in enumerate(own, 1)]
        assert [line.diagnostics for line in lines if type(line) is LoadedLine] == []
        assert [problem.render() for problem in problems_of(lines)] == [], interaction
