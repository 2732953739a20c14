"""Which interactions completed within the last lines: fingerprints in arrays.

The assembler must recognise an event that arrives after its interaction was
evaluated. Remembering the ids themselves in a dict would take about 20 MB per
100,000 interactions; this keeps 64-bit fingerprints in arrays instead, about a
tenth of that, with the same answers (but for fingerprint collisions, odds below).
"""

from __future__ import annotations

from array import array
from hashlib import blake2b


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

    def entries(self) -> list[tuple[int, int]]:
        """Every fingerprint remembered, with its line, oldest first: what `add` takes back."""
        return list(zip(self._marks[self._head:], self._lines[self._head:], strict=True))

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


#: slots of a new `RecentIds` table (a power of two): small, as an assembler made per interaction
#: (the Spark executor's) remembers one id, and doubling up to the main job's size costs little
_FIRST_SLOTS = 1 << 4
#: `RecentIds.due` with nothing to forget
_NEVER = 1 << 63


def fingerprint(key: str) -> int:
    """A non-zero 64-bit fingerprint (0 marks a free slot of `RecentIds`), the same in every
    process (unlike `hash`)."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little") or 1
