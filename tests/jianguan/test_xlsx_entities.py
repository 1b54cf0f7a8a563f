"""An .xlsx whose sheet XML declares an entity bomb ("billion laughs": nine levels of ten, a
thousand million copies) is refused at once with the usual message (ASVS 5.5.2): the XML
parser expands no such thing."""

from __future__ import annotations

import resource
import time
import zipfile
from pathlib import Path

import pytest

from jianguan.errors import JianguanError
from jianguan.registry_read import read_enterprises
from jianguan.registry_write import write_enterprises
from tests.jianguan import samples

SHEET = "xl/worksheets/sheet1.xml"


def _bomb_doctype() -> str:
    levels = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?><!DOCTYPE worksheet [{"".join(levels)}]>'


def test_an_entity_bomb_in_a_sheet_is_refused_quickly(tmp_path: Path) -> None:
    good = write_enterprises(
        tmp_path / "good.xlsx", read_enterprises(samples.enterprises_csv(tmp_path))
    )
    assert len(read_enterprises(good)) == 3
    with zipfile.ZipFile(good) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts[SHEET].decode("utf-8")
    body = sheet[sheet.index("<worksheet") :].replace("<t>", "<t>&lol9;", 1)
    parts[SHEET] = (_bomb_doctype() + body).encode("utf-8")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(JianguanError, match=r"bomb\.xlsx"):
        read_enterprises(bomb)
    assert time.perf_counter() - started < 5
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100  # ten thousand million characters would be gigabytes
