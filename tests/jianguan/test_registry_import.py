"""Importing the registry: CSV and .xlsx round trips, idempotent re-import, updates, audit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from stdnum.cn import uscc

from jianguan import audit
from jianguan.audit import verify_chain
from jianguan.cell_values import CellError
from jianguan.cli import main
from jianguan.credit_code import check_credit_code
from jianguan.db import Store
from jianguan.models import AuditEvent
from jianguan.registry_read import read_enterprises, read_inspectors
from jianguan.registry_store import import_registry, load_enterprises, load_officers
from jianguan.registry_write import write_enterprises, write_officers
from tests.jianguan import samples


def test_import_then_load_gives_the_same_records(store: Store, tmp_path: Path) -> None:
    e_path, i_path = samples.enterprises_csv(tmp_path), samples.officers_csv(tmp_path)
    report = import_registry(store, enterprises=e_path, inspectors=i_path)
    assert (report.enterprises.inserted, report.officers.inserted) == (3, 4)
    assert load_enterprises(store) == sorted(read_enterprises(e_path), key=lambda e: e.id)
    officers = load_officers(store)
    assert officers == sorted(read_inspectors(i_path), key=lambda o: o.id)
    uncertified = next(o for o in officers if o.id == "I0003")
    assert not uncertified.certified  # stays in the library, may not inspect


def test_reimport_changes_nothing_and_edits_update(store: Store, tmp_path: Path) -> None:
    e_path, i_path = samples.enterprises_csv(tmp_path), samples.officers_csv(tmp_path)
    import_registry(store, enterprises=e_path, inspectors=i_path)
    before = load_enterprises(store)
    again = import_registry(store, enterprises=e_path, inspectors=i_path)
    assert (again.enterprises.unchanged, again.enterprises.inserted, again.enterprises.updated) == (
        3,
        0,
        0,
    )
    assert again.officers.unchanged == 4
    assert load_enterprises(store) == before

    edited = [samples.ENTERPRISE_ROWS[0].replace(",0,1,true,", ",1,1,true,")]
    report = import_registry(store, enterprises=samples.enterprises_csv(tmp_path, edited))
    assert (report.enterprises.updated, report.enterprises.unchanged) == (1, 0)
    changed = next(e for e in load_enterprises(store) if e.id == samples.E1)
    assert changed.penalties_3y == 1
    assert len(load_enterprises(store)) == 3  # an import never deletes


def test_each_import_writes_one_chained_audit_event(store: Store, tmp_path: Path) -> None:
    e_path = samples.enterprises_csv(tmp_path)
    import_registry(store, enterprises=e_path, actor="张科长")
    import_registry(store, enterprises=e_path, actor="张科长")
    with store.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["registry.import", "registry.import"]
        assert events[0].actor == "张科长"
        assert events[0].after is not None
        assert events[0].after["enterprises"]["inserted"] == 3
        assert events[1].after is not None
        assert events[1].after["enterprises"]["unchanged"] == 3
        assert events[1].prev_hash == events[0].hash
        assert verify_chain(session).intact


def test_import_from_a_deep_folder_is_audited_on_both_databases(
    store: Store, tmp_path: Path
) -> None:
    deep = tmp_path.joinpath(*["很长的文件夹名称" * 3] * 8)
    deep.mkdir(parents=True)
    e_path = samples.enterprises_csv(deep)
    import_registry(store, enterprises=e_path)
    with store.session() as session:
        event = session.scalars(select(AuditEvent)).one()
        assert event.object_id == e_path.name
        assert event.after is not None and event.after["files"] == [str(e_path)]
        long_id = "x" * 300
        kept = audit.record(session, "cli", "test", "registry", long_id).object_id
        assert (
            len(kept) == 120
            and kept != audit.record(session, "cli", "t", "r", long_id + "y").object_id
        )
        assert verify_chain(session).intact


def test_audit_chain_detects_a_tampered_row(sqlite_store: Store, tmp_path: Path) -> None:
    for _ in range(3):
        import_registry(sqlite_store, enterprises=samples.enterprises_csv(tmp_path))
    with sqlite_store.session() as session:
        second = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[1]
        second.actor = "someone else"
    with sqlite_store.session() as session:
        check = verify_chain(session)
        assert not check.intact
        assert check.first_broken_id == second.id


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trip(store: Store, tmp_path: Path, suffix: str) -> None:
    import_registry(
        store,
        enterprises=samples.enterprises_csv(tmp_path),
        inspectors=samples.officers_csv(tmp_path),
    )
    enterprises, officers = load_enterprises(store), load_officers(store)
    e_out = write_enterprises(tmp_path / "out" / f"enterprises{suffix}", enterprises)
    i_out = write_officers(tmp_path / "out" / f"inspectors{suffix}", officers)
    assert read_enterprises(e_out) == enterprises
    assert read_inspectors(i_out, {e.id for e in enterprises}) == officers


def test_xlsx_import_reports_sheet_rows(sqlite_store: Store, tmp_path: Path) -> None:
    good = read_enterprises(samples.enterprises_csv(tmp_path))
    bad = [*good, replace(good[0], id=good[0].id[:17] + "0", district="36010")]
    path = write_enterprises(tmp_path / "bad.xlsx", bad)
    code = main(["registry", "import", "--enterprises", str(path), "--db", sqlite_store.url])
    assert code == 1
    assert load_enterprises(sqlite_store) == []


def test_cli_prints_file_line_column_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [samples.ENTERPRISE_ROWS[0].replace(",C14,", ",c1x,")]
    path = samples.enterprises_csv(tmp_path, rows)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["registry", "import", "--enterprises", str(path), "--db", db]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:industry: 行业代码" in err
    assert "未导入任何数据" in err
    assert main(["registry", "import", "--enterprises", str(path), "--db", db, "--lang", "en"]) == 1
    assert "nothing was imported" in capsys.readouterr().err


def test_cli_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["--enterprises", str(samples.enterprises_csv(tmp_path))]
    args += ["--inspectors", str(samples.officers_csv(tmp_path)), "--db", db]
    assert main(["registry", "import", *args]) == 0
    assert "新增 3" in capsys.readouterr().out
    assert (
        main(["registry", "export", "--out", str(tmp_path / "x"), "--format", "xlsx", "--db", db])
        == 0
    )
    assert len(read_enterprises(tmp_path / "x" / "enterprises.xlsx")) == 3


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
    st.sampled_from(ALPHABET),
)
def test_credit_code_check_character(head: str, organisation: str, other: str) -> None:
    """GB 32100-2015: exactly one check character makes a 17-character body valid."""
    body = head + organisation
    right = uscc.calc_check_digit(body)
    assert check_credit_code(body + right) == body + right
    if other != right:
        with pytest.raises(CellError) as caught:
            check_credit_code(body + other)
        assert f"应为 {right}" in caught.value.message_zh


@given(st.text(min_size=0, max_size=30))
def test_any_text_is_accepted_or_refused_with_a_message(text: str) -> None:
    try:
        assert uscc.is_valid(check_credit_code(text))
    except CellError as err:
        assert "统一社会信用代码" in err.message_zh


@given(
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -", min_size=16, max_size=20)
    | st.text(min_size=0, max_size=20)
)
def test_every_verdict_is_stdnums(text: str) -> None:
    """The shortcuts (a table for well-formed codes, no call for plain ASCII) accept exactly
    the codes stdnum accepts, written as stored: stripped and upper-case."""
    try:
        check_credit_code(text)
        accepted = True
    except CellError:
        accepted = False
    assert accepted == (uscc.is_valid(text) and text == text.strip().upper())
