"""The render cache renders a key once when requests miss it together, and a failed render
leaves the key to the next request."""

from __future__ import annotations

import threading
import time

import pytest

from web.core.render_cache import RenderCache


def test_concurrent_misses_render_once() -> None:
    cache: RenderCache[str] = RenderCache()
    calls: list[int] = []

    def render() -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for every other thread to arrive meanwhile
        return "page"

    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.get_or_render("k", render)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["page"] * 8
    assert len(calls) == 1


def test_a_failed_render_is_tried_again() -> None:
    cache: RenderCache[str] = RenderCache()

    def broken() -> str:
        raise RuntimeError("store away")

    with pytest.raises(RuntimeError):
        cache.get_or_render("k", broken)
    assert cache.get_or_render("k", lambda: "page") == "page"


def test_least_recently_used_key_leaves_first() -> None:
    cache: RenderCache[int] = RenderCache(capacity=2)
    cache.get_or_render("a", lambda: 1)
    cache.get_or_render("b", lambda: 2)
    cache.get_or_render("a", lambda: 0)  # a hit: "a" is now the most recent
    cache.get_or_render("c", lambda: 3)
    assert cache.get_or_render("a", lambda: -1) == 1
    assert cache.get_or_render("b", lambda: -2) == -2
