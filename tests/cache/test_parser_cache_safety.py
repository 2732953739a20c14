"""The parser cache never unpickles a file this user did not write.

Each test plants a pickle that would create a marker file if it were ever unpickled.
Most tests swap the cache's own unpickler (which refuses every global) for a trusting
one, so that they show what the other checks stop on their own: the folder's and the
file's owner and mode, symbolic and hard links, the keyed digest over the bytes read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import hmac
import os
import pickle
import threading
from pathlib import Path

import pytest

from rulesengine.language import parse
from rulesengine.speedups import parser_cache

TEXT = 'rule agent.x "d" for agent when origin == route set role RoutedTo\n'


class Payload:
    """Unpickled, it creates `marker` (a stand-in for any code an attacker would run)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def build():
    """A parser built now through the cache, not the one this process keeps."""
    return parse.parser.__wrapped__()


def works(lark) -> bool:
    return lark.parse(TEXT) == parse.parser().parse(TEXT)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rulesengine"


@pytest.fixture
def tables(home: Path) -> Path:
    """The saved tables of a first build."""
    build()
    (saved,) = home.glob("rules-grammar-*.lark-cache")
    return saved


@pytest.fixture
def trusting(monkeypatch) -> None:
    """Unpickle with pickle's own unpickler, so that only the other checks stand in the way."""
    monkeypatch.setattr(parser_cache, "_PlainUnpickler", pickle.Unpickler)


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "payload-ran"


def signed(home: Path, name: str, payload: bytes, key: bytes | None = None) -> bytes:
    """A cache file's bytes, with a digest made with `key` (by default the user's own)."""
    key = (home / parser_cache.KEY_NAME).read_bytes() if key is None else key
    digest = hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return parser_cache.MAGIC + digest + payload


@pytest.fixture
def foreign(monkeypatch):
    """Make a path belong to another user: `chown` when running as root, otherwise `fstat`
    reports another owner for it (only root can give a file away)."""
    others: set[tuple[int, int]] = set()
    real_fstat = os.fstat

    def fstat(fd):
        info = real_fstat(fd)
        if (info.st_dev, info.st_ino) not in others:
            return info
        values = list(info)
        values[4] = info.st_uid + 1  # st_uid
        return os.stat_result(values)

    if os.geteuid() != 0:
        monkeypatch.setattr(os, "fstat", fstat)

    def give_away(path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, 65534, 65534, follow_symlinks=False)
        else:
            info = os.lstat(path)
            others.add((info.st_dev, info.st_ino))

    return give_away


def test_tables_and_key_are_private_and_read_back(home: Path, tables: Path) -> None:
    assert (home / "key").stat().st_mode & 0o777 == 0o600
    assert tables.stat().st_mode & 0o777 == 0o600
    saved = tables.stat()
    assert works(build())
    # read, not saved again
    assert (tables.stat().st_ino, tables.stat().st_mtime_ns) == (saved.st_ino, saved.st_mtime_ns)


@pytest.mark.usefixtures("trusting")
def test_an_unsigned_payload_is_rebuilt_over_never_unpickled(home, tables, marker) -> None:
    tables.write_bytes(pickle.dumps(Payload(marker)))
    assert works(build())
    assert not marker.exists()
    assert tables.read_bytes().startswith(parser_cache.MAGIC)  # saved again, signed


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("tamper", ["other key", "flipped byte", "other name"])
def test_a_digest_that_does_not_verify_means_rebuilt(home, tables, marker, tamper) -> None:
    payload = pickle.dumps(Payload(marker))
    if tamper == "other key":
        data = signed(home, tables.name, payload, key=b"k" * parser_cache.KEY_SIZE)
    elif tamper == "flipped byte":
        data = bytearray(signed(home, tables.name, tables.read_bytes()[len(parser_cache.MAGIC) + 32:]))
        data[-5] ^= 1
        data = bytes(data)
    else:  # a genuine file, but saved for other tables
        data = signed(home, "rules-grammar-0000000000000000.lark-cache", payload)
    tables.write_bytes(data)
    assert works(build())
    assert not marker.exists()


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("plant", ["symlink", "hard link", "mode 0666", "other owner", "other owner 0666"])
def test_a_signed_payload_that_is_not_a_private_file_of_ours_is_not_read(
        home, tables, marker, foreign, plant, tmp_path) -> None:
    put_in_place(tables, signed(home, tables.name, pickle.dumps(Payload(marker))), plant, tmp_path, foreign)
    assert works(build())
    assert not marker.exists()


def put_in_place(target: Path, data: bytes, plant: str, tmp_path: Path, give_away) -> None:
    """Put `data` under the name `target` as `plant` says: a symbolic or a hard link to a
    private file of this user, or that file itself moved there with mode 0666 or belonging
    to another user (`foreign`), or both."""
    planted = tmp_path / "planted"
    planted.write_bytes(data)
    planted.chmod(0o600)
    target.unlink()
    if plant == "symlink":
        target.symlink_to(planted)
    elif plant == "hard link":
        os.link(planted, target)
    else:
        planted.rename(target)
        if plant.endswith("0666"):
            os.chmod(target, 0o666)
        if plant.startswith("other owner"):
            give_away(target)


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("plant", ["readable by others", "symlink", "other owner"])
def test_a_key_that_is_not_private_is_not_used(home, tables, marker, foreign, plant, tmp_path) -> None:
    """Whoever could read or choose the key could sign anything."""
    key = home / parser_cache.KEY_NAME
    known = b"k" * parser_cache.KEY_SIZE
    if plant == "symlink":
        elsewhere = tmp_path / "known-key"
        elsewhere.write_bytes(known)
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    else:
        key.write_bytes(known)
        if plant == "readable by others":
            key.chmod(0o644)
        else:
            foreign(key)
    tables.write_bytes(signed(home, tables.name, pickle.dumps(Payload(marker)), key=known))
    assert works(build())
    assert not marker.exists()


@pytest.mark.usefixtures("trusting")
def test_a_folder_that_is_not_ours_is_not_used(home, tables, marker, foreign) -> None:
    """The folder's own key would verify its own payload: its owner is what stands in the way."""
    key = b"k" * parser_cache.KEY_SIZE
    (home / parser_cache.KEY_NAME).write_bytes(key)
    tables.write_bytes(signed(home, tables.name, pickle.dumps(Payload(marker)), key=key))
    foreign(home)
    assert parser_cache.CacheFolder.open() is None
    assert works(build())
    assert not marker.exists()


def test_verified_bytes_still_build_no_object(home, tables, marker) -> None:
    """Even a payload signed with the user's own key is refused by the cache's unpickler."""
    tables.write_bytes(signed(home, tables.name, pickle.dumps(Payload(marker))))
    assert works(build())
    assert not marker.exists()


def test_a_relative_cache_root_is_ignored(tables, tmp_path, monkeypatch, marker) -> None:
    """`XDG_CACHE_HOME=.` in a checkout that ships a planted cache file and key."""
    planted = tmp_path / "checkout" / "rulesengine"
    planted.mkdir(parents=True, mode=0o700)
    key = b"k" * parser_cache.KEY_SIZE
    (planted / parser_cache.KEY_NAME).write_bytes(key)
    (planted / tables.name).write_bytes(signed(planted, tables.name, pickle.dumps(Payload(marker)), key=key))
    for path in planted.iterdir():
        path.chmod(0o600)
    monkeypatch.chdir(planted.parent)
    monkeypatch.setenv("XDG_CACHE_HOME", ".")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(parser_cache, "_PlainUnpickler", pickle.Unpickler)
    assert parser_cache.cache_dir() == str(tmp_path / "home" / ".cache" / "rulesengine")
    assert works(build())
    assert not marker.exists()
    monkeypatch.setenv("HOME", "home")
    assert parser_cache.cache_dir() is None


def _exchange():
    """`renameat2(RENAME_EXCHANGE)`: two names swap their files in one step."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = libc.renameat2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]

    def exchange(first: Path, second: Path) -> None:
        if renameat2(-100, bytes(first), -100, bytes(second), 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
            raise OSError(ctypes.get_errno(), "renameat2")

    return exchange


@pytest.mark.usefixtures("trusting")
def test_a_file_swapped_while_it_is_read_is_never_unpickled(home, tables, marker) -> None:
    """The payload is this user's own private file, swapped with the tables again and
    again: only the digest over the bytes actually read can tell them apart."""
    exchange = _exchange()
    payload = home / "payload"
    payload.write_bytes(parser_cache.MAGIC + b"\0" * 32 + pickle.dumps(Payload(marker)))
    payload.chmod(0o600)
    genuine = tables.read_bytes()
    stop = threading.Event()
    swaps = []

    def swap() -> None:
        while not stop.is_set():
            exchange(tables, payload)
            swaps.append(1)

    swapper = threading.Thread(target=swap)
    swapper.start()
    read_back = reads = 0
    try:
        # reads go on until some came back whole while the files were being swapped (so the
        # check refuses only what changed, not everything): how many that takes depends on
        # how the two threads happen to be scheduled, which a loaded machine changes
        while reads < 400 or ((not read_back or len(swaps) <= 10) and reads < 40_000):
            reads += 1
            folder = parser_cache.CacheFolder.open()
            try:
                data = folder.read(tables.name)
            finally:
                folder.close()
            if data is not None:
                pickle.loads(data)
                read_back += 1
    finally:
        stop.set()
        swapper.join()
    assert not marker.exists()
    assert read_back and len(swaps) > 10, (read_back, len(swaps), reads)
    assert genuine in (tables.read_bytes(), payload.read_bytes())
