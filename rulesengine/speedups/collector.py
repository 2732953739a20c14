"""Python's cycle collector held off where its passes cost more than they find.

A pass walks every item of every container it looks at, and each item it touches out of the
processor's caches costs a miss; nearly everything the engine makes dies without a cycle.
So the collector waits while a large structure of long-lived objects is built
(`collection_paused`) and while a burst of short-lived ones is made (`collection_deferred`),
and in a process a command owns it passes over its youngest objects less often
(`fewer_young_collections`).

Loading a rule set makes hundreds of thousands of small objects (syntax nodes, checked
expressions, compiled rules) that all live as long as the rule set. The collector runs
every few hundred new objects, and every so often walks all the objects made so far: for
5,000 rules that made loading grow faster than the rules did (a third of its time went to
the collector). Nothing built here needs collecting while it is built, so the collector
waits until the end. Then what was made is put straight into the collector's oldest
generation, where it would soon have been moved anyway: the young generations' next pass
would otherwise walk every one of those objects once more (0.3 s for 5,000 rules). They
are still collected, by the full passes, when they become garbage.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_deferred() -> Iterator[bool]:
    """The collector off within the block, and on again after it if it was on before (the block
    is given whether it was); for a short burst of allocations whose objects mostly die with it:
    what survives stays where the collector would have found it, and its next pass comes as soon
    as the block is done, with the burst's temporaries gone."""
    if not gc.isenabled():
        yield False
        return
    gc.disable()
    try:
        yield True
    finally:
        gc.enable()


@contextmanager
def collection_paused() -> Iterator[None]:
    """`collection_deferred`, and the objects made meanwhile put in the collector's oldest
    generation before it is on again (unless some are frozen already: then `gc.unfreeze` would
    move objects someone else froze)."""
    with collection_deferred() as was_on:
        try:
            yield
        finally:
            if was_on and gc.get_freeze_count() == 0:
                gc.freeze()  # every object, into the permanent generation...
                gc.unfreeze()  # ...and from there into the oldest


#: objects the collector lets its youngest generation gather before a pass, in a process a
#: command owns (Python's own default is 700)
YOUNG_OBJECTS = 10_000


def fewer_young_collections() -> None:
    """Have the collector pass over its youngest generation every `YOUNG_OBJECTS` new objects.

    Called by a process that the command owns. The main job's containers of events and values
    (the lists of a batch, hundreds to thousands of items) are young for a while, and a pass
    walks every item of each: most of them out of the processor's caches by then. Nearly
    everything the main job makes dies young without a cycle (an interaction's model breaks
    its own cycles once decided), so waiting longer between passes finds no more garbage, and
    the passes walk the same batch far fewer times: on 20,000 interactions, 9% fewer cache
    misses of the whole run from Parquet and 1% fewer instructions from JSON lines.
    """
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, oldest)


def no_collection_at_exit() -> None:
    """Have the interpreter's collections on its way out skip the objects alive now and later.

    Called by a process that ends when the command does: everything it wrote is flushed and
    closed before it returns, so nothing waits on a collection to be finalized. Freezing moves
    the live objects to the permanent generation, which the exit passes leave alone.
    """
    atexit.register(gc.freeze)
