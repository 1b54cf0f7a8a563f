from __future__ import annotations

from pathlib import Path

import pytest

from rules.loader import PACKAGES_DIR

PENALTY = PACKAGES_DIR / "penalty-exemption" / "2021-07-15.yaml"
CREDIT = PACKAGES_DIR / "credit-tier" / "2022-01-14.yaml"
SUPERVISION = PACKAGES_DIR / "supervision" / "2025-01-03.yaml"


@pytest.fixture
def penalty_text() -> str:
    return PENALTY.read_text(encoding="utf-8")


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path
