"""Rule layers as a git revision has them: the same paths `--rules` names, read from a commit.

A layer is a file or a folder of `*.rules` files in the work tree; at a revision it is the
blob at that path (`git cat-file`), or the folder's `*.rules` blobs in name order (`git
ls-tree`), each read from the repository the path lies in. Files are shown under the very
paths the work tree's layers use, so that a diagnostic points where the author looks. A path
the revision does not have is an empty layer there (the change adds it), reported as absent.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import attrs

from rulesengine.diagnostics import Diagnostic, error
from rulesengine.language.layers import Layer, default_layer, rule_text

#: how long one git command may take before the revision counts as unreadable
GIT_TIMEOUT = 60


class RevisionError(Exception):
    """The revision cannot be read at all: no git, not a repository, no such commit."""


@attrs.frozen
class LayersAt:
    """The layers read at a revision, the files that could not be, and the paths it does not have."""

    layers: list[Layer]
    unreadable: list[Diagnostic]
    absent: list[str]


def read_layers_at(paths: Sequence[str], revision: str, *, defaults: bool = True) -> LayersAt:
    """The default layer (unless `defaults=False`; it is the package's, the same at any
    revision) and each path's layer as `revision` has it."""
    result = LayersAt([default_layer()] if defaults else [], [], [])
    for path in paths:
        layer = _layer_at(path, revision, result)
        result.layers.append(layer)
    return result


def _layer_at(path: str, revision: str, into: LayersAt) -> Layer:
    given = Path(path)
    folder = given.is_dir()
    top, prefix = _place(given if folder else given.parent, path)
    found = _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if found is None:
        raise RevisionError(f"--against {revision}: no such commit in the repository at {top}")
    commit = found.decode().strip()
    inside = prefix if folder else prefix + given.name
    listing = _git(top, "ls-tree", "-z", commit, "--", *([inside] if inside else []))  # no path: the top folder
    entries = [_entry(line) for line in (listing or b"").split(b"\0") if line]
    if folder:
        wanted = sorted((name.rsplit("/", 1)[-1], blob) for kind, blob, name in entries
                        if kind == "blob" and name.endswith(".rules"))
        files = [(str(given / name), blob) for name, blob in wanted]
    else:
        files = [(path, blob) for kind, blob, _ in entries if kind == "blob"]
    if not entries:
        into.absent.append(path)
    layer = []
    for shown, blob in files:
        data = _git(top, "cat-file", "blob", blob)
        try:
            layer.append((shown, rule_text(data or b"")))
        except UnicodeDecodeError as exc:
            into.unreadable.append(error("R408", f"cannot read {shown} at {revision}: {exc}"))
    return layer


def _place(folder: Path, path: str) -> tuple[str, str]:
    """The repository's top folder and the folder's path inside it (`''` or ending in `/`)."""
    if not folder.is_dir():
        raise RevisionError(f"--against: no folder {str(folder)!r} for {path!r} in the work tree")
    top = _git(str(folder), "rev-parse", "--show-toplevel")
    prefix = _git(str(folder), "rev-parse", "--show-prefix")
    if top is None or prefix is None:
        raise RevisionError(f"--against: {path} is not in a git repository")
    return top.decode().strip(), prefix.decode().strip()


def _entry(line: bytes) -> tuple[str, str, str]:
    """`(type, object, path)` of one `git ls-tree -z` entry."""
    info, _, name = line.decode().partition("\t")
    _, kind, blob = info.split()
    return kind, blob, name


def _git(folder: str, *arguments: str) -> bytes | None:
    """What a git command prints in `folder`, or None when it fails."""
    try:
        done = subprocess.run(["git", "-C", folder, *arguments], capture_output=True, timeout=GIT_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        raise RevisionError("--against needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"--against: git {arguments[0]} took more than {GIT_TIMEOUT}s") from None
    return done.stdout if done.returncode == 0 else None
