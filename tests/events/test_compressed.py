"""Compressed event files in (told by their first bytes) and compressed outputs out (told by
their names): the same rows as plain text, and every damaged stream an input error."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.events.compressed import by_suffix, compression_of, without_compression_suffix
from rulesengine.events.read import read_lines
from tests.events.builders import routed, transfer, write

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
DECOMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}
#: what zstd streams start with (a frame's magic number)
ZSTD = b"\x28\xb5\x2f\xfd"


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write(tmp_path / "events.jsonl", [*routed("r1"), *transfer("t1"), *routed("r2")])


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(["run", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_a_compressed_file_gives_the_rows_of_its_text(capsysbinary, events, tmp_path, kind) -> None:
    packed = tmp_path / f"events.jsonl.{kind}"
    packed.write_bytes(COMPRESSORS[kind](events.read_bytes()))
    code, plain, _ = run(capsysbinary, str(events))
    assert code == 0 and len(plain.splitlines()) == 10
    assert run(capsysbinary, str(packed))[:2] == (0, plain)
    # with two workers too: each reads the file, in the same blocks
    assert run(capsysbinary, str(packed), "--jobs", "2")[:2] == (0, plain)


def test_compression_is_told_by_content_not_by_name(capsysbinary, events, tmp_path) -> None:
    named_plain = tmp_path / "plain.gz"
    named_plain.write_bytes(events.read_bytes())
    unnamed = tmp_path / "events.data"
    unnamed.write_bytes(gzip.compress(events.read_bytes()))
    _, plain, _ = run(capsysbinary, str(events))
    assert run(capsysbinary, str(named_plain))[:2] == (0, plain)
    assert run(capsysbinary, str(unnamed))[:2] == (0, plain)


def test_compressed_stdin_is_read(capsysbinary, monkeypatch, events) -> None:
    _, plain, _ = run(capsysbinary, str(events))
    # as a process's own stdin is: text over a buffered reader, which can look ahead
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(gzip.compress(events.read_bytes()))))
    monkeypatch.setattr("sys.stdin", stdin)
    assert run(capsysbinary, "-")[:2] == (0, plain)


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_a_file_cut_short_is_an_input_error_after_its_whole_lines(capsysbinary, events, tmp_path, kind) -> None:
    packed = COMPRESSORS[kind](events.read_bytes() * 40)
    cut = tmp_path / f"cut.{kind}"
    cut.write_bytes(packed[:len(packed) // 2])
    output = tmp_path / "rows.jsonl"
    code, out, err = run(capsysbinary, str(cut), "-o", str(output))
    assert code == 2 and out == b""
    assert f"rulesengine: error: cannot read {cut}: its compressed data ends before the end of its stream" in err
    assert not output.exists()  # the output appears only for a whole run
    assert [name for name in os.listdir(tmp_path) if name.endswith(".part")] == []


def test_damaged_compressed_data_is_an_input_error(capsysbinary, events, tmp_path) -> None:
    packed = bytearray(gzip.compress(events.read_bytes()))
    packed[-6] ^= 0xFF  # in the checksum of the text: every byte decompresses, and then fails the check
    damaged = tmp_path / "damaged.gz"
    damaged.write_bytes(bytes(packed))
    code, _, err = run(capsysbinary, str(damaged))
    assert code == 2
    assert f"rulesengine: error: cannot read {damaged}: its compressed data is damaged (CRC check failed" in err


def test_zstd_is_named_before_anything_is_read(capsysbinary, events, tmp_path) -> None:
    packed = tmp_path / "events.jsonl.zst"
    packed.write_bytes(ZSTD + b"\x00" * 16)
    code, out, err = run(capsysbinary, str(events), str(packed))
    assert code == 2 and out == b""  # not even the rows of the first, readable file
    assert (f"rulesengine: error: cannot read {packed}: it is compressed with zstd, which cannot be read here; "
            "decompress it first (zstd -d), or pipe it in: zstd -dc FILE | rulesengine ...") in err


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_an_output_named_as_compressed_is_written_compressed(capsysbinary, events, tmp_path, kind) -> None:
    _, plain, _ = run(capsysbinary, str(events))
    rows, rejects = tmp_path / f"rows.jsonl.{kind}", tmp_path / f"rejects.jsonl.{kind}"
    broken = write(tmp_path / "broken.jsonl", ['{"interaction": "b1", "seq": 1}'])
    code, out, _ = run(capsysbinary, str(events), str(broken), "-o", str(rows), "--rejects", str(rejects))
    assert code == 1 and out == b""
    assert DECOMPRESSORS[kind](rows.read_bytes()) == plain
    assert [json.loads(line)["interaction"] for line in DECOMPRESSORS[kind](rejects.read_bytes()).splitlines()] == [
        "b1"]
    # the same rows make the same bytes: no time, no temporary name in the header
    first = rows.read_bytes()
    run(capsysbinary, str(events), str(broken), "-o", str(rows), "--rejects", str(rejects))
    assert rows.read_bytes() == first
    assert sorted(os.listdir(tmp_path)) == sorted(["events.jsonl", "broken.jsonl", rows.name, rejects.name])


def test_the_format_is_named_by_the_suffix_under_the_compression(capsysbinary, events, tmp_path) -> None:
    _, expected, _ = run(capsysbinary, str(events), "--format", "csv")
    for name in ("rows.csv", "rows.CSV.gz"):
        output = tmp_path / name
        assert run(capsysbinary, str(events), "-o", str(output))[0] == 0
        written = output.read_bytes()
        assert (gzip.decompress(written) if name.endswith(".gz") else written) == expected
    # --format wins over the name
    assert run(capsysbinary, str(events), "-o", str(tmp_path / "rows.csv.gz"), "--format", "jsonl")[0] == 0
    assert gzip.decompress((tmp_path / "rows.csv.gz").read_bytes()).startswith(b'{"interaction":')


def test_compressed_parquet_is_a_usage_error(capsysbinary, events, tmp_path) -> None:
    output = tmp_path / "rows.parquet.gz"
    code, out, err = run(capsysbinary, str(events), "-o", str(output))
    assert (code, out) == (2, b"")
    assert err == ("rulesengine run: error: Parquet compresses its own columns: name the output without .gz "
                   f"({tmp_path / 'rows.parquet'})\n")
    assert not output.exists()


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_a_compressed_parquet_input_is_refused_before_anything_is_read(capsysbinary, events, tmp_path, kind) -> None:
    """Before, its decompressed bytes were read as lines: one E100 per line of binary."""
    table = tmp_path / "events.parquet"
    assert main(["convert", str(events), "-o", str(table)]) == 0
    capsysbinary.readouterr()
    packed = tmp_path / f"events.parquet.{kind}"
    packed.write_bytes(COMPRESSORS[kind](table.read_bytes()))
    code, out, err = run(capsysbinary, str(events), str(packed))
    assert code == 2 and out == b""
    name = compression_of(packed.read_bytes()[:8]).name
    assert (f"rulesengine: error: cannot read {packed}: a Parquet file is read as it is, not {name}-compressed "
            f"(Parquet compresses its own columns); decompress it first: {name} -dk {packed}") in err


def test_a_parquet_file_under_another_name_is_refused_with_the_name_to_give_it(capsysbinary, events, tmp_path) -> None:
    table = tmp_path / "events.parquet"
    assert main(["convert", str(events), "-o", str(table)]) == 0
    capsysbinary.readouterr()
    misnamed = tmp_path / "events-parquet.jsonl"
    misnamed.write_bytes(table.read_bytes())
    code, out, err = run(capsysbinary, str(misnamed))
    assert code == 2 and out == b""
    assert (f"rulesengine: error: cannot read {misnamed}: it is a Parquet file; give it a name ending in .parquet "
            "to read its rows as events") in err
    assert run(capsysbinary, str(table))[:2] == run(capsysbinary, str(events))[:2]


def test_convert_and_generate_write_compressed_events_that_read_back(capsys, tmp_path) -> None:
    generated, converted = tmp_path / "events.jsonl.xz", tmp_path / "again.jsonl.gz"
    assert main(["generate", "--count", "20", "--seed", "3", "-o", str(generated)]) == 0
    assert main(["convert", str(generated), "-o", str(converted)]) == 0
    capsys.readouterr()
    assert gzip.decompress(converted.read_bytes()) == lzma.decompress(generated.read_bytes())


@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from([b'{"interaction": "x", "seq": 1}', b"", b"# a comment", b"\xff\xfe", b"{"]),
                     max_size=30).map(b"\n".join),
       kind=st.sampled_from(sorted(COMPRESSORS)))
def test_any_text_reads_alike_plain_and_compressed(tmp_path_factory, text: bytes, kind: str) -> None:
    folder = tmp_path_factory.mktemp("mixed")
    plain, packed = folder / "plain.jsonl", folder / f"packed.{kind}"
    plain.write_bytes(text)
    packed.write_bytes(COMPRESSORS[kind](text))

    def read(path: Path) -> list[object]:
        return [getattr(item, "diagnostics", item) for item in read_lines([str(path)])]

    def placed(path: Path) -> list[str]:
        return [str(item).replace(str(path), "FILE") for item in read(path)]

    assert placed(packed) == placed(plain)


def test_formats_by_first_bytes_and_by_suffix() -> None:
    assert [compression_of(start).name for start in (b"\x1f\x8b\x08", b"BZh91AY", b"\xfd7zXZ\x00\x00")] == [
        "gzip", "bzip2", "xz"]
    assert compression_of(b'{"interaction"') is None and compression_of(b"") is None
    assert [getattr(by_suffix(name), "name", None) for name in ("a.gz", "a.JSONL.BZ2", "a.xz", "a.jsonl", "gz")] == [
        "gzip", "bzip2", "xz", None, None]
    assert without_compression_suffix("rows.csv.gz") == "rows.csv"
    assert without_compression_suffix("rows.csv") == "rows.csv"


@pytest.mark.parametrize("kind", [None, "gz"])
def test_a_pipe_is_read_whole(capsysbinary, events, tmp_path, kind) -> None:
    """A named pipe, as `<(zcat day.gz)` gives one: nothing may be read from it before its lines."""
    _, plain, _ = run(capsysbinary, str(events))
    fifo = tmp_path / "events.pipe"
    os.mkfifo(fifo)
    data = events.read_bytes() if kind is None else COMPRESSORS[kind](events.read_bytes())

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(data)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        assert run(capsysbinary, str(fifo), "--jobs", "1")[:2] == (0, plain)
    finally:
        feeder.join(timeout=10)
