"""Where a `next` parameter may send the browser: a path on this site, nothing else.

A browser reading a `Location` header drops tabs and newlines anywhere in it and treats `\\`
like `/`, so `/\\t/evil.example` or `/\\evil.example` arrive as `//evil.example` — another host.
The target is therefore cleaned the way a browser would read it first, and only then checked;
control characters are also what would make the header itself invalid (CR/LF).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def _as_a_browser_reads_it(target: str) -> str:
    # Cc: C0/C1 controls (tab, CR, LF, DEL …); Cf: invisible format characters.
    visible = "".join(ch for ch in target if unicodedata.category(ch) not in ("Cc", "Cf"))
    return visible.strip().replace("\\", "/")


def same_site_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site (`/plans/3?x=1`), else `fallback`."""
    if not target:
        return fallback
    cleaned = _as_a_browser_reads_it(target)
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return fallback
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return fallback
    return cleaned
