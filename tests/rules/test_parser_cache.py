"""The rule parser's tables, kept between runs in a private cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

from rulesengine.language import parse
from rulesengine.speedups import parser_cache

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "rulesengine" / "rules").glob("*.rules"))]
BROKEN = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "tests" / "rules" / "broken").glob("syntax_*"))]


def build():
    """A parser built now, not the one this process keeps."""
    return parse.parser.__wrapped__()


def outcome(lark, text: str):
    try:
        return lark.parse(text)
    except UnexpectedInput as problem:
        return type(problem).__name__, problem.line, problem.column


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "rulesengine"


def test_tables_built_once_are_read_back_and_parse_alike(cache_home: Path) -> None:
    fresh = build()
    (cached_file,) = cache_home.glob("rules-grammar-*.lark-cache")
    assert cache_home.stat().st_mode & 0o777 == 0o700
    written = cached_file.stat().st_mtime_ns
    cached = build()
    assert cached_file.stat().st_mtime_ns == written  # read, not rebuilt
    assert len(TEXTS) >= 2 and len(BROKEN) >= 3
    for text in TEXTS + BROKEN:
        assert outcome(cached, text) == outcome(fresh, text)


def test_a_damaged_cache_is_rebuilt_without_a_word(cache_home: Path, capfd) -> None:
    build()
    (cached_file,) = cache_home.glob("rules-grammar-*.lark-cache")
    cached_file.write_bytes(cached_file.read_bytes()[:200])
    lark = build()
    assert outcome(lark, TEXTS[0]) == outcome(parse.parser(), TEXTS[0])
    assert capfd.readouterr() == ("", "")
    assert cached_file.stat().st_size > 200


def test_a_directory_others_can_write_to_is_not_used(cache_home: Path) -> None:
    cache_home.mkdir(mode=0o700)
    os.chmod(cache_home, 0o777)
    assert parser_cache.cache_dir() is None
    build()
    assert not list(cache_home.iterdir())


def test_without_a_place_for_the_cache_the_parser_is_built_each_time(tmp_path, monkeypatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert parser_cache.cache_dir() is None
    assert outcome(build(), TEXTS[0]) == outcome(parse.parser(), TEXTS[0])


def test_a_strict_build_checks_the_grammar_afresh(cache_home: Path) -> None:
    parse.parser.__wrapped__(strict=True)
    assert not cache_home.exists() or not list(cache_home.iterdir())
