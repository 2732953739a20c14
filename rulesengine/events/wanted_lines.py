"""Only the lines that may hold some interactions' events, or name a party, for a command asked
about those.

`explain --interaction ID`, `explain --party P` and `graph --interaction ID` show a few
interactions of what may be a day's file. Decoding every line and assembling every interaction
to find those took nearly as long as the main job over the whole file. A line that holds an id
holds its text as it is, or, where its writer escaped some of it, a backslash: a block holding
neither is skipped whole, and of the other blocks only such lines are read. Every line is still
counted, so line numbers, and with them the late window, are those of the whole file. A line of
another interaction that happens to hold the text (a longer id, a mention in `data`) is read
too, so what is read holds parts of other interactions: whoever reads this way keeps only the
results of the interactions it asked for.

A text that a line can hold only escaped (a quote, a backslash, a control character) or unlike
itself (a lone surrogate, or the replacement character that stands for bytes no UTF-8 text
holds) is not looked for: every line is read, as it is for more than `MOST_TEXTS` ids. Parquet
rows are picked by their `interaction` value itself (`owns`), before they are converted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rulesengine.events.read import lines_of

#: what JSON must escape, and what a broken line's id is read with in place of bytes no UTF-8 text holds
_NOT_AS_WRITTEN = frozenset('"\\\ufffd') | frozenset(map(chr, range(0x20)))
#: the most ids looked for line by line; for more, every line is read (each line is searched once per id)
MOST_TEXTS = 16


class LinesHolding:
    """The lines (an `events.read.Select`) that hold one of some texts, or a backslash; every
    line when a text cannot be looked for (`texts` None)."""

    def __init__(self, texts: list[bytes] | None) -> None:
        self._texts = texts

    def __call__(self, blocks: Iterator[bytes]) -> Iterator[tuple[int, list[int], list[bytes]]]:
        """Per block: its number of lines, and the indices and text of those to read."""
        texts = self._texts
        for block in blocks:
            if texts is not None and b"\\" not in block and not any(text in block for text in texts):
                yield block.count(b"\n") + (block[-1:] != b"\n"), [], []
                continue
            lines = lines_of(block)
            if texts is None:
                yield len(lines), list(range(len(lines))), lines
                continue
            kept = [at for at, line in enumerate(lines) if b"\\" in line or any(text in line for text in texts)]
            yield len(lines), kept, [lines[at] for at in kept]


class InteractionLines(LinesHolding):
    """The lines (an `events.read.Select`) and the Parquet rows (an `events.parquet.RowShare`)
    that may hold the events of `interactions`: none for none."""

    def __init__(self, interactions: Iterable[str]) -> None:
        self.interactions = frozenset(interactions)
        written = [_as_written(interaction) for interaction in sorted(self.interactions)]
        texts = [text for text in written if text is not None]
        super().__init__(texts if len(texts) == len(written) <= MOST_TEXTS else None)

    def owns(self, interaction: object) -> bool:
        """Whether a Parquet row with this `interaction` value is one of the interactions'."""
        try:
            return interaction in self.interactions
        except TypeError:  # a list or a map, which no id is
            return False


class PartyLines(LinesHolding):
    """The lines that may name `party` (an `events.read.Select`), and every Parquet row, whose
    text columns are not searched."""

    def __init__(self, party: str) -> None:
        text = _as_written(party)
        super().__init__(None if text is None else [text])

    def owns(self, interaction: object) -> bool:
        return True


def _as_written(text: str) -> bytes | None:
    """A text as a line holds it unescaped (its UTF-8), or None when a line of it need not hold that."""
    if not text or not _NOT_AS_WRITTEN.isdisjoint(text):
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which a line can hold only escaped
        return None
