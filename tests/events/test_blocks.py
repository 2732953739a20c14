"""A file is read in blocks split at its newlines: the same lines `readlines` finds, whatever the file's ending,
with the text they were split from."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.events import read
from rulesengine.runtime import sharing

PIECES = st.sampled_from([b'{"interaction":"c1","seq":1}', b"", b"   ", b"\r", b"x" * 40, "é".encode(), b"#"])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.tuples(PIECES, st.sampled_from([b"\n", b"\r\n"])), max_size=30),
       last=st.sampled_from([b"", b"tail", b"\r"]), block=st.sampled_from([1, 7, 64, 1 << 18]))
def test_blocks_hold_the_lines_readlines_finds(lines: list[tuple[bytes, bytes]], last: bytes, block: int) -> None:
    """Blocks smaller than a line are completed to its end; a file may end with or without a newline."""
    data = b"".join(text + end for text, end in lines) + last
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "_BLOCK", block)
        blocks = list(read._blocks(io.BytesIO(data)))
    assert all(map(read.lines_of, blocks))
    assert b"".join(blocks) == data
    assert all(text == b"\n".join(read.lines_of(text)) + (b"\n" if text.endswith(b"\n") else b"") for text in blocks)
    assert [line for text in blocks for line in read.lines_of(text)] == [
        line.removesuffix(b"\n") for line in io.BytesIO(data).readlines()]


def test_an_empty_file_has_no_block() -> None:
    assert list(read._blocks(io.BytesIO(b""))) == []


def test_a_block_of_plain_lines_is_shared_out_without_reading_a_line_on_its_own(monkeypatch) -> None:
    """The block-wide short cut holds for a file's lines, which come without their newlines:
    no line goes through `owner`, and each gets the owner `owner` would give it."""
    text = b"".join(b'{"interaction":"c%d","seq":1,"event":"customer.left"}\n' % number for number in range(50))
    [read_text] = read._blocks(io.BytesIO(text))
    assert read_text == text
    block = read.lines_of(text)
    expected = bytes(sharing.owner(line, 3) for line in block)
    one_by_one = []
    monkeypatch.setattr(sharing, "owner", lambda raw, jobs: one_by_one.append(raw))
    assert sharing.owners(block, 3) == sharing.owners(block, 3, text) == expected
    assert one_by_one == []
