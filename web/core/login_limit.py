"""A login rate limit: after a few failures from one address for one user name, wait.

In-process (one server process serves the UI); the window slides, so a patient attacker gets
at most `max_failures` guesses per `window_s` seconds per (address, user name) and per address.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def _keys(self, address: str, username: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # Per user name from this address, and per address overall (5x looser): guessing many
        # names from one address is throttled too.
        return (address, username.lower()), (address, "")

    def retry_after(self, address: str, username: str, now: float | None = None) -> int:
        """Seconds to wait before another attempt is accepted; 0 when allowed now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            wait = 0.0
            for key, limit in zip(
                self._keys(address, username),
                (self.max_failures, self.max_failures * 5),
                strict=True,
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[0] + self.window_s - now)
            return int(wait) + (1 if wait > 0 else 0)

    def failed(self, address: str, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in self._keys(address, username):
                self._recent(key, now).append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.lower()), None)
