"""Loaded rule sets kept between runs: read back, what a command prints is the same to the byte."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import attrs
import lark
import pytest

from rulesengine.cli import main
from rulesengine.decide import saved
from rulesengine.decide.ruleset import LoadedRules, default_layer, load_layers, load_rules
from rulesengine.language import parse as language_parse
from rulesengine.speedups import parser_cache, saved_objects

#: a site layer with what a saved rule set must bring back: a parameter set on the command
#: line and one read by no rule (R303), rules looked up by value, a glob, a step pattern,
#: two rules that may tie (each the other's rival), one that never decides (R302), rules
#: that decide parties of the sample
SITE = """\
extend vocabulary result_reason: Site, Slow
param slow: duration = 40s  "an engagement this long is slow"
param unused: int = 3  "read by no rule"

rule site.slow "a slow agent" for agent
  when engage > slow and resource matches "Agent1*"
  set result Completed reason Slow priority 5

rule site.retried "an agent invited twice" for agent
  match invited+ accepted _*
  when resource matches "Agent?"
  set result Completed reason Site priority 6

rule site.tie_a "ties with tie_b" for queue
  when resource matches "Chat_S*"
  set result Abandoned priority 7

rule site.tie_b "ties with tie_a" for queue
  when resource matches "*"
  set result CustomerAbandoned priority 7

rule site.workbin "every workbin" for workbin
  set role Received priority 9

rule site.never "a workbin rule site.workbin always beats" for workbin
  when resource == "VIP"
  set role Puller priority 8
""" + "".join(
    f'\nrule site.agent_{n} "agent {n}" for agent\n  when resource == "{"Agent2" if n == 3 else f"Site_{n}"}"\n'
    f"  set result Completed reason Site priority 4\n" for n in range(6))


@pytest.fixture
def cache(cache_folder: Path) -> Path:
    return cache_folder


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site.rules"
    path.write_text(SITE, encoding="utf-8")
    return path


def saved_sets(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"*.{saved.KIND}-cache"))


def command(capsysbinary, *argv: str) -> tuple[int, bytes, bytes]:
    """The exit code, standard output, and standard error with its timing masked."""
    code = main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, re.sub(rb"in \d+\.\d\ds", b"in <time>s", err)


COMMANDS = [
    ("run", "--sample", "--coverage"),
    ("explain", "--sample", "--derivation", "--interaction", "C3"),
    ("explain", "--sample", "--format", "json"),
    ("check",),
    ("rules", "show", "site.slow"),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_command_prints_the_same_with_the_rule_set_read_back(capsysbinary, monkeypatch, cache, site, argv):
    given = [*argv, "--rules", str(site), "--set", "slow=30s"]
    monkeypatch.setenv(parser_cache.OFF_SWITCH, "1")
    uncached = command(capsysbinary, *given)
    monkeypatch.delenv(parser_cache.OFF_SWITCH)
    first = command(capsysbinary, *given)
    (kept,) = saved_sets(cache)
    written = kept.stat().st_ino
    read_back = command(capsysbinary, *given)
    assert kept.stat().st_ino == written  # read, not saved again
    assert uncached == first == read_back
    assert uncached[0] in (0, 1) and (uncached[1] or uncached[2])


def test_the_loaded_rule_set_read_back_has_the_same_rules_and_diagnostics(cache, site) -> None:
    built = load_rules([str(site)], {"slow": "30s"})
    read = load_rules([str(site)], {"slow": "30s"})
    assert read is not built and isinstance(read, LoadedRules)
    assert [d.render() for d in read.diagnostics] == [d.render() for d in built.diagnostics]
    assert {d.code for d in read.diagnostics} == {"R302", "R303"}
    assert read.rules == built.rules and dict(read.params) == dict(built.params)
    assert read.vocabulary == built.vocabulary and read.facts.keys() == built.facts.keys()
    assert read.decider is not None and built.decider is not None
    assert [(r.ref, r.source, r.rivals, r.crowded, r.key) for r in read.decider.rules] == [
        (r.ref, r.source, r.rivals, r.crowded, r.key) for r in built.decider.rules]
    [tie_a] = [r for r in read.decider.rules if r.id == "site.tie_a"]
    assert tie_a.rivals["result"] == {"site.tie_b"}


def test_the_rules_syntax_trees_are_read_back_only_when_asked_for(cache, site) -> None:
    built = load_rules([str(site)], {})
    read = load_rules([str(site)], {})
    later = read._later_rules
    assert later is not None and later._data is not None
    assert read.decider is not None and read.diagnostics == built.diagnostics and read.params == built.params
    assert later._data is not None  # deciding and the diagnostics need no syntax tree
    assert read.rules == built.rules and read.program.rules == built.program.rules
    assert later._data is None
    assert read.program.compiled is read.program.compiled is not None


def test_a_changed_file_or_parameter_is_loaded_anew(cache, site) -> None:
    load_rules([str(site)], {})
    assert len(saved_sets(cache)) == 1
    assert load_rules([str(site)], {"slow": "30s"}).params["slow"].value != load_rules([str(site)], {}).params[
        "slow"].value
    assert len(saved_sets(cache)) == 2
    site.write_text(SITE.replace("priority 5", "priority 9"), encoding="utf-8")
    changed = load_rules([str(site)], {})
    assert next(r for r in changed.rules if r.id.text == "site.slow").priority == 9
    assert len(saved_sets(cache)) == 3
    moved = site.rename(site.with_name("other.rules"))
    assert load_rules([str(moved)], {}).rules[-1].span.path == str(moved)  # the path is part of the name


def test_every_part_of_the_name_counts() -> None:
    layers = [default_layer(), [("a.rules", "x"), ("b.rules", "y")]]
    names = {
        saved.name_of(layers, {}),
        saved.name_of([default_layer(), [("a.rules", "xb.rules"), ("", "y")]], {}),
        saved.name_of([default_layer(), [("a.rules", "x")], [("b.rules", "y")]], {}),
        saved.name_of(layers, {"a": "1"}),
        saved.name_of(layers, {"a": "2"}),
        saved.name_of(layers, {"a": 2}),  # a value that is not text (the API makes them text first)
        saved.name_of([[("a.rules", "x"), ("b.rules", "y")]], {}),
    }
    assert len(names) == 7


def test_another_engine_reads_another_name(monkeypatch) -> None:
    layers = [default_layer()]
    before = saved.name_of(layers, {})
    monkeypatch.setattr(saved, "engine_fingerprint", lambda: "another engine")
    assert saved.name_of(layers, {}) != before


def test_the_engine_fingerprint_follows_the_package_code(monkeypatch, tmp_path) -> None:
    package = tmp_path / "package"
    (package / "decide").mkdir(parents=True)
    (package / "decide" / "saved.py").write_text("x = 1\n")
    (package / "grammar.lark").write_text("start: x\n")
    (package / "notes.txt").write_text("not code\n")
    monkeypatch.setattr(saved, "__file__", str(package / "decide" / "saved.py"))
    fingerprints = []
    for change in ("", "grammar", "notes"):
        if change == "grammar":
            (package / "grammar.lark").write_text("start: y\n")
        if change == "notes":
            (package / "notes.txt").write_text("still not code\n")
        saved.engine_fingerprint.cache_clear()
        fingerprints.append(saved.engine_fingerprint())
    saved.engine_fingerprint.cache_clear()
    assert fingerprints[0] != fingerprints[1] == fingerprints[2]


def test_unreadable_files_are_never_saved(cache, tmp_path) -> None:
    loaded = load_rules([str(tmp_path / "missing.rules")], {})
    assert [d.code for d in loaded.errors] == ["R407"]
    assert saved_sets(cache) == []


def test_the_off_switch_reads_and_writes_nothing(cache, site, monkeypatch) -> None:
    monkeypatch.setenv(parser_cache.OFF_SWITCH, "yes")
    assert load_rules([str(site)], {}).decider is not None
    assert not cache.exists()
    monkeypatch.setenv(parser_cache.OFF_SWITCH, "")  # empty: as if not set
    load_rules([str(site)], {})
    assert len(saved_sets(cache)) == 1


def test_the_least_recently_used_sets_are_forgotten(cache, monkeypatch) -> None:
    monkeypatch.setattr(saved_objects, "KEPT", 3)
    texts = [f'rule agent.x{n} "x" for agent when origin == route set role RoutedTo\n' for n in range(5)]
    load_layers([default_layer(), [("a.rules", texts[0])]], {})
    first = saved_sets(cache)
    for text in texts[1:3]:
        load_layers([default_layer(), [("a.rules", text)]], {})
    os.utime(first[0], ns=(1, 1))  # long unused...
    load_layers([default_layer(), [("a.rules", texts[0])]], {})  # ...until read back now
    for text in texts[3:]:
        load_layers([default_layer(), [("a.rules", text)]], {})
    kept = saved_sets(cache)
    assert len(kept) == 3 and first[0] in kept


def test_a_rule_set_that_cannot_be_saved_is_still_loaded(cache, monkeypatch, site) -> None:
    def refuse(*args, **kwargs):
        raise TypeError("cannot pickle")

    monkeypatch.setattr(saved_objects._Pickler, "dump", refuse)
    assert load_rules([str(site)], {}).decider is not None
    assert saved_sets(cache) == []


def test_a_rule_set_too_large_to_keep_is_not_saved(cache, monkeypatch, site) -> None:
    monkeypatch.setattr(saved_objects, "MOST_BYTES", 1000)
    assert load_rules([str(site)], {}).decider is not None
    assert saved_sets(cache) == []


def test_a_generated_function_with_a_closure_is_not_saved(cache) -> None:
    namespace: dict = {}
    exec("def outer():\n    y = 1\n    def inner():\n        return y\n    return inner\n", namespace)
    saved_objects.keep("closure", "test", namespace["outer"]())
    assert not list(cache.glob("*.test-cache"))


def _load_site(path: str) -> list[str]:
    return [d.render() for d in load_rules([path], {}).diagnostics]


def test_concurrent_writers_leave_one_sound_rule_set(cache, site) -> None:
    expected = _load_site(str(site))
    for kept in saved_sets(cache):
        kept.unlink()
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        results = pool.map(_load_site, [str(site)] * 8)
    assert results == [expected] * 8
    (kept,) = saved_sets(cache)
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
    data = kept.read_bytes()
    read_back = load_rules([str(site)], {})
    assert kept.read_bytes() == data  # read back, not replaced
    assert [d.render() for d in read_back.diagnostics] == expected


def test_loading_builds_no_syntax_tree_when_the_set_is_read_back(cache, site, monkeypatch) -> None:
    load_rules([str(site)], {})

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(language_parse, "parse", no_parsing)
    assert load_rules([str(site)], {}).decider is not None


_LOADS = """
import sys
from rulesengine.decide.ruleset import load_rules
print(load_rules(sys.argv[1:], {}).decider is not None, "lark" in sys.modules)
"""


def test_a_set_read_back_loads_no_parser(cache, site) -> None:
    """Reading a saved rule set back needs no parser: a fresh process that does it never imports
    lark (a tenth of a short run's start), where one that parses the files does."""
    def fresh() -> list[str]:
        return subprocess.run([sys.executable, "-c", _LOADS, str(site)], capture_output=True, text=True,
                              check=True).stdout.split()

    assert fresh() == ["True", "True"]  # nothing saved yet: parsed, and saved
    assert saved_sets(cache)
    assert fresh() == ["True", "False"]


def test_a_later_part_that_is_not_the_rules_is_refused(cache, site) -> None:
    read = load_rules([str(site)], {})
    broken = attrs.evolve(read, later_rules=saved_objects.Later(pickle.dumps(["not", "rules"]), saved._allowed()))
    with pytest.raises(TypeError, match="not a tuple"):
        broken.program  # noqa: B018 - the property reads the later part


def test_a_folder_that_cannot_be_listed_is_left_as_it_is(cache, site, monkeypatch) -> None:
    listed = os.listdir

    def unlisted(path):
        if isinstance(path, int):  # the cache folder, by its descriptor
            raise PermissionError(13, "Permission denied")
        return listed(path)

    monkeypatch.setattr(saved_objects, "KEPT", 0)
    monkeypatch.setattr(os, "listdir", unlisted)
    assert load_rules([str(site)], {}).decider is not None
    assert len(saved_sets(cache)) == 1  # saved, and nothing removed


def test_a_version_without_installed_metadata_is_asked_of_the_package(monkeypatch) -> None:
    assert saved._version_of("lark") == lark.__version__  # from the metadata

    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(saved, "version", not_installed)
    assert saved._version_of("lark") == lark.__version__
