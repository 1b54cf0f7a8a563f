"""Jiangxi's administrative divisions (GB/T 2260): the 11 cities and their 100 districts.

The table ships as `jianguan/data/jiangxi_divisions.csv`, derived from a maintained data
package (see `jianguan/data/README.md` for source and version); nothing here invents a code.
"District" means any county-level division (市辖区, 县 or 县级市).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jianguan.errors import JianguanError

PROVINCE_CODE = "36"


@dataclass(frozen=True, slots=True)
class Division:
    """A county-level division and the prefecture-level city it belongs to."""

    code: str  # 6 digits, e.g. "360102"
    name: str  # e.g. "东湖区"
    city_code: str  # 4 digits, e.g. "3601"
    city_name: str  # e.g. "南昌市"

    @property
    def kind(self) -> str:
        """GB/T 2260 county-level class from the last two digits: 01–20 市辖区, 21–80 县,
        81–99 县级市. Generators use it (urban districts hold more firms)."""
        tail = int(self.code[4:])
        if tail <= 20:
            return "urban"
        if tail <= 80:
            return "county"
        return "county_city"


class UnknownDivisionError(JianguanError):
    """A division code that is not a Jiangxi city or county-level district."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"未知的行政区划代码“{code}”：请使用江西省的4位设区市代码（如 3601）"
            f"或6位县级区划代码（如 360102），见 jianguan/data/jiangxi_divisions.csv。",
            f"unknown division code {code!r}: use a 4-digit Jiangxi city code (e.g. 3601) or a "
            f"6-digit county-level code (e.g. 360102); see jianguan/data/jiangxi_divisions.csv.",
        )
        self.code = code


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[Division, ...], dict[str, str]]:
    """(county-level divisions in code order, every code → name incl. province and cities)."""
    text = resources.files("jianguan").joinpath("data/jiangxi_divisions.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    districts: list[Division] = []
    names: dict[str, str] = {}
    for row in csv.DictReader(lines):
        names[row["code"]] = row["name"]
        if row["level"] == "district":
            districts.append(Division(row["code"], row["name"], row["city_code"], row["city_name"]))
    return tuple(districts), names


def jiangxi_districts() -> list[Division]:
    """All 100 county-level divisions of Jiangxi, in code order."""
    return list(_table()[0])


def jiangxi_cities() -> dict[str, str]:
    """The 11 prefecture-level cities: 4-digit code → name, in code order."""
    names = _table()[1]
    return {c[:4]: n for c, n in sorted(names.items()) if c.endswith("00") and c[2:4] != "00"}


def division_name(code: str) -> str | None:
    """The name of a Jiangxi division code, or None when unknown.

    Accepts 6-digit codes of districts, cities (``360100``) and the province (``360000``), and
    4-digit city codes (``3601``).
    """
    names = _table()[1]
    if len(code) == 4:
        code += "00"
    return names.get(code)


def is_known_division(code: str) -> bool:
    """True for a 6-digit county-level Jiangxi code — the codes valid in a registry's
    `district` column. City (``360100``) and province codes are not districts."""
    return code in _districts_by_code()


@lru_cache(maxsize=1)
def _districts_by_code() -> dict[str, Division]:
    return {d.code: d for d in _table()[0]}


def district(code: str) -> Division | None:
    """The county-level division with this 6-digit code, or None."""
    return _districts_by_code().get(code)


def resolve_districts(selection: Sequence[str] | None) -> list[Division]:
    """The districts a filter names: None or empty = all of Jiangxi; each entry is ``36`` (the
    province), a 4-digit city code, a 6-digit city code (``360100``) or a 6-digit district code.
    Raises UnknownDivisionError for anything else. Result in code order, without repeats."""
    everything = _table()[0]
    if not selection:
        return list(everything)
    chosen: set[str] = set()
    for raw in selection:
        code = str(raw).strip()
        if code in (PROVINCE_CODE, PROVINCE_CODE + "0000"):
            chosen.update(d.code for d in everything)
            continue
        if len(code) == 6 and code.endswith("00"):
            code = code[:4]
        if len(code) == 4:
            members = [d.code for d in everything if d.city_code == code]
        elif len(code) == 6:
            members = [code] if code in _districts_by_code() else []
        else:
            members = []
        if not members:
            raise UnknownDivisionError(code)
        chosen.update(members)
    return [d for d in everything if d.code in chosen]
