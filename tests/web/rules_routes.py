"""The rules area's rows of the route × role matrix (tests/web/test_access.py): (method, path,
roles allowed). Ids that do not exist keep the rows independent of state."""

from __future__ import annotations

RULES_ROUTES: list[tuple[str, str, frozenset[str] | None]] = []
