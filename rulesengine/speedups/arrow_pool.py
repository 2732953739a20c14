"""Arrow's buffers allocated by the system's allocator, in a process a command owns.

pyarrow's wheels allocate from mimalloc unless told otherwise. Reading Parquet allocates and
frees each batch's buffers in turn (its decompressed pages, its sorted copy, its dictionaries),
and mimalloc keeps far more memory mapped for that than the system's allocator does: the peak
RSS of `run` on the 200,000-interaction corpus from Parquet is 197 MiB with mimalloc and 139 with
the system's allocator with `--jobs 1`, 193 and 105 with `--jobs 2`, at the same speed or better
(docs/performance.md). jemalloc does as well, but not every build of pyarrow has it, and Arrow
names a missing allocator on standard error; every build has the system's.

Arrow reads its choice, `ARROW_DEFAULT_MEMORY_POOL`, once, as pyarrow is imported, for all its
allocations (`pyarrow.set_memory_pool` later reaches only those pyarrow asks for itself, not the
Parquet reader's). So the variable is set around that import (`pool_chosen`, in
`events.parquet.pyarrow_modules`) and removed after it, and no child process inherits it. Only
the command line asks for it (`prefer_system_pool`): a program that calls the engine keeps its own
pool, and anyone's own `ARROW_DEFAULT_MEMORY_POOL` is obeyed. A run that reads and writes no
Parquet never imports pyarrow.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: how a user chooses Arrow's allocator, which is then left alone
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


class _Asked:
    """Whether this process's command asked for the system's allocator."""

    system = False


def prefer_system_pool() -> None:
    """Have pyarrow, once imported, allocate from the system's allocator: for a process the
    command owns."""
    _Asked.system = True


@contextmanager
def pool_chosen() -> Iterator[None]:
    """Around pyarrow's first import: Arrow told to allocate from the system's allocator, if this
    process's command asked for it and the user chose no allocator."""
    if not _Asked.system or POOL_VARIABLE in os.environ:
        yield
        return
    os.environ[POOL_VARIABLE] = "system"
    try:
        yield
    finally:
        os.environ.pop(POOL_VARIABLE, None)
