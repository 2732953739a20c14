"""`--update`: what the rules give now, written into the expectations that fail.

Only the descriptor (and record) of each failing expectation changes; every other byte
of the file (layout, comments, other cases) stays as it was. The file is replaced
atomically, so an interrupted update leaves the old file.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulesengine.output.files import AtomicFile
from rulesengine.ruletest.run import Mismatch


def updated_text(text: str, mismatches: Iterable[Mismatch]) -> str:
    """`text` with each mismatch's expectation replaced by what the rules gave."""
    edits = sorted(((m.expectation.start, m.expectation.end, m.got) for m in mismatches), reverse=True)
    for start, end, got in edits:
        text = text[:start] + got + text[end:]
    return text


def update_file(path: str, text: str, mismatches: Iterable[Mismatch], prefix: str = "") -> None:
    """Rewrite the test file at `path` (whose text is `text`, after `prefix`: a byte-order mark
    the file starts with); raises `OutputError`."""
    write_whole(path, (prefix + updated_text(text, mismatches)).encode("utf-8"))


def write_whole(path: str, data: bytes) -> None:
    """`data` as the file at `path`, which appears only once complete; raises `OutputError`."""
    output = AtomicFile(path)
    try:
        output.write(data)
        output.commit()
    finally:
        output.discard()
