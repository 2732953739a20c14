"""The cycle collector is held off while a rule set loads, and is on again afterwards."""

from __future__ import annotations

import gc

import pytest

from rulesengine.decide import ruleset
from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.speedups.collector import collection_paused


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
        assert gc.get_freeze_count() == frozen and made
    finally:
        gc.unfreeze()
