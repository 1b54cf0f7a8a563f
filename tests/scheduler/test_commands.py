"""The `jianguan plan` commands as a user runs them (formats.md §6)."""

from __future__ import annotations

import json

import pytest

from jianguan.cli import main
from tests.scheduler import factory as f


@pytest.fixture()
def files(tmp_path):
    firms = f.enterprises(30, districts=("360102", "360103"))
    staff = f.officers(4, "SCJG", ["food"]) + f.officers(4, "SW", ["tax"])
    e_path, o_path = f.write_registry(tmp_path, firms, staff)
    t_path = f.task_yaml(tmp_path / "task.yaml", sampling={"A": 0.5, "B": 0.5, "C": 1, "D": 1})
    return ["--enterprises", str(e_path), "--inspectors", str(o_path), "--task", str(t_path)]


def test_commit_generate_verify(files, tmp_path, capsys) -> None:
    assert main(["plan", "commit", *files]) == 0
    commitment = capsys.readouterr().out.strip()
    out = tmp_path / "plan.json"
    assert main(["plan", "generate", *files, "--seed", f.SEED, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "区域" in captured.err  # progress on stderr
    first = out.read_bytes()
    plan = json.loads(first)
    assert plan["inputs_sha256"] == commitment
    assert (
        first
        == json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert (
        main(["plan", "generate", *files, "--seed", f.SEED, "--out", str(out), "--workers", "2"])
        == 0
    )
    assert out.read_bytes() == first
    assert main(["plan", "verify", "--plan", str(out), *files]) == 0
    assert "核验通过" in capsys.readouterr().out


def test_bad_seed_and_bad_task_exit_1_with_a_message(files, tmp_path, capsys) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", "generate", *files, "--seed", "1234", "--out", str(out)]) == 1
    assert "十六进制" in capsys.readouterr().err
    task = tmp_path / "task.yaml"
    task.write_text(task.read_text(encoding="utf-8") + "surprise: 1\n", encoding="utf-8")
    assert (
        main(["plan", "generate", *files, "--seed", f.SEED, "--out", str(out), "--lang", "en"]) == 1
    )
    err = capsys.readouterr().err
    assert f"{task}:" in err and "surprise: Extra inputs are not permitted" in err
    assert not out.exists()


def test_lifecycle_commands(files, tmp_path, capsys) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'store.db'}"]
    out = tmp_path / "plan.json"
    task = files[files.index("--task") + 1]
    assert main(["plan", "generate", *files, "--seed", f.SEED, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["plan", "save", "--plan", str(out), "--task", task, *db, "--actor", "a"]) == 0
    plan_id = capsys.readouterr().out.strip()
    assert main(["plan", "approve", "--id", plan_id, *db, "--actor", "a"]) == 1  # four eyes
    assert "另一名负责人" in capsys.readouterr().err
    assert main(["plan", "approve", "--id", plan_id, *db, "--actor", "b"]) == 0
    capsys.readouterr()
    assert main(["plan", "publish", "--id", plan_id, *db, "--actor", "b"]) == 0
    anchor = capsys.readouterr().err.split("审计日志锚点 ")[1].split("（")[0]
    assert main(["audit", "verify", *db, "--anchor", anchor]) == 0  # the anchor it printed
    pub = tmp_path / "pub"
    enterprises = files[files.index("--enterprises") + 1]
    args = ["--enterprises", enterprises, "--task", task, "--out", str(pub)]
    assert main(["plan", "export", "--id", plan_id, *args, *db]) == 0
    assert f.SEED in (pub / "index.html").read_text(encoding="utf-8")
    # nothing changed in the officer library: re-planning has nothing to do
    assert main(["plan", "replan", "--id", plan_id, *files, *db, "--actor", "a"]) == 1
    assert "无需重新安排" in capsys.readouterr().err
