"""`--interaction ID` of `explain` and `graph`: only the lines that may be ID's are read
(`events.one_interaction`), and only when ID is not there is every line read, for the ids
a did-you-mean picks from."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress

from rulesengine.events.assemble import Rejection, assemble
from rulesengine.events.one_interaction import OneInteraction
from rulesengine.events.read import STDIN, InputError


def lines_for(interaction: str | None, sources: Sequence[str]) -> OneInteraction | None:
    """What to read for `--interaction`: the lines that may be its own, when every source is a
    file that can be read again (`ids_in`); None, every line, for no `--interaction` or for
    standard input, a pipe or a device."""
    if interaction is None or not all(source != STDIN and os.path.isfile(source) for source in sources):
        return None
    return OneInteraction(interaction)


def ids_in(sources: Sequence[str], *, include_open: bool) -> list[str]:
    """The ids of the interactions of `sources` that are evaluated (well formed, and ended unless
    `include_open`), in the order they complete: what a did-you-mean picks from. A source that can
    no longer be read (removed since the first reading) ends the list with the ids read before it."""
    ids: list[str] = []
    with suppress(InputError):
        ids.extend(item.id for item in assemble(sources, include_open=include_open) if not isinstance(item, Rejection))
    return ids
