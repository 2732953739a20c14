"""What a batch starts from and leaves behind, for one process or shared among `--jobs` workers.

Batches of one stream run one after another (`run --state`) assemble what one run
over all of them would: each starts from what the last one left open and remembered
(`events.assemble.Carried`). With workers, each takes the open interactions it owns
(`sharing.owner_of_id`, as it owns their lines) and every remembered id (fingerprints
cannot say their owner; a worker only ever asks about its own ids), and hands back
what it holds at the end; the parent merges those into one.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from rulesengine.events.assemble import LATE_WINDOW, Carried
from rulesengine.runtime.sharing import owner_of_id


@attrs.define
class CarryOver:
    """A batch's `start`, and its `end` once the batch has been read to its end."""

    start: Carried = attrs.field(factory=Carried)
    end: Carried | None = None


def share(carried: Carried, worker: int, jobs: int) -> Carried:
    """The part of `carried` that worker `worker` of `jobs` starts from."""
    return Carried(carried.lines, tuple(held for held in carried.open if owner_of_id(held.id, jobs) == worker),
                   carried.recent)


def merge(start: Carried, parts: Sequence[Carried], late_window: int = LATE_WINDOW) -> Carried:
    """One `Carried` from what every worker held at the end of a batch that started from `start`.

    Every worker counted every line; the ids completed in this batch come from the
    workers (each its own), the older ones from `start`, all by line and within the window.
    """
    lines = max((part.lines for part in parts), default=start.lines)
    opened = sorted((held for part in parts for held in part.open), key=lambda held: held.id)
    recent = sorted([*start.recent, *(entry for part in parts for entry in part.recent if entry[1] > start.lines)],
                    key=lambda entry: entry[1])
    oldest = lines + 1 - late_window
    return Carried(lines, tuple(opened), tuple(entry for entry in recent if entry[1] >= oldest))
