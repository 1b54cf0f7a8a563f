"""The rules area's rows of the route × role matrix (tests/web/test_access.py): (method, path,
roles allowed). Ids that do not exist keep the rows independent of state."""

from __future__ import annotations

EVERYONE = frozenset({"regulator", "legal", "planner", "admin"})
LEGAL = frozenset({"legal"})
_V = "/rules/nosuch/v/0"

RULES_ROUTES: list[tuple[str, str, frozenset[str] | None]] = [
    ("GET", "/rules/", EVERYONE),
    ("GET", _V, EVERYONE),
    ("POST", f"{_V}/tests", LEGAL),
    ("GET", f"{_V}/try", LEGAL),
    ("POST", f"{_V}/try", LEGAL),
    ("GET", f"{_V}/edit", LEGAL),
    ("POST", f"{_V}/edit", LEGAL),
    ("POST", "/rules/validate", LEGAL),
    ("POST", f"{_V}/submit", LEGAL),
    ("POST", f"{_V}/approve", LEGAL),
    ("POST", f"{_V}/reject", LEGAL),
    ("POST", f"{_V}/retire", LEGAL),
    ("POST", f"{_V}/reinstate", LEGAL),
    ("POST", f"{_V}/impact", LEGAL),
    ("GET", "/rules/impact/nosuch", LEGAL),
    ("GET", "/rules/impact/nosuch/status", LEGAL),
]
