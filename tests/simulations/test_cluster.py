"""The same pure function gives the same numbers in-process, on local processes and on a real
Dask cluster (`distributed.LocalCluster`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from simulations.runner import run_scenario
from tests.simulations.scenarios import tiny


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _without_id(result: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in result.items() if k != "settings"}


def test_dask_cluster_and_processes_match_in_process_run(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path))
    scenario = tiny(replications=4)
    local = run_scenario(scenario, workers=1, use_cache=False)
    seen: list[tuple[int, int]] = []
    on_dask = run_scenario(
        scenario, cluster=client, use_cache=False, progress=lambda d, t: seen.append((d, t))
    )
    assert on_dask == local
    assert seen[-1] == (4, 4) and len(seen) == 4
    on_processes = run_scenario(scenario, workers=2, use_cache=False)
    assert on_processes == local


def test_unreachable_cluster_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulations import runner
    from simulations.runner import ClusterError

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ClusterError) as caught:
        run_scenario(tiny(replications=1), cluster="tcp://127.0.0.1:9", use_cache=False)
    assert "tcp://127.0.0.1:9" in caught.value.message("en")


def test_sim_run_command_takes_a_cluster_address(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jianguan.cli import main
    from tests.simulations.scenarios import TINY

    monkeypatch.setenv("JIANGUAN_INSTANCE", str(tmp_path / "instance"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(TINY.replace("replications: 3", "replications: 2"), encoding="utf-8")
    out = tmp_path / "result.json"
    address = str(client.scheduler_info()["address"])
    assert main(["sim", "run", str(scenario), "--out", str(out), "--cluster", address]) == 0
    assert out.exists() and (tmp_path / "result.html").exists()
