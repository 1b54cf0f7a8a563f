"""Canonical JSON: the byte form that is hashed and published (formats.md §4).

UTF-8, keys sorted, fixed separators, no trailing newline; floats never appear except the few
quality figures, which are rounded before they get here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def canonical_bytes(document: Any) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_of(document: Any) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


@dataclass(frozen=True, slots=True)
class Encoded:
    """A value with its canonical bytes, made beforehand (while other work waits)."""

    value: Any
    data: bytes

    @classmethod
    def of(cls, value: Any) -> Encoded:
        return cls(value, canonical_bytes(value))


def canonical_bytes_with(document: Mapping[str, Any], encoded: Mapping[str, Encoded]) -> bytes:
    """`canonical_bytes(document)`, taking the bytes of the top-level values in `encoded` as
    made: an object's canonical form is its keys in order, each with its value's canonical
    form, whatever made that (no indentation, so a value encodes the same anywhere)."""
    parts = []
    for key in sorted(document):
        data = encoded[key].data if key in encoded else canonical_bytes(document[key])
        parts.append(canonical_bytes(key) + b":" + data)
    return b"{" + b",".join(parts) + b"}"
