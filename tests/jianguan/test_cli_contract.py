"""The `jianguan` command's contract: exit codes 0/1/2 and no traceback ever reaching a user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jianguan import registry_commands
from jianguan.cli import main


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["registry", "import", "--no-such-option"])
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_unexpected_failure_is_one_line_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "inst"))

    def explode(_args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(registry_commands, "_export", explode)
    code = main(["registry", "export", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "内部错误" in err
    assert "Traceback" not in err
    log = (tmp_path / "inst" / "logs" / "errors.log").read_text(encoding="utf-8")
    assert "disk on fire" in log


def test_generate_then_import_from_the_console_script(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("jianguan")
    out = tmp_path / "gen"
    run = subprocess.run(
        [
            *(exe, "registry", "generate", "--enterprises", "300", "--officers", "20"),
            *("--seed", "5", "--out", str(out), "--districts", "360121"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    db = f"sqlite:///{tmp_path / 'g.db'}"
    imported = subprocess.run(
        [
            *(exe, "registry", "import", "--enterprises", str(out / "enterprises.csv")),
            *("--inspectors", str(out / "inspectors.csv"), "--db", db, "--lang", "en"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert "enterprises: 300 new" in imported.stdout
