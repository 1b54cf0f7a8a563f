"""Small, valid registry files for store tests; each test breaks exactly one thing."""

from __future__ import annotations

from pathlib import Path

from stdnum.cn import uscc

ENTERPRISE_HEADER = (
    "id,name,district,industry,established_on,annual_report_filed,abnormal_list,"
    "serious_dishonest_list,penalties_3y,complaints_12m,high_risk_licence,credit_tier,"
    "key_supervision"
)
OFFICER_HEADER = "id,name,department,district,certificate,fields,max_per_day,unavailable,recusals"


def credit_code(serial: int, district: str = "360102") -> str:
    body = f"91{district}MA{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


E1, E2, E3 = credit_code(1), credit_code(2), credit_code(3, "360103")

ENTERPRISE_ROWS = [
    f"{E1},南昌赣江食品有限公司,360102,C14,2012-05-20,true,false,false,0,1,true,,",
    f"{E2},南昌洪城百货商店,360102,F52,2019-11-02,是,否,否,2,3,0,B,",
    f"{E3},青云谱餐饮管理有限公司,360103,H62,2021-01-15,1,,,,,,,true",
]
OFFICER_ROWS = [
    f"I0001,张伟,SCJG,360102,赣执36010001,food;quality,4,2027-03-02;2027-03-03,{E2}",
    "I0002,李娜,SCJG,360102,赣执36010002,food;price,,,",
    "T0001,王芳,SW,360102,赣税36010001,tax,,,",
    "I0003,刘洋,SCJG,360103,,food,,,",
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def enterprises_csv(folder: Path, rows: list[str] | None = None, name: str = "e.csv") -> Path:
    return write(folder / name, ENTERPRISE_HEADER, ENTERPRISE_ROWS if rows is None else rows)


def officers_csv(folder: Path, rows: list[str] | None = None, name: str = "i.csv") -> Path:
    return write(folder / name, OFFICER_HEADER, OFFICER_ROWS if rows is None else rows)
