"""The rules area for legal staff: packages, editing with sign-off, tests, try-it, impact.

Everyone signed in may read the rules (regulators and planners apply them; the rules are
law, not secrets). Only legal staff edit, test, try, compute impact and sign off. This module
holds the reading pages and the tools on one version; the editor is in rule_editor_views.py,
the sign-off steps and the impact job in rule_signoff_views.py (all on this blueprint).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from jianguan.errors import JianguanError
from rules.decision import decide_records
from rules.package import Package
from rules.testcases import as_if_in_force, run_package_tests
from rules.versions.in_force import (
    STATUS_NAMES,
    Version,
    all_versions,
    find_version,
    in_force,
    package_of,
    shipped_packages,
)
from web.core.access import EVERYONE, allow
from web.core.db_session import db
from web.core.i18n import short_language

rules_area = Blueprint("rules_area", __name__, template_folder="templates", url_prefix="/rules")

LEGAL = ("legal",)
READERS = EVERYONE


@rules_area.app_template_global("rule_status")
def rule_status(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def version_or_404(package_id: str, version: str) -> Version:
    found = find_version(db(), package_id, version)
    if found is None:
        abort(404)
    return found


@rules_area.get("/")
@allow(*READERS)
def index() -> str:
    today = date.today()
    packages = []
    waiting: list[Version] = []  # submitted by someone else: this user may review them
    for pid in sorted(shipped_packages()):
        versions = all_versions(db(), pid)
        current = in_force(db(), pid, today)
        packages.append(
            {
                "id": pid,
                "title": package_of(versions[0]).model.package,
                "versions": versions,
                "current": current.version if current else None,
            }
        )
        waiting += [
            v for v in versions if v.status == "submitted" and v.created_by != current_user.username
        ]
    return render_template("rules_index.html", packages=packages, today=today, waiting=waiting)


@rules_area.get("/<package_id>/v/<version>")
@allow(*READERS)
def version_page(package_id: str, version: str) -> str:
    v = version_or_404(package_id, version)
    package = package_of(v)
    today = date.today()
    current = in_force(db(), package_id, today)
    return render_template(
        "rules_version.html",
        v=v,
        p=package,
        m=package.model,
        current=current,
        today=today,
        is_current=current is not None and current.sha256 == v.sha256 and v.decides,
    )


@rules_area.post("/<package_id>/v/<version>/tests")
@allow(*LEGAL)
def run_tests(package_id: str, version: str) -> str:
    """The package's own test cases on both engines, pass/fail per case (an htmx fragment)."""
    package = package_of(version_or_404(package_id, version))
    results = run_package_tests(package)
    return render_template(
        "rules_tests.html",
        results=results,
        failed=sum(1 for r in results if not r.passed),
    )


def _input_fields(package: Package) -> list[tuple[str, Any]]:
    return list(package.model.fields.items())


def record_from_form(package: Package, form: Any) -> dict[str, Any]:
    """One record from the try-it form: blank inputs are left out (not given)."""
    record: dict[str, Any] = {"id": "try"}
    for name, spec in _input_fields(package):
        if spec.type == "set":
            chosen = form.getlist(name)
            if chosen:
                record[name] = chosen
            continue
        text = (form.get(name) or "").strip()
        if not text:
            continue
        # Text as typed: the record reader turns it into numbers and dates, and says if not.
        record[name] = text == "true" if spec.type == "bool" else text
    return record


@rules_area.route("/<package_id>/v/<version>/try", methods=["GET", "POST"])
@allow(*LEGAL)
def try_it(package_id: str, version: str) -> str:
    """Decide one record with this version and show outcome, basis, why and why-not."""
    v = version_or_404(package_id, version)
    package = package_of(v)
    as_of_text = request.values.get("as_of", "")
    decision: dict[str, Any] | None = None
    error: str | None = None
    record: dict[str, Any] = {}
    if request.method == "POST":
        try:
            as_of = date.fromisoformat(as_of_text) if as_of_text else date.today()
        except ValueError:
            as_of = None
            error = _("判定日期格式应为 YYYY-MM-DD。")
        if as_of is not None:
            record = record_from_form(package, request.form)
            try:
                # This version alone, as if in force on the date (as its tests are run).
                decision = decide_records(
                    package.id,
                    [record],
                    as_of=as_of,
                    lang=short_language(),
                    versions=[as_if_in_force(package, as_of)],
                )[0]
            except JianguanError as err:
                error = err.message(short_language())
    return render_template(
        "rules_try.html",
        v=v,
        p=package,
        fields=_input_fields(package),
        form=request.form,
        as_of=as_of_text,
        decision=decision,
        error=error,
        rule_titles={
            r.id: (r.title_en if short_language() == "en" else r.title_zh) for r in package.rules
        },
    )
