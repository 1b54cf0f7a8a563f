"""Canonical JSON: the byte form that is hashed and published (formats.md §4).

UTF-8, keys sorted, fixed separators, no trailing newline; floats never appear except the few
quality figures, which are rounded before they get here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_bytes(document: Any) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_of(document: Any) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()
