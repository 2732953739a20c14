"""A saved rule set is read back only when this user's own run saved it, and builds only what it may.

As in `test_parser_cache_safety`, a planted pickle would create a marker file if it were
ever unpickled by a trusting unpickler. Whatever is wrong with the saved file, the rule set
is loaded from its files as if there were no cache, nothing is printed, and a sound copy is
saved again when the folder allows.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from rulesengine.decide import saved
from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.speedups import parser_cache, saved_objects
from tests.cache.test_parser_cache_safety import Payload, foreign, put_in_place, signed

__all__ = ["foreign"]  # a fixture, used by name

LAYERS = [default_layer(), [("site.rules", 'rule agent.site "s" for agent when resource == "A" set role RoutedTo\n')]]
EXPECTED = [d.render() for d in load_layers(LAYERS, {}).diagnostics]


@pytest.fixture
def home(cache_folder: Path) -> Path:
    return cache_folder


@pytest.fixture
def kept(home: Path) -> Path:
    """The file of the rule set a first load saved."""
    load_layers(LAYERS, {})
    (path,) = home.glob(f"*.{saved.KIND}-cache")
    return path


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


def loads_soundly(capfd) -> bool:
    loaded = load_layers(LAYERS, {})
    return (loaded.decider is not None and [d.render() for d in loaded.diagnostics] == EXPECTED
            and capfd.readouterr() == ("", ""))


def saved_again(kept: Path) -> bool:
    """The file holds a rule set this user's key signed, which unpickles as one."""
    found = saved.recall(kept.name.removesuffix(f".{saved.KIND}-cache"))
    return kept.read_bytes().startswith(parser_cache.MAGIC) and found is not None


def two_parts(first: object, second: object) -> bytes:
    """A saved object's payload, as `saved_objects.keep` lays it out."""
    parts = []
    for part in (first, second):
        pickled = io.BytesIO()
        saved_objects._Pickler(pickled).dump(part)
        parts.append(pickled.getvalue())
    return len(parts[0]).to_bytes(8, "big") + parts[0] + parts[1]


def test_a_saved_rule_set_is_private(home: Path, kept: Path) -> None:
    assert kept.stat().st_mode & 0o777 == 0o600 and home.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("damage", ["truncated", "emptied", "flipped byte", "unsigned pickle", "other key",
                                    "signed for another name"])
def test_a_damaged_or_forged_file_is_ignored_and_saved_again(home, kept, marker, capfd, damage) -> None:
    genuine = kept.read_bytes()
    forged = pickle.dumps(Payload(marker))
    if damage == "truncated":
        data = genuine[:len(genuine) // 2]
    elif damage == "emptied":
        data = b""
    elif damage == "flipped byte":
        data = bytearray(genuine)
        data[-3] ^= 1
    elif damage == "unsigned pickle":
        data = forged
    elif damage == "other key":
        data = signed(home, kept.name, forged, key=b"k" * parser_cache.KEY_SIZE)
    else:
        data = signed(home, "rules-0000.rules-cache", genuine[len(parser_cache.MAGIC) + 32:])
    kept.write_bytes(bytes(data))
    assert loads_soundly(capfd)
    assert not marker.exists()
    assert saved_again(kept)


@pytest.mark.parametrize("plant", ["symlink", "hard link", "mode 0666", "other owner", "other owner 0666"])
def test_a_signed_file_that_is_not_a_private_file_of_ours_is_not_read(
        home, kept, marker, foreign, plant, tmp_path, monkeypatch, capfd) -> None:
    monkeypatch.setattr(saved_objects, "_AllowedUnpickler", _Trusting)
    put_in_place(kept, signed(home, kept.name, pickle.dumps(Payload(marker))), plant, tmp_path, foreign)
    assert loads_soundly(capfd)
    assert not marker.exists()


class _Trusting(pickle.Unpickler):
    """pickle's own unpickler, so that only the checks before unpickling stand in the way."""

    def __init__(self, file: io.BytesIO, allowed: saved_objects.Allowed) -> None:
        super().__init__(file)


def test_verified_bytes_still_build_only_what_is_allowed(home, kept, marker, capfd) -> None:
    """Even a payload signed with the user's own key names no class or function outside the allowance."""
    kept.write_bytes(signed(home, kept.name, pickle.dumps(Payload(marker))))
    assert loads_soundly(capfd)
    assert not marker.exists()


@pytest.mark.parametrize(("module", "name"), [
    ("os", "system"), ("builtins", "eval"), ("builtins", "getattr"),
    ("rulesengine.language.layers", "load_program"),  # a function of an allowed module, not a class
    ("rulesengine.cli.run", "main"), ("rulesengine.output.files", "Output"),
    ("rulesengine.language.compile", "Translator.function"),  # a dotted name
    ("rulesengine.language.compile", "re"),  # a module an allowed module imported
    ("rulesengine.language.nowhere", "Thing"),
])
def test_names_outside_the_allowance_are_refused(module, name) -> None:
    with pytest.raises(pickle.UnpicklingError):
        saved._allowed().find(module, name)


def test_what_a_rule_set_is_made_of_is_allowed() -> None:
    allowed = saved._allowed()
    assert allowed.find("rulesengine.language.syntax", "Rule").__name__ == "Rule"
    assert allowed.find("rulesengine.language.compile", "_eq").__name__ == "_eq"
    assert allowed.find("builtins", "any") is any


@pytest.mark.parametrize("payload", ["a program", "too short", "a length past the end"])
def test_a_signed_object_of_another_type_or_shape_is_not_taken_for_a_rule_set(home, kept, capfd, payload) -> None:
    data = {"a program": two_parts(load_layers(LAYERS, {}).program, ()), "too short": b"\0\0\0",
            "a length past the end": (1 << 40).to_bytes(8, "big") + pickle.dumps(1)}[payload]
    kept.write_bytes(signed(home, kept.name, data))
    assert loads_soundly(capfd)
    assert saved_again(kept)


def test_the_later_part_is_verified_with_the_first(home, kept, marker, capfd) -> None:
    """A forged later part (the syntax trees) breaks the digest of the whole file."""
    data = bytearray(kept.read_bytes())
    data[-40:] = pickle.dumps(Payload(marker))[-40:].ljust(40, b".")
    kept.write_bytes(bytes(data))
    loaded = load_layers(LAYERS, {})
    assert loaded.rules and not marker.exists()
    assert loads_soundly(capfd)


def test_a_folder_that_is_not_ours_is_not_used(home, kept, foreign, capfd) -> None:
    foreign(home)
    assert loads_soundly(capfd)
    assert saved_objects.recall("anything", saved.KIND, saved._allowed()) is None
