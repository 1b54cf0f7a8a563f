"""The synthetic Jiangxi registry: reproducible, valid codes, real districts, plausible data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from stdnum.cn import uscc

from jianguan.divisions import (
    UnknownDivisionError,
    division_name,
    is_known_division,
    jiangxi_cities,
    jiangxi_districts,
    resolve_districts,
)
from jianguan.registry_read import read_enterprises, read_inspectors
from jianguan.registry_schema import ENTERPRISE_COLUMNS, OFFICER_COLUMNS
from simulations.officer_pool import DEFAULT_START, generate_officers
from simulations.synthetic_registry import (
    cache_enterprises_parquet,
    enterprise_records,
    generate_enterprises,
    officer_records,
    read_enterprises_parquet,
    write_csv,
    write_registry,
)

N = 20_000


@pytest.fixture(scope="module")
def firms() -> pa.Table:
    return generate_enterprises(N, seed=11)


@pytest.fixture(scope="module")
def cols(firms: pa.Table) -> dict[str, np.ndarray]:
    return {name: np.array(firms[name].to_pylist()) for name in firms.column_names}


# --- divisions ---------------------------------------------------------------------------


def test_divisions_are_jiangxis_11_cities_and_100_districts() -> None:
    cities = jiangxi_cities()
    assert list(cities) == [f"36{i:02d}" for i in range(1, 12)]
    assert cities["3601"] == "南昌市" and cities["3611"] == "上饶市"
    districts = jiangxi_districts()
    assert len(districts) == 100
    assert {d.city_code for d in districts} == set(cities)
    assert division_name("360102") == "东湖区"
    assert division_name("360113") == "红谷滩区"  # created 2019: the table is current
    assert division_name("360105") is None  # 湾里区, abolished 2019
    assert division_name("3607") == "赣州市"
    assert is_known_division("360702") and not is_known_division("360100")
    assert not is_known_division("110101")  # Beijing is not in the table


def test_division_filter_rejects_unknown_code_and_says_how_to_fix() -> None:
    with pytest.raises(UnknownDivisionError) as caught:
        resolve_districts(["3612"])
    assert "3612" in caught.value.message("zh") and "360102" in caught.value.message("zh")
    assert "4-digit" in caught.value.message("en")


# --- reproducibility ---------------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    def files(seed: int, name: str) -> tuple[bytes, bytes]:
        e, i = write_registry(tmp_path / name, enterprises=3000, officers=80, seed=seed)
        return e.read_bytes(), i.read_bytes()

    first = files(7, "a")
    assert files(7, "b") == first
    other = files(8, "c")
    assert other[0] != first[0] and other[1] != first[1]


def test_files_have_exactly_the_contract_columns_and_spellings(tmp_path: Path) -> None:
    e, i = write_registry(tmp_path, enterprises=500, officers=40, seed=3)
    firm_lines = e.read_text("utf-8").splitlines()
    assert firm_lines[0] == ",".join(ENTERPRISE_COLUMNS)
    assert i.read_text("utf-8").splitlines()[0] == ",".join(OFFICER_COLUMNS)
    cells = firm_lines[1].split(",")
    assert cells[5] in ("true", "false")
    assert cells[11] == "" and cells[12] == ""  # credit_tier, key_supervision left to rules
    assert len(firm_lines) == 501


# --- the project's own import accepts the files ------------------------------------------


def test_generated_files_pass_the_registry_import_validation(tmp_path: Path) -> None:
    e, i = write_registry(tmp_path, enterprises=3000, officers=120, seed=5, districts=["3601"])
    enterprises = read_enterprises(e)
    ids = {x.id for x in enterprises}
    officers = read_inspectors(i, ids)
    assert len(enterprises) == 3000 and len(officers) == 120
    assert {o.department for o in officers} == {"SCJG", "SW", "YJ"}
    # the in-memory records equal what the files give back
    firms = generate_enterprises(3000, seed=5, districts=["3601"])
    assert enterprise_records(firms) == enterprises
    staff = generate_officers(120, 5, [x.id for x in enterprises], districts=["3601"])
    assert officer_records(staff) == officers


def test_blank_optional_cells_still_import(tmp_path: Path) -> None:
    table = generate_enterprises(2000, seed=2, missing_share=0.1)
    assert table["complaints_12m"].null_count > 100
    parsed = read_enterprises(write_csv(table, tmp_path / "enterprises.csv"))
    assert sum(x.complaints_12m is None for x in parsed) == table["complaints_12m"].null_count


# --- enterprises -------------------------------------------------------------------------


def test_every_credit_code_is_valid_unique_and_registered_in_jiangxi(
    cols: dict[str, np.ndarray],
) -> None:
    ids = cols["id"].tolist()
    assert len(set(ids)) == N
    assert all(uscc.is_valid(x) for x in ids)
    for eid, district in zip(ids, cols["district"], strict=True):
        assert eid[0] == "9" and eid[1] in "13"
        # registered by the district's own bureau or by its city's (e.g. 360100)
        assert eid[2:8] in (district, district[:4] + "00")


def test_districts_are_known_and_bigger_cities_hold_more_firms(
    cols: dict[str, np.ndarray],
) -> None:
    assert all(is_known_division(d) for d in set(cols["district"].tolist()))
    cities = np.array([d[:4] for d in cols["district"]])
    assert (cities == "3601").sum() > 3 * (cities == "3605").sum()  # 南昌 vs 新余
    assert len(set(cols["district"].tolist())) > 90


def test_district_filter_restricts_to_a_county_or_a_city() -> None:
    county = generate_enterprises(500, seed=1, districts=["360702"])
    assert set(county["district"].to_pylist()) == {"360702"}
    city = generate_enterprises(2000, seed=1, districts=["3607"])
    got = set(city["district"].to_pylist())
    assert all(d.startswith("3607") for d in got) and len(got) > 10
    officers = generate_officers(50, 1, county["id"].to_pylist(), districts=["360702"])
    assert set(officers["district"].to_pylist()) == {"360702"}


def test_industry_mix_is_trade_heavy_and_valid_gbt4754(cols: dict[str, np.ndarray]) -> None:
    codes, counts = np.unique(cols["industry"], return_counts=True)
    assert all(len(c) == 3 and c[0].isalpha() and c[1:].isdigit() for c in codes)
    assert codes[counts.argmax()] == "F52"
    manufacturing = counts[np.char.startswith(codes.astype(str), "C")].sum() / N
    assert 0.05 < manufacturing < 0.3


def test_older_firms_file_annual_reports_more_often(cols: dict[str, np.ndarray]) -> None:
    founded = cols["established_on"]
    filed = cols["annual_report_filed"]
    old = founded < date(2010, 1, 1)
    young = founded >= date(2023, 1, 1)
    assert filed[old].mean() > filed[young].mean() + 0.1
    assert 0.75 < filed.mean() < 0.97


def test_complaints_and_penalties_cluster(cols: dict[str, np.ndarray]) -> None:
    penalties, complaints = cols["penalties_3y"], cols["complaints_12m"]
    assert penalties[complaints > 0].mean() > 1.5 * penalties[complaints == 0].mean()
    assert np.corrcoef(penalties, complaints)[0, 1] > 0.05
    assert (penalties == 0).mean() > 0.7  # most firms have a clean record


def test_abnormal_list_mostly_for_unfiled_reports_and_few_seriously_dishonest(
    cols: dict[str, np.ndarray],
) -> None:
    abnormal, filed = cols["abnormal_list"], cols["annual_report_filed"]
    assert (~filed[abnormal]).mean() > 0.8
    dishonest = cols["serious_dishonest_list"].mean()
    assert 0 < dishonest < 0.02


def test_high_risk_licences_sit_in_food_drug_and_equipment_industries(
    cols: dict[str, np.ndarray],
) -> None:
    industry, licence = cols["industry"], cols["high_risk_licence"]
    key = np.isin(industry, ["C14", "C27"])
    assert licence[key].mean() > 0.7
    assert not licence[np.isin(industry, ["I65", "L72", "M75"])].any()


def test_credit_tier_and_key_supervision_empty_unless_asked(firms: pa.Table) -> None:
    assert firms["credit_tier"].null_count == N and firms["key_supervision"].null_count == N
    filled = generate_enterprises(3000, seed=11, fill_decided=True)
    assert filled["credit_tier"].null_count == 0
    tiers = np.array(filled["credit_tier"].to_pylist())
    dishonest = np.array(filled["serious_dishonest_list"].to_pylist())
    assert set(tiers) <= {"A", "B", "C", "D"} and (tiers[dishonest] == "D").all()


def test_parquet_cache_returns_the_same_population_and_regenerates_on_new_arguments(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pop.parquet"
    first = cache_enterprises_parquet(path, 1000, seed=4)
    assert read_enterprises_parquet(path).equals(first)
    stamp = path.stat().st_mtime_ns
    assert cache_enterprises_parquet(path, 1000, seed=4).equals(first)
    assert path.stat().st_mtime_ns == stamp  # read, not rewritten
    other = cache_enterprises_parquet(path, 1000, seed=5)
    assert not other.equals(first) and read_enterprises_parquet(path).equals(other)


# --- officers ----------------------------------------------------------------------------


def test_officers_have_departments_fields_certificates_leave_and_recusals(
    cols: dict[str, np.ndarray],
) -> None:
    ids = cols["id"].tolist()
    table = generate_officers(400, 11, ids)
    rows = table.to_pylist()
    prefixes = {"SCJG": "I", "SW": "T", "YJ": "Y"}
    scjg_fields = {"food", "quality", "price", "ad", "licence", "special_equipment", "drug"}
    scjg_fields.add("measurement")
    assert len({r["id"] for r in rows}) == 400
    for r in rows:
        assert r["id"].startswith(prefixes[r["department"]]) and len(r["id"]) == 5
        assert is_known_division(r["district"])
        if r["department"] == "SCJG":
            assert 2 <= len(r["fields"]) <= 4 and set(r["fields"]) <= scjg_fields
        else:
            assert r["fields"] == (["tax"] if r["department"] == "SW" else ["safety"])
        end = DEFAULT_START + timedelta(days=365)
        assert all(DEFAULT_START <= d < end for d in r["unavailable"])
        assert set(r["recusals"]) <= set(ids)
    departments = [r["department"] for r in rows]
    assert departments.count("SCJG") > departments.count("SW") > departments.count("YJ") > 0
    uncertified = sum(r["certificate"] == "" for r in rows)
    assert 0 < uncertified < 80
    certificates = [r["certificate"] for r in rows if r["certificate"]]
    assert len(set(certificates)) == len(certificates)
    assert sum(bool(r["unavailable"]) for r in rows) > 100
    assert 0 < sum(bool(r["recusals"]) for r in rows) < 40


def test_few_officers_still_cover_every_department() -> None:
    table = generate_officers(3, 1, [])
    assert sorted(table["department"].to_pylist()) == ["SCJG", "SW", "YJ"]
