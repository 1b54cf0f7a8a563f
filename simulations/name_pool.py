"""Pools of Chinese names drawn once with Faker (zh_CN), then recombined by index.

Calling Faker per row costs tens of microseconds, which a province-sized registry (a million
rows) cannot afford; a few thousand Faker draws combined with NumPy indices look the same.
Output depends on the seed and on the installed Faker version (its word lists).
"""

from __future__ import annotations

import numpy as np
from faker import Faker
from faker.providers.company.zh_CN import Provider as CompanyProvider
from faker.providers.person.zh_CN import Provider as PersonProvider

# Characters that never appear in a registered 字号 (trade name) on their own.
_NOT_IN_TRADE_NAMES = set("公司市省县区")


def _faker(seed: int) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def trade_names(seed: int, size: int = 6000) -> list[str]:
    """`size` distinct 字号 (trade names) such as 恒通, 鑫达, 凌云: Faker's own company prefixes
    plus two-character combinations of the characters Faker uses in trade and given names."""
    fake = _faker(seed)
    prefixes = [
        p
        for p in CompanyProvider.company_prefixes
        if 2 <= len(p) <= 4 and not _NOT_IN_TRADE_NAMES & set(p)
    ]
    chars = sorted(
        ({c for p in prefixes for c in p} | {c for n in PersonProvider.first_names for c in n})
        - _NOT_IN_TRADE_NAMES
    )
    rng = np.random.default_rng(fake.random.getrandbits(63))
    pool: dict[str, None] = dict.fromkeys(prefixes)
    while len(pool) < size:
        pairs = rng.integers(0, len(chars), size=(size, 2))
        for a, b in pairs:
            if a != b:
                pool[chars[a] + chars[b]] = None
                if len(pool) >= size:
                    break
    return list(pool)[:size]


def person_names(seed: int, size: int) -> list[str]:
    """`size` personal names (姓名) from Faker zh_CN; repeats are possible, as in life."""
    fake = _faker(seed)
    return [fake.name() for _ in range(size)]
