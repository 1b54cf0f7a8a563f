"""The in-browser rule editor: validated on the server as the user types, saved as a draft.

The checks are those of `jianguan rules check` plus what a new version needs (see
web/rule_signoff.check_text); each message carries its line so the page can place it there.
A save that fails any check saves nothing and shows the same messages.
"""

from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jianguan.errors import JianguanError
from jianguan.models import RulePackageVersion
from rules.issues import RuleIssue
from rules.versions.in_force import Version
from rules.versions.signoff import (
    DraftInvalid,
    check_text,
    next_version_name,
    save_draft,
    with_header,
)
from web.core.access import allow
from web.core.db_session import db
from web.core.i18n import short_language
from web.rules.views import LEGAL, rules_area, version_or_404


def _editing_row(v: Version) -> RulePackageVersion | None:
    """The actor's own unsubmitted draft is edited in place; anything else is a base."""
    if v.status == "draft" and v.created_by == current_user.username and v.row_id is not None:
        return db().get(RulePackageVersion, v.row_id)
    return None


def _starting_text(v: Version) -> str:
    """A new version from `v`: a fresh version name and today's date, ready to be changed."""
    try:
        name = next_version_name(db(), v.package_id, v.version)
        return with_header(v.source, name, date.today())
    except JianguanError:
        return v.source  # a header the editor cannot rewrite: the user changes it by hand


def _issue_rows(issues: list[RuleIssue]) -> list[dict[str, object]]:
    en = short_language() == "en"
    return [
        {"line": i.line, "message": i.message_en if en else i.message_zh}
        for i in sorted(issues, key=lambda i: i.line)
    ]


@rules_area.route("/<package_id>/v/<version>/edit", methods=["GET", "POST"])
@allow(*LEGAL)
def edit(package_id: str, version: str) -> str | Response | tuple[str, int]:
    v = version_or_404(package_id, version)
    editing = _editing_row(v)
    if request.method == "GET":
        text = v.source if editing is not None else _starting_text(v)
        return render_template("rules_editor.html", v=v, editing=editing, text=text, issues=None)
    text = request.form.get("source", "").replace("\r\n", "\n")
    # Size, shape and every check: `check_text` (the loader refuses an oversized text at line 1).
    session = db()
    try:
        row = save_draft(
            session, current_user.username, text, date.today(), editing, based_on=v.version
        )
        session.commit()
    except DraftInvalid as err:
        session.rollback()
        issues = err.issues
    except JianguanError as err:
        session.rollback()
        flash(err.message(short_language()))
        return redirect(url_for("rules_area.version_page", package_id=package_id, version=version))
    else:
        flash(_("草稿已保存：版本 %(v)s。请运行测试、查看影响，然后提交审核。", v=row.version))
        return redirect(
            url_for("rules_area.version_page", package_id=row.package_id, version=row.version)
        )
    return render_template(
        "rules_editor.html",
        v=v,
        editing=editing,
        text=text,
        issues=_issue_rows(issues),
        refused=True,
    ), 422


@rules_area.post("/validate")
@allow(*LEGAL)
def validate() -> str:
    """The editor's live check (htmx, debounced): messages with their lines, or "valid"."""
    text = request.form.get("source", "").replace("\r\n", "\n")
    editing_id = request.form.get("editing", "")
    # ASCII digits only, and few: str.isdigit() accepts "²" and 5000-digit numbers, on which
    # int() or the database driver raise (a 500 where a stale form should just be ignored).
    editing = (
        db().get(RulePackageVersion, int(editing_id))
        if re.fullmatch(r"[0-9]{1,9}", editing_id)
        else None
    )
    if editing is not None and editing.created_by != current_user.username:
        editing = None
    checked = check_text(db(), text, date.today(), editing)
    return render_template("rules_issues.html", issues=_issue_rows(checked.issues))
