"""Loaded rule sets kept between runs: what makes a large site layer start in well under a second.

Parsing, checking and compiling 5,000 rules takes seconds; reading back the rule set a
previous run loaded from the same files takes a fraction of one. A rule set is saved whole
(syntax, checked facts, diagnostics, compiled rules and the deciding functions) in the
private cache folder (`speedups.saved_objects`, with the parser tables' proof of origin),
under a name that is a digest of everything the outcome depends on: each layer's files
(the path as shown and the text), the parameters set, the engine's own code and grammar
(every module and data file of the package, by content), and the versions of Python and
of the libraries whose objects it holds. Any change to one of these reads another name,
so a stale rule set is never read back.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections.abc import Mapping, Sequence
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import msgspec

from rulesengine.decide import decider
from rulesengine.language.compile import Translator
from rulesengine.speedups import saved_objects

KIND = "rules"
#: the modules whose classes a saved rule set is made of
MODULES = frozenset({
    "rulesengine.diagnostics", "rulesengine.model.valuetypes",
    "rulesengine.language.syntax", "rulesengine.language.ir", "rulesengine.language.check",
    "rulesengine.language.patterns", "rulesengine.language.vocabulary", "rulesengine.language.plan",
    "rulesengine.language.overlap", "rulesengine.language.compile", "rulesengine.language.layers",
    "rulesengine.decide.decider", "rulesengine.decide.ruleset",
})
#: files of the package whose content the name depends on: its code and its grammar
_ENGINE_FILES = re.compile(r".*\.(py|lark)\Z")


def recall(name: str) -> tuple[object, saved_objects.Later] | None:
    """The rule set saved under `name` (and its later part), if there is a sound one."""
    return saved_objects.recall(name, KIND, _allowed())


def keep(name: str, value: object, later: object) -> None:
    saved_objects.keep(name, KIND, value, later)


def name_of(layers: Sequence[Sequence[tuple[str, str]]], settings: Mapping[str, str]) -> str:
    """The name a rule set loaded from these layers with these settings is saved under."""
    digest = hashlib.sha256(engine_fingerprint().encode())
    for number, layer in enumerate(layers):
        for path, text in layer:
            _add(digest, f"layer {number}", path, text)
    for key, value in sorted(settings.items()):
        _add(digest, "set", repr(key), repr(value))  # by repr: a value that is not text is told apart
    return f"rules-{digest.hexdigest()[:32]}"


def _add(digest: hashlib._Hash, *parts: str) -> None:
    """Each part with its length, so no two different lists of parts give the same bytes."""
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)


@functools.cache
def engine_fingerprint() -> str:
    """A digest of the package's code and grammar, and of the versions of what a saved rule
    set holds objects of (Python, attrs, msgspec) or was parsed with (lark). Their versions are
    read from their installed metadata: importing lark to ask it would cost a start whose rule
    set is read back a tenth of its time, for a parser it never uses."""
    digest = hashlib.sha256()
    _add(digest, sys.version, _version_of("attrs"), msgspec.__version__, _version_of("lark"))
    root = Path(__file__).resolve().parents[1]  # the package
    for path in sorted(root.rglob("*")):
        if _ENGINE_FILES.match(path.name) and path.is_file():
            _add(digest, path.relative_to(root).as_posix())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _version_of(package: str) -> str:
    """A package's version, from its installed metadata, or from the package itself when it was
    put on the path without any (a copy in a source tree)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return str(import_module(package).__version__)


@functools.cache
def _allowed() -> saved_objects.Allowed:
    """The classes of `MODULES`, and the functions a compiled rule set refers to by name: what
    generated code calls (the translator's namespace), the picker of no rule, and how
    msgspec rebuilds its records."""
    named = [value for value in Translator().namespace.values() if callable(value)]
    return saved_objects.Allowed(MODULES, (*named, decider._nobody, _msgspec_rebuild()))


def _msgspec_rebuild() -> object:
    """The function msgspec names when it saves a record with keyword-only fields (the nodes
    of `syntax` and `ir`)."""

    class Probe(msgspec.Struct, kw_only=True):
        field: int = 0

    reduced = Probe().__reduce__()
    return reduced[0] if isinstance(reduced, tuple) else reduced


