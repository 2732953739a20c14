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
    assert all(lines_of for _, lines_of in blocks)
    assert b"".join(text or b"" for text, _ in blocks) == data
    assert all(text == b"\n".join(lines_of) + (b"\n" if text.endswith(b"\n") else b"") for text, lines_of in blocks)
    assert [line for _, lines_of in blocks for line in lines_of] == [
        line.removesuffix(b"\n") for line in io.BytesIO(data).readlines()]


def test_an_empty_file_has_no_block() -> None:
    assert list(read._blocks(io.BytesIO(b""))) == []


def test_lines_of_other_iterables_come_as_they_are() -> None:
    assert list(read._blocks(iter([b"a\n", b"b"]))) == [(None, [b"a\n", b"b"])]


def test_a_block_of_plain_lines_is_shared_out_without_reading_a_line_on_its_own(monkeypatch) -> None:
    """The block-wide short cut holds for a file's lines, which come without their newlines:
    no line goes through `owner`, and each gets the owner `owner` would give it."""
    text = b"".join(b'{"interaction":"c%d","seq":1,"event":"customer.left"}\n' % number for number in range(50))
    [(read_text, block)] = read._blocks(io.BytesIO(text))
    assert read_text == text
    expected = bytes(sharing.owner(line, 3) for line in block)
    one_by_one = []
    monkeypatch.setattr(sharing, "owner", lambda raw, jobs: one_by_one.append(raw))
    assert sharing.owners(block, 3) == sharing.owners(block, 3, text) == expected
    assert one_by_one == []
