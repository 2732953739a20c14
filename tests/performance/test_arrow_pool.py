"""Arrow allocates from the system's allocator only in a process whose command asked for it, only
when the user chose no allocator, and no child process inherits the choice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rulesengine.speedups import arrow_pool


@pytest.fixture
def asked():
    before = arrow_pool._Asked.system
    arrow_pool.prefer_system_pool()
    yield
    arrow_pool._Asked.system = before


def test_the_allocator_is_named_around_the_import_only(asked, monkeypatch) -> None:
    monkeypatch.delenv(arrow_pool.POOL_VARIABLE, raising=False)
    with arrow_pool.pool_chosen():
        assert os.environ[arrow_pool.POOL_VARIABLE] == "system"
    assert arrow_pool.POOL_VARIABLE not in os.environ


def test_the_user_s_choice_is_kept(asked, monkeypatch) -> None:
    monkeypatch.setenv(arrow_pool.POOL_VARIABLE, "jemalloc")
    with arrow_pool.pool_chosen():
        assert os.environ[arrow_pool.POOL_VARIABLE] == "jemalloc"
    assert os.environ[arrow_pool.POOL_VARIABLE] == "jemalloc"


def test_a_program_s_own_process_is_left_alone(monkeypatch) -> None:
    monkeypatch.delenv(arrow_pool.POOL_VARIABLE, raising=False)
    monkeypatch.setattr(arrow_pool._Asked, "system", False)
    with arrow_pool.pool_chosen():
        assert arrow_pool.POOL_VARIABLE not in os.environ


_COMMAND = ("import os, sys; from rulesengine.cli import main; sys.argv = ['rulesengine', *sys.argv[1:]]; main(); "
            "print('pyarrow' in sys.modules and sys.modules['pyarrow'].default_memory_pool().backend_name, "
            "os.environ.get('ARROW_DEFAULT_MEMORY_POOL'))")


@pytest.mark.parametrize(("name", "chosen", "allocator"), [("events.parquet", None, "system"),
                                                           ("events.parquet", "mimalloc", "mimalloc"),
                                                           ("events.jsonl", None, "False")])
def test_a_command_reading_parquet_allocates_from_the_system_s_allocator(tmp_path, name, chosen, allocator) -> None:
    """And one that reads no Parquet imports no pyarrow."""
    from rulesengine.events.parquet import write_events

    lines = [b'{"interaction":"c1","seq":1,"ts":"2026-01-01T00:00:00Z","event":"interaction.created","media":"chat"}']
    if name.endswith(".parquet"):
        write_events(lines, str(tmp_path / name))
    else:
        (tmp_path / name).write_bytes(lines[0] + b"\n")
    environment = {key: value for key, value in os.environ.items() if key != arrow_pool.POOL_VARIABLE}
    if chosen:
        environment[arrow_pool.POOL_VARIABLE] = chosen
    done = subprocess.run([sys.executable, "-c", _COMMAND, "run", str(tmp_path / name), "-o", str(tmp_path / "rows")],
                          capture_output=True, text=True, env=environment, check=True)
    assert done.stdout.split() == [allocator, chosen or "None"]
