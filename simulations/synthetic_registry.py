"""A synthetic, seeded registry (一单两库) of Jiangxi enterprises and officers.

Province-sized populations (a million enterprises) are made with NumPy draws over pools that
Faker fills once, so the same seed gives byte-identical files. Attributes are correlated
through a latent risk score per enterprise: riskier firms skip annual reports, land on the
abnormal list, draw complaints and penalties together; older firms file more reliably.
`credit_tier` and `key_supervision` stay empty unless asked for: the rule packages decide them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from stdnum.cn import uscc

from jianguan.divisions import Division, resolve_districts
from jianguan.errors import JianguanError
from jianguan.registry_schema import ENTERPRISE_COLUMNS, OFFICER_COLUMNS, Enterprise, Officer
from simulations.name_pool import trade_names
from simulations.officer_pool import generate_officers, officers_for_csv
from simulations.population_mix import (
    COOPERATIVE_SECTIONS,
    COOPERATIVE_SHARE,
    INDUSTRIES,
    district_weights,
)

__all__ = [
    "AS_OF",
    "cache_enterprises_parquet",
    "district_weights",
    "enterprise_records",
    "generate_enterprises",
    "generate_officers",
    "officer_records",
    "read_enterprises_parquet",
    "write_csv",
    "write_registry",
]

# The registry is a snapshot at the end of 2026: firms were founded up to the end of 2025, so
# every one owed its 2025 annual report (due 2026-06-30). A fixed date keeps output reproducible.
AS_OF = date(2026, 12, 31)
FIRST_YEAR = 1985
LAST_YEAR = 2025
# GB 32100-2015: organisation codes issued after the 2015 reform start "MA" (market
# supervision's own series); older firms carried their 8-digit GB 11714 organisation code over.
REFORM_DAY = np.datetime64("2015-10-01")
GENERATOR_VERSION = "1"

_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
_FORM_SHARES = (0.78, 0.19, 0.03)
_COOPERATIVE_FORM = "专业合作社"
_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)  # GB 32100
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)  # GB 11714 check weights


class RegistrySizeError(JianguanError):
    def __init__(self, what: str, value: int) -> None:
        super().__init__(
            f"{what}数量不能为负数（收到 {value}），请给出 0 或正整数",
            f"the number of {what} must not be negative (got {value}); give 0 or more",
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True, slots=True)
class _Streams:
    """Independent random streams per attribute, so adding one never shifts the others."""

    district: np.random.Generator
    industry: np.random.Generator
    founded: np.random.Generator
    risk: np.random.Generator
    outcomes: np.random.Generator
    naming: np.random.Generator
    codes: np.random.Generator
    extras: np.random.Generator

    @classmethod
    def of(cls, seed: int) -> _Streams:
        children = np.random.SeedSequence([seed, 0x454E54]).spawn(8)  # "ENT"
        return cls(*(np.random.default_rng(c) for c in children))


def _founding_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Founding dates: the register grows about 9% a year, faster after the 2014 commercial
    registration reform, so most living firms are young."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    weight = np.exp(0.09 * (years - FIRST_YEAR)) * np.where(years >= 2014, 1.8, 1.0)
    year = rng.choice(years, size=n, p=weight / weight.sum())
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = np.where((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)), 366, 365)
    return start + (rng.random(n) * length).astype("timedelta64[D]")


def _org_code_keys(rng: np.random.Generator, modern: np.ndarray) -> np.ndarray:
    """Unique organisation-code bodies as integers: below 10^8 an old 8-digit code (leading
    digit 1–9), from 10^8 on the 6 characters after "MA" in base 31."""
    old_space = (10_000_000, 100_000_000)
    new_space = 31**6

    def draw(mask: np.ndarray) -> np.ndarray:
        old = rng.integers(*old_space, size=mask.size)
        new = 100_000_000 + rng.integers(0, new_space, size=mask.size)
        return np.where(mask, new, old)

    keys = draw(modern)
    while True:
        _, first, counts = np.unique(keys, return_index=True, return_counts=True)
        if (counts == 1).all():
            return keys
        repeat = np.ones(keys.size, dtype=bool)
        repeat[first] = False  # keep the first holder of each code, redraw the others
        keys[repeat] = draw(modern[repeat])


def _org_code_chars(keys: np.ndarray) -> np.ndarray:
    """(n, 9) ASCII organisation codes: 8-character body plus its GB 11714 check character."""
    n = keys.size
    body = np.empty((n, 8), dtype=np.uint8)
    old = keys < 100_000_000
    digits = keys.copy()
    for pos in range(7, -1, -1):
        body[:, pos] = np.where(old, 48 + digits % 10, 0)
        digits //= 10
    rest = keys - 100_000_000
    body[~old, 0] = ord("M")
    body[~old, 1] = ord("A")
    for pos in range(7, 1, -1):
        body[~old, pos] = _ALPHABET[rest[~old] % 31]
        rest //= 31
    # GB 11714: digits count as themselves, letters A=10 … Z=35.
    values = np.where(body >= 65, body.astype(np.int64) - 55, body.astype(np.int64) - 48)
    check = 11 - (values @ _ORG_WEIGHTS) % 11
    check_char = np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), 48 + check))
    return np.concatenate([body, check_char.astype(np.uint8)[:, None]], axis=1)


def _credit_codes(
    streams: _Streams,
    district_codes: np.ndarray,
    city_registered: np.ndarray,
    cooperative: np.ndarray,
    founded: np.ndarray,
) -> list[str]:
    """18-character 统一社会信用代码: authority 9 (market supervision), entity type (1 enterprise,
    3 farmers' cooperative), the registering authority's division, the organisation code, and the
    check character from python-stdnum."""
    n = district_codes.size
    region = np.frombuffer(district_codes.astype("S6").tobytes(), dtype=np.uint8).reshape(n, 6)
    region = region.copy()
    region[city_registered, 4:6] = ord("0")  # the city bureau (e.g. 360100) registered it
    head = np.empty((n, 2), dtype=np.uint8)
    head[:, 0] = ord("9")
    head[:, 1] = np.where(cooperative, ord("3"), ord("1"))
    keys = _org_code_keys(streams.codes, founded >= REFORM_DAY)
    bodies = np.concatenate([head, region, _org_code_chars(keys)], axis=1)
    texts = bodies.view("S17").ravel().astype("U17").tolist()
    return [body + uscc.calc_check_digit(body) for body in texts]


def _names(
    streams: _Streams,
    divisions: Sequence[Division],
    district_idx: np.ndarray,
    industry_idx: np.ndarray,
    cooperative: np.ndarray,
    seed: int,
) -> pa.Array:
    """Registered names: place + 字号 + business word + legal form, e.g. 南昌恒通餐饮管理有限公司."""
    rng = streams.naming
    n = district_idx.size
    # Place: province (江西), the city without 市 (南昌), or the district in full (东湖区).
    places: list[str] = []
    for d in divisions:
        places += ["江西", d.city_name.removesuffix("市"), d.city_name + d.name]
    mode = rng.choice(3, size=n, p=[0.2, 0.5, 0.3])
    place = pa.array(places).take(pa.array(district_idx * 3 + mode))
    pool = trade_names(seed)
    trade = pa.array(pool).take(pa.array(rng.integers(0, len(pool), size=n)))
    words: list[str] = []
    offsets = np.zeros(len(INDUSTRIES), dtype=np.int64)
    counts = np.zeros(len(INDUSTRIES), dtype=np.int64)
    for i, industry in enumerate(INDUSTRIES):
        offsets[i], counts[i] = len(words), len(industry.words)
        words += industry.words
    word_idx = offsets[industry_idx] + (rng.random(n) * counts[industry_idx]).astype(np.int64)
    word = pa.array(words).take(pa.array(word_idx))
    forms = [*_FORMS, _COOPERATIVE_FORM]
    form_idx = np.where(cooperative, len(_FORMS), rng.choice(len(_FORMS), size=n, p=_FORM_SHARES))
    form = pa.array(forms).take(pa.array(form_idx))
    return pc.binary_join_element_wise(place, trade, word, form, "")


def generate_enterprises(
    n: int,
    seed: int,
    districts: Sequence[str] | None = None,
    *,
    fill_decided: bool = False,
    missing_share: float = 0.0,
) -> pa.Table:
    """`n` synthetic enterprises with exactly the enterprises.csv columns (formats.md §1).

    `districts` limits them to cities (4-digit) or districts (6-digit). `fill_decided` also
    fills `credit_tier` and `key_supervision` with simple stand-in decisions (by default they
    stay empty for the rule packages). `missing_share` blanks that share of each optional cell,
    to exercise "not given" handling.
    """
    if n < 0:
        raise RegistrySizeError("企业", n)
    divisions = resolve_districts(districts)
    s = _Streams.of(seed)

    district_idx = s.district.choice(len(divisions), size=n, p=district_weights(divisions))
    shares = np.array([i.share for i in INDUSTRIES])
    industry_idx = s.industry.choice(len(INDUSTRIES), size=n, p=shares / shares.sum())
    founded = _founding_days(s.founded, n)
    age = (np.datetime64(AS_OF.isoformat()) - founded).astype(np.int64) / 365.25

    def per_industry(attr: str) -> np.ndarray:
        return np.array([getattr(i, attr) for i in INDUSTRIES])[industry_idx]

    # Latent risk: industry shift, young firms riskier; everything below reads from it.
    risk = s.risk.standard_normal(n) + per_industry("risk") + np.where(age < 3, 0.3, 0.0)
    u = s.outcomes.random((6, n))
    filed = u[0] < _sigmoid(1.5 + 0.15 * np.minimum(age, 20) - 0.9 * risk)
    # Most abnormal-list entries come from unfiled reports (企业信息公示暂行条例 Art. 17);
    # a few from an unreachable registered address.
    abnormal = u[1] < np.where(filed, 0.01, 0.72)
    penalties = s.outcomes.poisson(np.exp(-2.6 + 0.9 * risk + per_industry("penalties")))
    complaints = s.outcomes.poisson(np.exp(-2.3 + 0.8 * risk + per_industry("complaints")))
    # The serious-dishonesty list mostly follows long abnormal listing or grave violations.
    dishonest = u[2] < _sigmoid(
        -7.0 + 0.8 * risk + 2.5 * (abnormal & (age > 3)) + 0.5 * np.minimum(penalties, 4)
    )
    high_risk = u[3] < per_industry("high_risk")
    sections = np.array([i.code[0] for i in INDUSTRIES])[industry_idx]
    cooperative = np.isin(sections, COOPERATIVE_SECTIONS) & (u[4] < COOPERATIVE_SHARE)
    city_registered = u[5] < 0.15

    codes = np.array([d.code for d in divisions])[district_idx]
    ids = _credit_codes(s, codes, city_registered, cooperative, founded)
    names = _names(s, divisions, district_idx, industry_idx, cooperative, seed)

    tier: pa.Array = pa.nulls(n, pa.string())
    key: pa.Array = pa.nulls(n, pa.bool_())
    if fill_decided:
        tiers = np.where(
            dishonest,
            "D",
            np.where(
                abnormal | (penalties >= 2),
                "C",
                np.where(filed & (penalties == 0) & (complaints == 0) & (age >= 3), "A", "B"),
            ),
        )
        tier = pa.array(tiers)
        key = pa.array(high_risk | (tiers == "D") | (complaints >= 3))

    columns: dict[str, pa.Array] = {
        "id": pa.array(ids, pa.string()),
        "name": names,
        "district": pa.array(codes, pa.string()),
        "industry": pa.array(np.array([i.code for i in INDUSTRIES])[industry_idx], pa.string()),
        "established_on": pa.array(founded, pa.date32()),
        "annual_report_filed": pa.array(filed),
        "abnormal_list": pa.array(abnormal),
        "serious_dishonest_list": pa.array(dishonest),
        "penalties_3y": pa.array(penalties.astype(np.int32)),
        "complaints_12m": pa.array(complaints.astype(np.int32)),
        "high_risk_licence": pa.array(high_risk),
        "credit_tier": tier,
        "key_supervision": key,
    }
    if missing_share > 0:
        for column in ENTERPRISE_COLUMNS[5:]:
            blank = pa.array(s.extras.random(n) < missing_share)
            columns[column] = pc.if_else(
                blank, pa.scalar(None, columns[column].type), columns[column]
            )
    return pa.table([columns[c] for c in ENTERPRISE_COLUMNS], names=list(ENTERPRISE_COLUMNS))


def write_csv(table: pa.Table, path: Path) -> Path:
    """UTF-8 CSV with a header row: booleans true/false, ISO dates, empty cell = not given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Generated values hold no comma, quote or newline, so nothing is quoted (the header
    # included, which pyarrow would otherwise quote); pyarrow refuses to write a value that
    # would need quotes rather than write a broken file.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(table, sink, write_options=options)
    return path


def write_registry(
    out_dir: Path,
    *,
    enterprises: int,
    officers: int,
    seed: int,
    districts: Sequence[str] | None = None,
) -> tuple[Path, Path]:
    """Write `enterprises.csv` and `inspectors.csv` into `out_dir`; same seed, same bytes."""
    if officers < 0:
        raise RegistrySizeError("人员", officers)
    firms = generate_enterprises(enterprises, seed, districts)
    staff = generate_officers(officers, seed, firms.column("id").to_pylist(), districts)
    out_dir = Path(out_dir)
    return (
        write_csv(firms, out_dir / "enterprises.csv"),
        write_csv(
            officers_for_csv(staff).select(list(OFFICER_COLUMNS)), out_dir / "inspectors.csv"
        ),
    )


_CACHE_KEY = b"jianguan.synthetic_enterprises"


def cache_enterprises_parquet(
    path: Path, n: int, seed: int, districts: Sequence[str] | None = None
) -> pa.Table:
    """The population for (n, seed, districts), read from `path` when it was made with the same
    arguments and generator version, otherwise generated and written there (Parquet)."""
    path = Path(path)
    wanted = json.dumps(
        {"n": n, "seed": seed, "districts": sorted(districts or []), "v": GENERATOR_VERSION},
        sort_keys=True,
    ).encode()
    if path.exists():
        try:
            stored = pq.read_schema(path).metadata or {}
        except (OSError, pa.ArrowInvalid):
            stored = {}
        if stored.get(_CACHE_KEY) == wanted:
            return pq.read_table(path)
    table = generate_enterprises(n, seed, districts)
    table = table.replace_schema_metadata({_CACHE_KEY: wanted})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return table


def read_enterprises_parquet(path: Path) -> pa.Table:
    """A population written by `cache_enterprises_parquet`."""
    return pq.read_table(Path(path))


def enterprise_records(table: pa.Table) -> list[Enterprise]:
    """The generated rows as the registry's `Enterprise` records (as `read_enterprises` gives)."""
    return [Enterprise(**row) for row in table.select(list(ENTERPRISE_COLUMNS)).to_pylist()]


def officer_records(table: pa.Table) -> list[Officer]:
    """Officers from `generate_officers` as the registry's `Officer` records."""
    return [
        Officer(
            **{
                **row,
                "fields": tuple(row["fields"]),
                "unavailable": tuple(row["unavailable"]),
                "recusals": tuple(row["recusals"]),
            }
        )
        for row in table.select(list(OFFICER_COLUMNS)).to_pylist()
    ]
