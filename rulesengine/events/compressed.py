"""Compressed event files (gzip, bzip2, xz), read as the lines they hold.

Daily exports usually arrive compressed. A stream is told by its first bytes, not by
its name, so `events.gz`, `events.jsonl.gz` and a compressed stream on stdin read
alike, and a plain file that happens to end in `.gz` still reads as plain text. Line
numbers in diagnostics are those of the text inside. zstd is recognised only to say
so: the standard library cannot read it. The same formats name compressed outputs
by their suffix (`output.files`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import IO

import attrs

# gzip, bz2 and lzma are imported by the functions that use them, once a compressed stream
# is met: a run on plain text, the usual one, has no use for them


@attrs.frozen
class Compression:
    """One compression format: its name, how its streams start, its usual suffix, how to read
    and to write it over a binary stream (neither closes that stream), and what reading
    damaged data of it raises."""

    name: str
    magic: bytes
    suffix: str
    reader: Callable[[IO[bytes]], io.BufferedIOBase]
    writer: Callable[[IO[bytes]], io.BufferedIOBase]
    damaged: Callable[[], tuple[type[Exception], ...]]


def _gzip_reader(stream: IO[bytes]) -> io.BufferedIOBase:
    import gzip

    return gzip.GzipFile(fileobj=stream, mode="rb")


def _gzip_writer(stream: IO[bytes]) -> io.BufferedIOBase:
    import gzip

    # level 6, what the `gzip` command writes by default: several times quicker than level 9;
    # no name and no time in the header, so the same rows make the same bytes
    return gzip.GzipFile(filename="", fileobj=stream, mode="wb", compresslevel=6, mtime=0)


def _gzip_damaged() -> tuple[type[Exception], ...]:
    import gzip
    import zlib

    return gzip.BadGzipFile, zlib.error


def _bzip2_reader(stream: IO[bytes]) -> io.BufferedIOBase:
    import bz2

    return bz2.BZ2File(stream, "rb")


def _bzip2_writer(stream: IO[bytes]) -> io.BufferedIOBase:
    import bz2

    return bz2.BZ2File(stream, "wb")


def _bzip2_damaged() -> tuple[type[Exception], ...]:
    return ()  # bz2 says "Invalid data stream" with a plain OSError, which passes as it is


def _xz_reader(stream: IO[bytes]) -> io.BufferedIOBase:
    import lzma

    return lzma.LZMAFile(stream, "rb")


def _xz_writer(stream: IO[bytes]) -> io.BufferedIOBase:
    import lzma

    return lzma.LZMAFile(stream, "wb")


def _xz_damaged() -> tuple[type[Exception], ...]:
    import lzma

    return (lzma.LZMAError,)


COMPRESSIONS = (
    Compression("gzip", b"\x1f\x8b", ".gz", _gzip_reader, _gzip_writer, _gzip_damaged),
    Compression("bzip2", b"BZh", ".bz2", _bzip2_reader, _bzip2_writer, _bzip2_damaged),
    Compression("xz", b"\xfd7zXZ\x00", ".xz", _xz_reader, _xz_writer, _xz_damaged),
)
_ZSTD = b"\x28\xb5\x2f\xfd"
_LONGEST_MAGIC = max(len(compression.magic) for compression in COMPRESSIONS)
#: bytes read from the decompressed text at a time
_BUFFER = 1 << 16


class UnreadableCompression(Exception):
    """A compressed stream in a format that cannot be read here; the message says which."""


def compression_of(start: bytes) -> Compression | None:
    """The format a stream starting with `start` is compressed in, or None (plain, or unknown)."""
    for compression in COMPRESSIONS:
        if start.startswith(compression.magic):
            return compression
    if start.startswith(_ZSTD):
        raise UnreadableCompression("it is compressed with zstd, which cannot be read here; "
                                    "decompress it first (zstd -d), or pipe it in: zstd -dc FILE | rulesengine ...")
    return None


def by_suffix(path: str) -> Compression | None:
    """The format an output named `path` is to be compressed in, by its last suffix."""
    lowered = path.lower()
    return next((compression for compression in COMPRESSIONS if lowered.endswith(compression.suffix)), None)


def without_compression_suffix(path: str) -> str:
    """`path` without the suffix of the format it names (`rows.csv.gz` → `rows.csv`)."""
    compression = by_suffix(path)
    return path if compression is None else path[:-len(compression.suffix)]


def uncompressed(handle: IO[bytes]) -> AbstractContextManager[IO[bytes]]:
    """`handle`'s text as it is read: itself when plain, else decompressed. Either way
    `handle` is left open: whoever opened it closes it. A file and stdin can look ahead
    without taking what they see; a stream that cannot (a `BytesIO`) is read as plain text.

    `UnreadableCompression` at once for a format that cannot be read (zstd). Data cut
    short or damaged is an `OSError` saying so, as the reader gets it from the stream."""
    peek = getattr(handle, "peek", None)
    start = b"" if peek is None else peek(_LONGEST_MAGIC)[:_LONGEST_MAGIC]
    compression = compression_of(start)
    return nullcontext(handle) if compression is None else _decompressing(handle, compression)


@contextmanager
def _decompressing(handle: IO[bytes], compression: Compression) -> Iterator[IO[bytes]]:
    with compression.reader(handle) as text, io.BufferedReader(_Checked(text, compression.damaged()), _BUFFER) as lines:
        yield lines


class _Checked(io.RawIOBase):
    """Decompressed text that reports data cut short or damaged as an `OSError` saying so,
    as any failure to read is reported."""

    def __init__(self, text: io.BufferedIOBase, damaged: tuple[type[Exception], ...]) -> None:
        self._text = text
        self._damaged = damaged

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            return self._text.readinto(buffer)
        except EOFError:
            raise OSError("its compressed data ends before the end of its stream "
                          "(a file cut short, or still being written?)") from None
        except self._damaged as problem:
            raise OSError(f"its compressed data is damaged ({problem})") from None
