"""The admin's view of the keyed, hash-chained audit log: browse, verify the chain (and the
anchors recorded with publications), export as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jianguan.audit import verify_chain
from jianguan.db import Store
from jianguan.models import AuditEvent
from web.core.access import allow
from web.core.db_session import db
from web.core.i18n import short_language
from web.core.paging import Page, page_of
from web.extensions import store_of

audit_area = Blueprint("audit", __name__, template_folder="templates", url_prefix="/admin/audit")

CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "prev_hash",
    "hash",
    "scheme",
    "key_id",
)


def _filtered() -> tuple[object, dict[str, str]]:
    query = select(AuditEvent)
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action")}
    if filters["actor"]:
        query = query.where(AuditEvent.actor == filters["actor"])
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    return query, filters


@audit_area.get("/")
@allow("admin")
def log() -> str:
    query, filters = _filtered()
    page: Page[AuditEvent] = page_of(db(), query.order_by(AuditEvent.id.desc()))  # type: ignore[attr-defined]
    check = verify_chain(db()) if request.args.get("verify") else None
    actions = db().scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    total = db().scalar(select(func.count()).select_from(AuditEvent)) or 0
    return render_template(
        "audit_log.html",
        page=page,
        check=check,
        problem=check.problem(short_language()) if check else "",
        filters=filters,
        actions=actions,
        total=total,
    )


def _csv_lines(store: Store) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM so Excel opens the Chinese text as UTF-8
    writer.writerow(CSV_COLUMNS)
    # Its own session: a streamed response outlives the request's session and app context.
    with Session(store.engine) as session:
        yield from _csv_pages(session, writer, buffer)


def _csv_pages(session: Session, writer: Any, buffer: io.StringIO) -> Iterator[str]:
    last_id = 0
    while True:  # keyset pages: a large log streams without loading into memory
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(2000)
        ).all()
        if not rows:
            break
        for e in rows:
            writer.writerow(
                [
                    e.id,
                    e.at.isoformat(timespec="microseconds"),
                    e.actor,
                    e.action,
                    e.object_type,
                    e.object_id,
                    json.dumps(e.before, ensure_ascii=False, sort_keys=True),
                    json.dumps(e.after, ensure_ascii=False, sort_keys=True),
                    e.prev_hash,
                    e.hash,
                    e.scheme,
                    e.key_id or "",
                ]
            )
        last_id = rows[-1].id
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@audit_area.get("/export.csv")
@allow("admin")
def export() -> Response:
    return Response(
        _csv_lines(store_of(current_app)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit_log.csv"},
    )
