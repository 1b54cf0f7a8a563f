"""A small in-process cache for rendered public plan pages and server-side verifications.

A published plan never changes; only its results do. The cache key therefore includes the
plan's status and a results version (how many results, the latest recording time), so a new
result or a supersession shows at once, while the public page under load costs one small
query instead of parsing and rendering a multi-megabyte plan on every request.
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
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        html = render()  # outside the lock: two first requests may both render, harmlessly
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return html
