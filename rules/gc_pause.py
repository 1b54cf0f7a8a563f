"""Pause Python's cyclic garbage collector while a batch of records is decided.

A batch keeps several small containers per record alive until it is done (typed values,
fired rules, the decision rows), and CPython's collector rescans the whole heap each time
enough of them accumulate: on the credit-tier throughput benchmark that costs about a quarter
of the durable path's CPU time and more of its wall time. Nothing a decision builds is
cyclic — reference counting alone frees it — so the collector has nothing to find there.

The pause is process-wide (the collector has one switch); a counter makes it safe when
several threads decide batches at once: the collector comes back when the last one finishes,
and only if it was running before the first one started.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False  # whether the collector was running when the first batch started


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off; restore it afterwards, even on error."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
