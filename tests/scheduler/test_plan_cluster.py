"""Plans solved on a real Dask cluster — `dask scheduler` and two `dask worker` processes on
loopback ports — are byte-identical to plans solved locally, from the library and from
`jianguan plan generate --cluster` or `JIANGUAN_DASK`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jianguan.cli import main
from scheduler.plan_document import plan_bytes
from scheduler.planner import PlanSettings, generate_plan
from tests.scheduler import factory as f

REPO = Path(__file__).resolve().parents[2]
DASK = str(Path(sys.executable).with_name("dask"))


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text(encoding="utf-8").strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {path} after {seconds} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    common = ["--no-dashboard"]
    started = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(info),
                *common,
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        _wait_for(info, 60)
        address = json.loads(info.read_text(encoding="utf-8"))["address"]
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--host",
                        "127.0.0.1",
                        "--local-directory",
                        str(folder),
                        *common,
                    ],
                    cwd=REPO,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _province():
    """Three cities (three regions) and one city alone (one region, split by department)."""
    cities = ("360102", "360103", "360202", "360302")
    firms = f.enterprises(90, districts=cities, key_every=5)
    staff = f.officers(12, "SCJG", ["food"], districts=cities) + f.officers(
        12, "SW", ["tax"], districts=cities
    )
    return firms, staff, f.task(sampling={"A": 0.5, "B": 0.8, "C": 1.0, "D": 1.0})


def test_cluster_plans_equal_local_plans_for_regions_and_departments(cluster: str) -> None:
    firms, staff, task = _province()
    local = plan_bytes(generate_plan(firms, staff, task, f.SEED, settings=PlanSettings()))
    on_dask = generate_plan(firms, staff, task, f.SEED, settings=PlanSettings(cluster=cluster))
    assert plan_bytes(on_dask) == local
    assert [r["region"] for r in on_dask["report"]["regions"]] == ["3601", "3602", "3603"]
    one_city = [e for e in firms if e.district.startswith("3601")]
    alone = plan_bytes(generate_plan(one_city, staff, task, f.SEED))
    alone_dask = generate_plan(
        one_city, staff, task, f.SEED, settings=PlanSettings(cluster=cluster)
    )
    assert plan_bytes(alone_dask) == alone
    assert [r["region"] for r in alone_dask["report"]["regions"]] == ["all"]


def test_generate_command_takes_the_cluster_from_the_option_or_the_environment(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    firms, staff, _task = _province()
    e_csv, o_csv = f.write_registry(tmp_path, firms, staff)
    task_yaml = f.task_yaml(
        tmp_path / "task.yaml", sampling={"A": 0.5, "B": 0.8, "C": 1.0, "D": 1.0}
    )
    args = ["plan", "generate", "--enterprises", str(e_csv), "--inspectors", str(o_csv)]
    args += ["--task", str(task_yaml), "--seed", f.SEED]
    monkeypatch.delenv("JIANGUAN_DASK", raising=False)
    assert main([*args, "--out", str(tmp_path / "local.json")]) == 0
    assert main([*args, "--out", str(tmp_path / "option.json"), "--cluster", cluster]) == 0
    monkeypatch.setenv("JIANGUAN_DASK", cluster)
    assert main([*args, "--out", str(tmp_path / "env.json")]) == 0
    local = (tmp_path / "local.json").read_bytes()
    assert (tmp_path / "option.json").read_bytes() == local
    assert (tmp_path / "env.json").read_bytes() == local


def test_an_unreachable_cluster_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scheduler import work_pool

    monkeypatch.setattr(work_pool, "CONNECT_TIMEOUT", "1s")
    firms, staff, _task = _province()
    e_csv, o_csv = f.write_registry(tmp_path, firms, staff)
    args = ["plan", "generate", "--enterprises", str(e_csv), "--inspectors", str(o_csv)]
    args += ["--task", str(f.task_yaml(tmp_path / "task.yaml")), "--seed", f.SEED]
    monkeypatch.setenv("JIANGUAN_DASK", "tcp://127.0.0.1:9")  # the environment is read
    code = main([*args, "--out", str(tmp_path / "plan.json"), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot reach the Dask cluster at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err and not (tmp_path / "plan.json").exists()


def test_cluster_pieces_come_back_in_order_and_a_pieces_error_is_raised(cluster: str) -> None:
    from scheduler.work_pool import DaskCluster

    pool = DaskCluster(cluster)  # builtins as pieces: the workers cannot import tests/
    try:
        assert pool.workers == 2
        items = [str(x) for x in range(19, 0, -2)]  # more pieces than workers
        assert pool.map(int, items) == [int(x) for x in items]
        assert pool.map(int, []) == []
        with pytest.raises(ValueError, match="invalid literal"):
            pool.map(int, ["4", "5", "x", "6"])
    finally:
        pool.close()
