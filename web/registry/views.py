"""The registry area: overview counts, browse and search, an enterprise's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, or_, select

from jianguan.divisions import division_name
from jianguan.errors import JianguanError
from jianguan.models import DecisionRow, EnterpriseRow, InspectionRow, OfficerRow, PlanRow
from rules.versions.in_force import decide_in_force
from web.core.access import EVERYONE, allow
from web.core.db_session import db
from web.core.i18n import short_language
from web.core.paging import page_of

registry = Blueprint("registry", __name__, template_folder="templates")

# GB/T 4754-2017 sections (门类), for readable industry rows.
SECTIONS = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


@registry.get("/")
@allow(*EVERYONE)
def overview() -> str:
    session = db()
    total = session.scalar(select(func.count()).select_from(EnterpriseRow)) or 0
    officers = session.scalar(select(func.count()).select_from(OfficerRow)) or 0
    by_district = [
        (code, division_name(code) or "未知区划", count)
        for code, count in session.execute(
            select(EnterpriseRow.district, func.count())
            .group_by(EnterpriseRow.district)
            .order_by(EnterpriseRow.district)
        )
    ]
    section = func.substr(EnterpriseRow.industry, 1, 1)
    by_industry = [
        (letter, SECTIONS.get(letter, "其他"), count)
        for letter, count in session.execute(
            select(section, func.count()).group_by(section).order_by(section)
        )
    ]
    by_department = list(
        session.execute(
            select(OfficerRow.department, func.count())
            .group_by(OfficerRow.department)
            .order_by(OfficerRow.department)
        )
    )
    return render_template(
        "registry_overview.html",
        total=total,
        officers=officers,
        by_district=by_district,
        by_industry=by_industry,
        by_department=by_department,
    )


@registry.get("/registry/enterprises")
@allow(*EVERYONE)
def enterprises() -> str:
    q = request.args.get("q", "").strip()
    district = request.args.get("district", "").strip()
    tier = request.args.get("tier", "").strip().upper()
    query = select(EnterpriseRow)
    if q:
        query = query.where(
            or_(EnterpriseRow.id.startswith(q.upper()), EnterpriseRow.name.contains(q))
        )
    if district:
        query = query.where(EnterpriseRow.district == district)
    if tier in ("A", "B", "C", "D"):
        query = query.where(EnterpriseRow.credit_tier == tier)
    page = page_of(db(), query.order_by(EnterpriseRow.id))
    districts = (
        db()
        .scalars(select(EnterpriseRow.district).distinct().order_by(EnterpriseRow.district))
        .all()
    )
    return render_template(
        "enterprises.html",
        page=page,
        q=q,
        district=district,
        tier=tier,
        districts=[(d, division_name(d) or d) for d in districts],
        division_name=division_name,
    )


@registry.get("/registry/enterprises/<enterprise_id>")
@allow(*EVERYONE)
def enterprise(enterprise_id: str) -> str:
    session = db()
    row = session.get(EnterpriseRow, enterprise_id)
    if row is None:
        abort(404)
    decisions = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.subject_id == enterprise_id)
        .order_by(DecisionRow.as_of.desc(), DecisionRow.id.desc())
    ).all()
    history = session.execute(
        select(InspectionRow, PlanRow.task_id, PlanRow.status)
        .join(PlanRow, InspectionRow.plan_id == PlanRow.id)
        .where(InspectionRow.enterprise_id == enterprise_id)
        .order_by(InspectionRow.date.desc())
    ).all()
    return render_template(
        "enterprise.html",
        live=live_decisions(row, short_language()),
        e=row,
        district_name=division_name(row.district) or row.district,
        section=SECTIONS.get(row.industry[:1], ""),
        decisions=decisions,
        history=history,
    )


def live_decisions(row: EnterpriseRow, lang: str) -> list[dict[str, Any]]:
    """What the rule packages in force today say about this enterprise's tier and supervision
    (a given `credit_tier` still takes precedence for supervision, as in the draw). Versions
    signed off in the browser count from their effective date."""
    record: dict[str, Any] = {
        c.name: getattr(row, c.name)
        for c in EnterpriseRow.__table__.columns
        if getattr(row, c.name) is not None and c.name not in ("credit_tier", "key_supervision")
    }
    record["established_on"] = row.established_on.isoformat()
    try:
        session = db()
        tier = decide_in_force(session, "credit-tier", [record], lang=lang)[0]
        record["credit_tier"] = row.credit_tier or tier.get("outcome")
        supervision = decide_in_force(session, "supervision", [record], lang=lang)[0]
    except JianguanError as err:
        return [{"package": "rules", "error": err.message(lang)}]
    return [tier, supervision]


@registry.get("/registry/officers")
@allow(*EVERYONE)
def officers() -> str:
    q = request.args.get("q", "").strip()
    department = request.args.get("department", "").strip()
    query = select(OfficerRow)
    if q:
        query = query.where(or_(OfficerRow.id.startswith(q), OfficerRow.name.contains(q)))
    if department:
        query = query.where(OfficerRow.department == department)
    page = page_of(db(), query.order_by(OfficerRow.id))
    departments = (
        db().scalars(select(OfficerRow.department).distinct().order_by(OfficerRow.department)).all()
    )
    return render_template(
        "officers.html", page=page, q=q, department=department, departments=departments
    )
