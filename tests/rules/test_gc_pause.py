"""The collector pause used around decision batches always gives the collector back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from rules.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collector_is_off_inside_and_back_after_even_on_error() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a record failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_batches_in_threads_resume_only_after_the_last() -> None:
    entered = threading.Event()
    release = threading.Event()
    states: list[bool] = []

    def other_batch() -> None:
        with collector_paused():
            entered.set()
            release.wait(5)

    with collector_paused():
        worker = threading.Thread(target=other_batch)
        worker.start()
        assert entered.wait(5)
    states.append(gc.isenabled())  # our batch ended, the other is still running
    release.set()
    worker.join(5)
    states.append(gc.isenabled())
    assert states == [False, True]


def test_nested_pauses_resume_once() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
