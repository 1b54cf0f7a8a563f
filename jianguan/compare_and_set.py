"""Compare and set: change a row only while the conditions a request checked still hold.

A request reads a row, checks it (a draft, someone else's, the text that was reviewed) and
writes. A second request — a double click, another approver — may change the row in between;
only a condition evaluated by the write itself closes that window. `UPDATE … WHERE id = ? AND
<conditions>` does: on PostgreSQL the second writer waits for the first's row lock and then
re-evaluates the conditions on the committed row; SQLite runs one writer at a time. Exactly one
of two racing requests sees one row updated; the other sees none and is told why.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value


def update_if(session: Session, row: Any, conditions: list[Any], values: dict[str, Any]) -> bool:
    """Write `values` to `row` in one UPDATE, only while `conditions` hold in the database;
    True when it did. The loaded `row` then carries the values (without another write)."""
    model = type(row)
    done = session.execute(
        update(model)
        .where(model.id == row.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True
