"""Seeded pseudo-random tie-break costs (a keyed PRF of the published seed).

Among otherwise equal plans the seed decides, and because these costs are (with overwhelming
probability) all different, the optimum is unique: any correct solver, any thread count, finds
the same plan. HMAC-SHA256 keyed with the seed, labelled so the day and team costs never reuse
the draw's ranks.
"""

from __future__ import annotations

import hmac


class KeyedCost:
    def __init__(self, seed_key: bytes, task_id: str, bits: int) -> None:
        self._key = seed_key
        self._task = task_id
        self._shift = 256 - bits

    def __call__(self, *label: str) -> int:
        message = "|".join((self._task, *label)).encode("utf-8")
        digest = hmac.digest(self._key, message, "sha256")
        return int.from_bytes(digest, "big") >> self._shift
