"""A small in-process cache for rendered plan pages and server-side verifications.

A published plan never changes; only its results do. The cache key therefore includes the
plan's status and a results version (how many results, the latest recording time), so a new
result or a supersession shows at once, while the public page under load costs one small
query instead of parsing and rendering a multi-megabyte plan on every request.

Requests that miss the same key at the same time render it once: the first renders, the
others wait for its value. Under load (a new draft that every reviewer opens, a key that has
just changed) they would otherwise each spend the same second of CPU, and all wait longer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class RenderCache(Generic[T]):
    """Least-recently-used values by key; keys must change whenever the value would."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._rendering: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                underway = self._rendering.get(key)
                if underway is None:
                    underway = self._rendering[key] = threading.Event()
                    break  # ours to render
            # Another request renders this key: wait, then read its value (or, if its render
            # failed, render it ourselves on the next pass).
            underway.wait()
        try:
            value = render()  # outside the lock: other keys are served meanwhile
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._rendering[key]
            underway.set()
