"""Only the lines that may hold one interaction's events, for a command asked about one.

`explain --interaction ID` and `graph --interaction ID` show one interaction of what may be a
day's file. Decoding every line and assembling every interaction to find that one took nearly
as long as the main job over the whole file. A line of ID holds ID's text as it is, or, where
its writer escaped some of it, a backslash: a block holding neither is skipped whole, and of
the other blocks only such lines are read. Every line is still counted, so line numbers, and
with them the late window, are those of the whole file. A line of another interaction that
happens to hold ID's text (a longer id, a mention in `data`) is read too, so what is read
holds parts of other interactions: whoever reads this way keeps only ID's own results.

An id that a line can hold only escaped (a quote, a backslash, a control character) or unlike
its own text (a lone surrogate, or the replacement character that stands for bytes no UTF-8
text holds) is not looked for: every line is read. Parquet rows are picked by their
`interaction` value itself (`owns`), before they are converted.
"""

from __future__ import annotations

from collections.abc import Iterator

from rulesengine.events.read import lines_of

#: what JSON must escape, and what a broken line's id is read with in place of bytes no UTF-8 text holds
_NOT_AS_WRITTEN = frozenset('"\\\ufffd') | frozenset(map(chr, range(0x20)))


class OneInteraction:
    """The lines (an `events.read.Select`) and the Parquet rows (an `events.parquet.RowShare`)
    that may hold the events of `interaction`."""

    def __init__(self, interaction: str) -> None:
        self.interaction = interaction
        self._text = _as_written(interaction)

    def __call__(self, blocks: Iterator[bytes]) -> Iterator[tuple[int, list[int], list[bytes]]]:
        """Per block: its number of lines, and the indices and text of those to read."""
        text = self._text
        for block in blocks:
            if text is not None and text not in block and b"\\" not in block:
                yield block.count(b"\n") + (block[-1:] != b"\n"), [], []
                continue
            lines = lines_of(block)
            if text is None:
                yield len(lines), list(range(len(lines))), lines
                continue
            kept = [at for at, line in enumerate(lines) if text in line or b"\\" in line]
            yield len(lines), kept, [lines[at] for at in kept]

    def owns(self, interaction: object) -> bool:
        """Whether a Parquet row with this `interaction` value is one of the interaction's."""
        return interaction == self.interaction


def _as_written(interaction: str) -> bytes | None:
    """The id as a line holds it unescaped (its UTF-8), or None when a line of it need not hold that."""
    if not interaction or not _NOT_AS_WRITTEN.isdisjoint(interaction):
        return None
    try:
        return interaction.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which a line can hold only escaped
        return None
