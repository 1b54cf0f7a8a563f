"""Seeded pseudo-random tie-break costs (a keyed PRF of the published seed).

Among otherwise equal plans the seed decides, and because these costs are (with overwhelming
probability) all different, the optimum is unique: any correct solver, any thread count, finds
the same plan. HMAC-SHA256 keyed with the seed, labelled so the day and team costs never reuse
the draw's ranks.
"""

from __future__ import annotations

import hmac


class KeyedCost:
    """`HMAC-SHA256(seed, "task|label|…")` as an integer of `bits` bits."""

    def __init__(self, seed_key: bytes, task_id: str, bits: int) -> None:
        self._key = seed_key
        self._task = task_id
        self._shift = 256 - bits
        # The state after the common "task|" prefix, copied per call: the same digest as
        # hashing the whole message, for less work (a team flow asks for millions).
        self._prefix = hmac.new(seed_key, f"{task_id}|".encode(), "sha256")

    def __call__(self, *label: str) -> int:
        if not label:
            digest = hmac.digest(self._key, self._task.encode("utf-8"), "sha256")
        else:
            h = self._prefix.copy()
            h.update("|".join(label).encode("utf-8"))
            digest = h.digest()
        return int.from_bytes(digest, "big") >> self._shift
