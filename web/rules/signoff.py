"""Sign-off of rule versions in the browser (submit, approve, reject, withdraw, re-instate)
and the impact job (diff against the version in force, effect on the registry)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from jianguan import audit
from jianguan.errors import JianguanError
from jianguan.models import RulePackageVersion
from rules.versions.in_force import Version, in_force, package_of
from rules.versions.signoff import OBJECT_TYPE, approve, reinstate, reject, retire, submit
from web.core.access import allow
from web.core.background_jobs import jobs_enqueued
from web.core.db_session import db
from web.core.i18n import short_language
from web.rules.impact_jobs import ImpactJob, job_or_404, queue_impact
from web.rules.views import LEGAL, rules_area, version_or_404


def _row_of(v: Version) -> RulePackageVersion:
    row = db().get(RulePackageVersion, v.row_id) if v.row_id is not None else None
    if row is None:  # a shipped file: it has no sign-off of its own
        abort(404)
    return row


def _step(
    package_id: str,
    version: str,
    action: Callable[[Session, RulePackageVersion], None],
    done: str,
) -> Response:
    v = version_or_404(package_id, version)
    session = db()
    row = _row_of(v)
    try:
        action(session, row)
        session.commit()
    except JianguanError as err:
        session.rollback()
        flash(err.message(short_language()))
    else:
        flash(done)
    return redirect(url_for("rules_area.version_page", package_id=package_id, version=version))


@rules_area.post("/<package_id>/v/<version>/submit")
@allow(*LEGAL)
def submit_version(package_id: str, version: str) -> Response:
    return _step(
        package_id,
        version,
        lambda s, row: submit(s, row, current_user.username),
        _("已提交审核，须由另一名法制人员审核。"),
    )


@rules_area.post("/<package_id>/v/<version>/approve")
@allow(*LEGAL)
def approve_version(package_id: str, version: str) -> Response:
    return _step(
        package_id,
        version,
        lambda s, row: approve(
            s, row, current_user.username, date.today(), request.form.get("sha256")
        ),
        _("已审核通过：此版本自其生效日起用于判定。"),
    )


@rules_area.post("/<package_id>/v/<version>/reject")
@allow(*LEGAL)
def reject_version(package_id: str, version: str) -> Response:
    reason = request.form.get("reason", "")
    seen = request.form.get("sha256")
    return _step(
        package_id,
        version,
        lambda s, row: reject(s, row, current_user.username, reason, seen),
        _("已退回。"),
    )


@rules_area.post("/<package_id>/v/<version>/retire")
@allow(*LEGAL)
def retire_version(package_id: str, version: str) -> Response:
    reason = request.form.get("reason", "")
    return _step(
        package_id,
        version,
        lambda s, row: retire(s, row, current_user.username, reason, date.today()),
        _("已撤回：此版本不会生效。"),
    )


@rules_area.post("/<package_id>/v/<version>/reinstate")
@allow(*LEGAL)
def reinstate_version(package_id: str, version: str) -> Response:
    """Roll back to `version`: its text becomes a new draft, signed off like any change."""
    v = version_or_404(package_id, version)
    back = redirect(url_for("rules_area.version_page", package_id=package_id, version=version))
    try:
        effective_from = date.fromisoformat(request.form.get("effective_from", ""))
    except ValueError:
        flash(_("请填写恢复后的生效日期（YYYY-MM-DD）。"))
        return back
    session = db()
    try:
        row = reinstate(session, v, current_user.username, effective_from, date.today())
        session.commit()
    except JianguanError as err:
        session.rollback()
        flash(err.message(short_language()))
        return back
    flash(
        _(
            "已按版本 %(old)s 的内容起草新版本 %(new)s；经另一名法制人员审核后自 %(d)s 起生效。",
            old=version,
            new=row.version,
            d=row.effective_from.isoformat(),
        )
    )
    return redirect(url_for("rules_area.version_page", package_id=package_id, version=row.version))


def _diff_rows(old: str, new: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, text) rows: kind is add, del, hunk or same."""
    rows = []
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    for line in list(lines)[2:]:  # skip the ---/+++ file header
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        rows.append((kind, line))
    return rows


@rules_area.post("/<package_id>/v/<version>/impact")
@allow(*LEGAL)
def start_impact(package_id: str, version: str) -> Response:
    """Compare this version with the version in force on its effective date, over the registry."""
    v = version_or_404(package_id, version)
    new = package_of(v)
    day = max(date.today(), v.effective_from)
    old = in_force(db(), package_id, day)
    if old is None or old.sha256 == new.sha256:
        flash(_("此版本就是生效中的版本，没有可比较的对象。"))
        return redirect(url_for("rules_area.version_page", package_id=package_id, version=version))
    session = db()
    try:
        job = queue_impact(session, old, new, day, short_language(), current_user.username)
    except JianguanError as err:  # busy, or too many jobs of this user
        session.rollback()
        flash(err.message(short_language()))
        return redirect(url_for("rules_area.version_page", package_id=package_id, version=version))
    audit.record(
        session,
        current_user.username,
        "rules.impact",
        OBJECT_TYPE,
        f"{package_id}@{version}",
        None,
        {"compared_with": old.version, "as_of": day.isoformat(), "job": job.id},
    )
    session.commit()
    jobs_enqueued(current_app)
    return redirect(url_for("rules_area.impact_page", job_id=job.id))


def _job_or_404(job_id: str) -> ImpactJob:
    return job_or_404(job_id)


@rules_area.get("/impact/<job_id>")
@allow(*LEGAL)
def impact_page(job_id: str) -> str:
    job = _job_or_404(job_id)
    old = version_or_404(job.package_id, job.old_version)
    new = version_or_404(job.package_id, job.new_version)
    return render_template(
        "rules_impact.html", job=job, old=old, new=new, diff=_diff_rows(old.source, new.source)
    )


@rules_area.get("/impact/<job_id>/status")
@allow(*LEGAL)
def impact_status(job_id: str) -> str:
    return render_template("rules_impact_status.html", job=_job_or_404(job_id))
