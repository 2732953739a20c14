"""The cycle collector is held off while a rule set loads, and while the Parquet reader makes a
batch's events, and is on again afterwards."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from rulesengine.decide import ruleset
from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.events import parquet as parquet_io
from rulesengine.speedups.collector import YOUNG_OBJECTS, collection_deferred, collection_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_within_the_block_and_on_again_after_it() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(KeyError), collection_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_loading_rules_runs_without_the_collector(monkeypatch) -> None:
    seen = []
    real = ruleset.load_program

    def load_program(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(ruleset, "load_program", load_program)
    monkeypatch.setenv("RULESENGINE_NO_CACHE", "1")
    gc.enable()
    assert load_layers([default_layer()], {}).decider is not None
    assert seen == [False] and gc.isenabled()


def test_what_a_load_made_goes_to_the_oldest_generation() -> None:
    gc.enable()
    gc.collect()
    with collection_paused():
        made = [[n] for n in range(1000)]
    assert gc.get_count()[0] < 100  # not waiting in the youngest generation
    assert gc.get_freeze_count() == 0 and made


def test_objects_someone_froze_stay_frozen() -> None:
    gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collection_paused():
            made = [[n] for n in range(1000)]
        # neither unfrozen nor joined by what the block made; a frozen object may still die
        # meanwhile, when whatever held it lets go (the frozen are not collected, only freed)
        assert frozen - 100 < gc.get_freeze_count() <= frozen and made
    finally:
        gc.unfreeze()


def test_deferred_within_the_block_and_on_again_after_it_even_after_an_exception() -> None:
    gc.enable()
    with collection_deferred():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collection_deferred():
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()
    with collection_deferred():
        assert not gc.isenabled()
    assert not gc.isenabled()


class _Node:
    """An object that can be part of a cycle and be watched by a weak reference."""

    link: object = None


def test_what_a_deferred_block_made_is_collected_as_usual_after_it() -> None:
    """Unlike a paused load, a deferred burst leaves what survives it young: the collector's
    next pass, due as soon as the block is done, finds its cyclic garbage."""
    gc.enable()
    gc.collect()
    with collection_deferred():
        node = _Node()
        node.link = node
        watched = weakref.ref(node)
        del node
        made = [[n] for n in range(2000)]  # more than the youngest generation's threshold
        assert watched() is not None
    more = [[n] for n in range(10)]
    assert watched() is None and gc.get_freeze_count() == 0 and made and more


def test_the_parquet_reader_makes_a_batch_without_the_collector(monkeypatch) -> None:
    pyarrow = pytest.importorskip("pyarrow")
    seen = []
    real = parquet_io._events_in_order

    def events_in_order(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(parquet_io, "_events_in_order", events_in_order)
    gc.enable()
    table = pyarrow.table({"interaction": ["c1"], "seq": [1], "ts": ["2026-03-02T10:00:00Z"],
                           "event": ["interaction.created"], "media": ["chat"]})
    [event] = parquet_io.read_batch(table, "t.parquet")
    assert event.interaction == "c1" and seen == [False] and gc.isenabled()


def _exit_freeze_count(call: str) -> int:
    """How many objects are frozen once the command ends, seen by a handler that runs after
    the command's own ones (handlers run last registered first, and this one comes first)."""
    script = ("import atexit, gc, sys\n"
              "atexit.register(lambda: sys.__stdout__.write(f'frozen {gc.get_freeze_count()}\\n'))\n"
              "from rulesengine.cli import main\n"
              "sys.argv = ['rulesengine', 'run', '--sample', '--output', os.devnull]\n"
              f"status = {call}\n")
    done = subprocess.run([sys.executable, "-c", "import os\n" + script], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent)
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("frozen ")]
    return int(line.split()[1])


def _exit_young_threshold(call: str) -> int:
    """The collector's threshold for its youngest generation once the command ends."""
    script = ("import atexit, gc, os, sys\n"
              "atexit.register(lambda: sys.__stdout__.write(f'young {gc.get_threshold()[0]}\\n'))\n"
              "from rulesengine.cli import main\n"
              "sys.argv = ['rulesengine', 'run', '--sample', '--output', os.devnull]\n"
              f"status = {call}\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent)
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("young ")]
    return int(line.split()[1])


def test_the_process_command_has_the_collector_pass_over_young_objects_less_often() -> None:
    assert _exit_young_threshold("main()") == YOUNG_OBJECTS
    assert _exit_young_threshold("main(sys.argv[1:])") == gc.get_threshold()[0] != YOUNG_OBJECTS


def test_the_process_command_leaves_its_objects_to_the_operating_system() -> None:
    assert _exit_freeze_count("main()") > 10_000


def test_a_command_called_with_arguments_leaves_the_collector_alone() -> None:
    assert _exit_freeze_count("main(sys.argv[1:])") == 0

