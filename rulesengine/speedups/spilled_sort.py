"""Records sorted by key in bounded memory: sorted runs spilled to temporary files, then merged.

`run --sort` orders a whole output by interaction id. Held in memory, that output
costs more than the rows' own bytes (3.4 GB for a million interactions); here at
most `limit` bytes of records are held at once. When the buffer is full it is sorted
and written out as a run; at the end the runs are merged, each read a block at a time.
Equal keys keep the order they were added in, as a stable sort keeps them.

The runs are anonymous temporary files (`tempfile.TemporaryFile`: on Linux the name
is gone as soon as the file is made), so nothing is left behind on any exit path,
a signal or `kill -9` included.
"""

from __future__ import annotations

import contextlib
import heapq
import struct
import tempfile
from collections.abc import Iterator
from typing import IO

#: bytes of records held in memory before a sorted run is written out
DEFAULT_LIMIT = 64 << 20
#: what a record costs in memory beyond its key and data (the tuple, the two objects, the list slot)
_OVERHEAD = 150
#: a record on disk: key length, when it was added, data length, then the key (UTF-8) and the data
_HEADER = struct.Struct("<IQQ")
#: the read buffer of each run during the merge
_READ_BUFFER = 1 << 20


class SpilledSort:
    """Add (key, bytes) records in any order; iterate once to get the bytes in key order."""

    def __init__(self, limit: int | None = None, folder: str | None = None) -> None:
        self._limit = DEFAULT_LIMIT if limit is None else limit
        self._folder = folder
        self._held: list[tuple[str, int, bytes]] = []
        self._held_bytes = 0
        self._added = 0
        self._runs: list[IO[bytes]] = []
        self._files = contextlib.ExitStack()

    @property
    def runs(self) -> int:
        """How many sorted runs went to disk so far."""
        return len(self._runs)

    def add(self, key: str, data: bytes) -> None:
        self._held.append((key, self._added, data))
        self._added += 1
        self._held_bytes += len(key) + len(data) + _OVERHEAD
        if self._held_bytes >= self._limit:
            self._spill()

    def __iter__(self) -> Iterator[bytes]:
        """The data of every record, by key, then in the order added."""
        self._held.sort()
        if not self._runs:
            return (data for _, _, data in self._held)
        streams = [_read_run(run) for run in self._runs]
        return (data for _, _, data in heapq.merge(*streams, iter(self._held)))

    def close(self) -> None:
        """Drop what is held and the runs on disk."""
        self._held = []
        self._runs = []
        self._files.close()

    def _spill(self) -> None:
        self._held.sort()
        # open until the merge has read it: `close` (the exit stack) closes it
        run = self._files.enter_context(tempfile.TemporaryFile(  # noqa: SIM115
            prefix="rulesengine-sort-", dir=self._folder))
        self._runs.append(run)
        for key, added, data in self._held:
            encoded = key.encode()
            run.write(_HEADER.pack(len(encoded), added, len(data)))
            run.write(encoded)
            run.write(data)
        run.flush()
        self._held = []
        self._held_bytes = 0


def _read_run(run: IO[bytes]) -> Iterator[tuple[str, int, bytes]]:
    """A spilled run's records, (key, when added, data), in the order written."""
    run.seek(0)
    header_size = _HEADER.size
    with open(run.fileno(), "rb", buffering=_READ_BUFFER, closefd=False) as reader:
        while header := reader.read(header_size):
            key_size, added, data_size = _HEADER.unpack(header)
            yield reader.read(key_size).decode(), added, reader.read(data_size)
