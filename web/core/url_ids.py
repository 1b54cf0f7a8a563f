"""Row ids in URLs (`/plans/<int:plan_id>`): only numbers a store id column can hold.

Werkzeug's `int` accepts any number of digits; the database does not (SQLite raises
OverflowError past 2^63 and PostgreSQL's `integer` columns stop at 2^31 - 1), so a crafted
id used to become a 500. Every integer in this app's URLs is a row id, so the app's `int`
converter is this one: a larger number matches no route and is an ordinary 404.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

ROW_ID_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every id column (jianguan.models)


class RowIdConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)
