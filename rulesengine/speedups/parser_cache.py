"""The rule parser's tables, kept between runs, and read back only when this user wrote them.

Building the LALR tables of the rule language takes a good part of a short run's
start, so they are saved in a private folder (`cache_dir`). Lark saves a parser with
pickle, and unpickling a file can run any code its author put in it, so a saved
file is trusted only as far as it can be proved to be our own:

- the cache root is an absolute path, and the folder is opened once, without
  following a symbolic link at its end; it must belong to this user and be
  writable by nobody else. Every later open is made relative to that descriptor,
  so renaming or swapping folders along the path afterwards changes nothing;
- a file is opened with `O_NOFOLLOW`, then its descriptor is checked (`fstat`): a
  regular file with one link, belonging to this user, writable by nobody else;
- its bytes start with a keyed digest (HMAC-SHA256) made with a secret kept beside
  them (`key`, readable by this user only), and the digest is checked over exactly
  the bytes read, before anything is unpickled; a file swapped in after the checks
  is never read, and one changed by anyone without the secret does not verify;
- the unpickler refuses every global, so even verified bytes can only build plain
  data (dicts, lists, strings, numbers), never call anything.

Whatever fails a check is ignored: the tables are built afresh and, when the folder
passes, saved again. Nothing is ever reported; deleting the folder is always safe, and
`RULESENGINE_NO_CACHE` set to anything but an empty string means no folder at all.
The folder also keeps loaded rule sets (`saved_objects`), with the same checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark

#: what every saved file starts with, before its digest
MAGIC = b"rulesengine parser tables 1\n"
KEY_NAME = "key"
KEY_SIZE = 32
#: set to anything but an empty string, nothing is read from the cache folder nor written to it
OFF_SWITCH = "RULESENGINE_NO_CACHE"
_DIGEST_SIZE = hashlib.sha256().digest_size
#: a saved parser is about 35 KB: anything far larger is not one of ours
_MOST_BYTES = 1 << 24
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# O_NONBLOCK: opening a FIFO planted under a cache name must not wait for a writer
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0))


def cached_lark(grammar: str, **options: Any) -> Lark:
    """A LALR `Lark` parser for `grammar`: read back from the cache when it holds a
    verified copy of these very tables, otherwise built (and saved for next time). lark is
    loaded here, not with the module: the cache folder also keeps rule sets, which are read
    back without parsing anything."""
    from lark import Lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    name = _file_name(grammar, options)
    loading = {key: value for key, value in options.items() if key in _LOAD_ALLOWED_OPTIONS}
    folder = CacheFolder.open()
    try:
        if folder is not None:
            data = folder.read(name)
            if data is not None:
                try:
                    saved = _PlainUnpickler(io.BytesIO(data)).load()
                    return Lark._load_from_dict(saved["data"], saved["memo"], **loading)
                except Exception:  # noqa: BLE001 - tables from another lark: build them anew
                    pass
        lark = Lark(grammar, **options)
        if folder is not None:
            saved_bytes = io.BytesIO()
            lark.save(saved_bytes, _LOAD_ALLOWED_OPTIONS)
            folder.write(name, saved_bytes.getvalue())
        return lark
    finally:
        if folder is not None:
            folder.close()


def cache_dir() -> str | None:
    """The cache folder, made if missing, when it passes the checks (else None).

    `$XDG_CACHE_HOME/rulesengine`, by default `~/.cache/rulesengine`. A relative
    `XDG_CACHE_HOME` is ignored, as the XDG specification asks, and a relative home
    means no cache: a relative root would put the cache wherever the command runs.
    The checks are made again on the folder's descriptor when it is used (`CacheFolder`).
    None too when `RULESENGINE_NO_CACHE` is set.
    """
    if not hasattr(os, "geteuid") or os.environ.get(OFF_SWITCH):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None
    folder = os.path.join(base, "rulesengine")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder, follow_symlinks=False)
    except OSError:
        return None
    return folder if _private_folder(info, os.geteuid()) else None


def _private_folder(info: os.stat_result, uid: int) -> bool:
    """A folder of this user that nobody else may write to."""
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == uid
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


class CacheFolder:
    """The cache folder, held open by its descriptor once checked; every file opened from it."""

    def __init__(self, fd: int, uid: int) -> None:
        self._fd = fd
        self._uid = uid
        self._key: bytes | None = None

    @classmethod
    def open(cls) -> CacheFolder | None:
        """The folder, if it belongs to this user and nobody else may write to it."""
        path = cache_dir()
        if path is None or os.open not in os.supports_dir_fd:
            return None
        try:
            fd = os.open(path, _FOLDER_FLAGS)
        except OSError:
            return None
        uid = os.geteuid()
        if not _private_folder(os.fstat(fd), uid):
            os.close(fd)
            return None
        return cls(fd, uid)

    def close(self) -> None:
        os.close(self._fd)

    def read(self, name: str, *, most_bytes: int = _MOST_BYTES) -> bytes | None:
        """The payload saved under `name`, if its digest verifies over the bytes read (and
        they are no more than `most_bytes`)."""
        data = self._read_own(name, private=False, most_bytes=most_bytes)
        key = self._secret(create=False)
        if data is None or key is None or not data.startswith(MAGIC):
            return None
        digest = data[len(MAGIC):len(MAGIC) + _DIGEST_SIZE]
        payload = data[len(MAGIC) + _DIGEST_SIZE:]
        if not hmac.compare_digest(digest, _sign(key, name, payload)):
            return None
        return payload

    def write(self, name: str, payload: bytes) -> None:
        """Save `payload` under `name` with its digest; quietly nothing when that fails."""
        key = self._secret(create=True)
        if key is not None:
            self._write_new(name, MAGIC + _sign(key, name, payload) + payload)

    def touch(self, name: str) -> None:
        """Mark the file `name` as used now (`prune` removes the least recently used)."""
        with contextlib.suppress(OSError):
            os.utime(name, dir_fd=self._fd, follow_symlinks=False)

    def prune(self, suffix: str, kept: int) -> None:
        """Remove the least recently used files whose names end in `suffix`, past `kept` of them."""
        try:
            names = [name for name in os.listdir(self._fd) if name.endswith(suffix) and not name.startswith(".")]
        except OSError:
            return
        if len(names) <= kept:
            return
        dated = []
        for name in names:
            with contextlib.suppress(OSError):
                dated.append((os.stat(name, dir_fd=self._fd, follow_symlinks=False).st_mtime_ns, name))
        for _, name in sorted(dated)[:max(len(dated) - kept, 0)]:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=self._fd)

    def _secret(self, *, create: bool) -> bytes | None:
        """The key the digests are made with: this user's alone, made on first use."""
        if self._key is None:
            key = self._read_own(KEY_NAME, private=True)
            if key is None and create and not self._exists(KEY_NAME):
                self._write_new(KEY_NAME, secrets.token_bytes(KEY_SIZE))
                key = self._read_own(KEY_NAME, private=True)
            self._key = key if key is not None and len(key) == KEY_SIZE else None
        return self._key

    def _exists(self, name: str) -> bool:
        try:
            os.stat(name, dir_fd=self._fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        except OSError:
            return True
        return True

    def _read_own(self, name: str, *, private: bool, most_bytes: int = _MOST_BYTES) -> bytes | None:
        """A file's bytes, if it is a plain file of this user that nobody else may change
        (nor read, when `private`); checked on the descriptor the bytes are read from."""
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=self._fd)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            others = 0o077 if private else stat.S_IWGRP | stat.S_IWOTH
            if (not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_uid != self._uid
                    or info.st_mode & others or info.st_size > most_bytes):
                return None
            return _read_all(fd, most_bytes)
        except OSError:
            return None
        finally:
            os.close(fd)

    def _write_new(self, name: str, data: bytes) -> None:
        """Write a new private file under a name of its own, then move it over `name`."""
        temporary = f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(temporary, _CREATE_FLAGS, 0o600, dir_fd=self._fd)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, name, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._fd)


def _read_all(fd: int, most_bytes: int) -> bytes:
    chunks = []
    size = 0
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        size += len(chunk)
        if size > most_bytes:
            raise OSError("larger than a file of the cache")
    return b"".join(chunks)


def _sign(key: bytes, name: str, payload: bytes) -> bytes:
    """The digest of a payload saved under `name` (so one file cannot stand in for another)."""
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def _file_name(grammar: str, options: dict[str, Any]) -> str:
    """A name that changes with the grammar, the options, lark and Python, so stale tables are never read."""
    from lark import __version__ as lark_version
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    settings = "".join(f"{key}={value!r};" for key, value in sorted(options.items())
                       if key not in _LOAD_ALLOWED_OPTIONS)
    text = f"{grammar}\0{settings}\0{lark_version}\0{sys.version_info[:2]}"
    return f"rules-grammar-{hashlib.sha256(text.encode()).hexdigest()[:16]}.lark-cache"


class _PlainUnpickler(pickle.Unpickler):
    """An unpickler for plain data only: any class or function it is asked for is refused."""

    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        raise pickle.UnpicklingError(f"refused to load {module}.{name} from the parser cache")
