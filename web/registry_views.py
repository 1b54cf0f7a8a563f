"""The registry overview: how many enterprises and officers, by district and by industry."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from jianguan.divisions import division_name
from jianguan.models import EnterpriseRow, OfficerRow
from web.db_session import db

registry = Blueprint("registry", __name__)

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
