"""Filling a web process's caches before it takes traffic.

A process that starts under load (a restart, a deployment, `--processes N` starting) met its
first clients with nothing cached: the first readers of each recent plan's review page read
or rendered its plan part, the first callers of its check verified it — seconds of CPU
while the other requests queued behind the threads waiting for them (the benchmark's first
five seconds: half of all its slow requests). `jianguan web` warms each process before it
listens: the newest plans' review parts in every language (kept by their plan jobs, or
rendered and kept now) and their verifications (kept in the store for every process).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from jianguan.models import PlanRow
from scheduler.plan_state import without_document
from scheduler.stored_verification import verified
from web.core.db_session import db
from web.core.i18n import LANGUAGES
from web.extensions import store_of
from web.plans.review_cache import review_body

# The plans people open after a start: the newest ones (a task's drafts, the plan just
# published). Older ones are read or rendered on first use, as before.
WARM_PLANS = 6


def warm(app: Flask) -> int:
    """Fill `app`'s caches for the newest plans; the number of plans warmed."""
    store = store_of(app)
    with store.session() as session:
        newest = list(
            session.scalars(select(PlanRow.id).order_by(PlanRow.id.desc()).limit(WARM_PLANS))
        )
    for plan_id in newest:
        for language in LANGUAGES:
            # A request of one's own, in the language a link's ?lang= asks for.
            with app.test_request_context("/", query_string={"lang": language}):
                plan = db().get(PlanRow, plan_id, options=without_document())
                if plan is not None:
                    review_body(plan)
        with store.session() as session:
            plan = session.get(PlanRow, plan_id, options=without_document())
            if plan is not None:
                verified(store, plan)
    return len(newest)
