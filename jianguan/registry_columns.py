"""Column names of the registry files: ours in English and those bureaus' systems write (§1a).

A header cell is matched after folding what exports vary in: full-width forms (NFKC turns
（ into ( and full-width digits into ASCII), spaces anywhere, a byte-order mark, enclosing
brackets (【成立日期】) and a trailing bracketed note (成立日期（必填）).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

ENTERPRISE_NAMES: Mapping[str, tuple[str, ...]] = {
    "id": ("统一社会信用代码", "社会信用代码"),
    "name": ("企业名称", "主体名称", "名称"),
    "district": ("行政区划代码", "区划代码", "所属区划代码"),
    "industry": ("国民经济行业代码", "行业代码"),
    "established_on": ("成立日期",),
    "annual_report_filed": ("年报是否按时报送",),
    "abnormal_list": ("是否列入经营异常名录",),
    "serious_dishonest_list": ("是否列入严重违法失信名单",),
    "penalties_3y": ("近三年行政处罚次数",),
    "complaints_12m": ("近12个月有效投诉次数",),
    "high_risk_licence": ("是否持有重点领域许可",),
    "credit_tier": ("信用风险分类",),
    "key_supervision": ("是否重点监管",),
    "status": ("登记状态",),
}

OFFICER_NAMES: Mapping[str, tuple[str, ...]] = {
    "id": ("执法人员编号",),
    "name": ("姓名",),
    "department": ("部门代码",),
    "district": ("所在区划代码",),
    "certificate": ("执法证号",),
    "fields": ("执法领域",),
    "max_per_day": ("每日检查上限",),
    "unavailable": ("不可安排日期",),
    "recusals": ("回避企业",),
}

_SPACE = re.compile(r"\s+")
_ENCLOSED = re.compile(r"^[(\[【〔<《](.+)[)\]】〕>》]$")
_TRAILING_NOTE = re.compile(r"^(.+?)[(\[【〔].*[)\]】〕]$")


def fold(cell: str) -> str:
    text = _SPACE.sub("", unicodedata.normalize("NFKC", cell).replace("\ufeff", "")).lower()
    enclosed = _ENCLOSED.match(text)
    return enclosed.group(1) if enclosed else text


class ColumnNames:
    """Maps a header cell to our column name, or None for a column we do not read."""

    def __init__(self, names: Mapping[str, tuple[str, ...]]) -> None:
        self.chinese = {column: aliases[0] for column, aliases in names.items()}
        self._by_folded = {fold(c): c for c in names}
        for column, aliases in names.items():
            self._by_folded.update({fold(a): column for a in aliases})

    def __call__(self, cell: str) -> str | None:
        folded = fold(cell)
        found = self._by_folded.get(folded)
        if found is None and (note := _TRAILING_NOTE.match(folded)):
            found = self._by_folded.get(note.group(1))
        return found


ENTERPRISE_COLUMN_NAMES = ColumnNames(ENTERPRISE_NAMES)
OFFICER_COLUMN_NAMES = ColumnNames(OFFICER_NAMES)
