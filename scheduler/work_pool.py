"""Where the independent pieces of a plan are solved: here, on local processes, or on Dask.

Every pool returns results in the order of its inputs and the pieces are pure functions of
their inputs, so the plan never depends on which pool ran them or on how many workers it had.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, cast

from jianguan.errors import JianguanError

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler before giving up
# Modules a fresh worker process needs; the fork server imports them once for all workers.
_PRELOAD = ["scheduler.department_staffing", "scheduler.region_solver", "scheduler.region_task"]


class WorkPool(Protocol):
    workers: int
    # whether pieces run in other processes (this one is free meanwhile)
    elsewhere: bool

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def warm(self) -> None:
        """Start workers now, so their start-up overlaps the caller's own work."""


def _ready() -> None:
    """A task that does nothing: submitting it starts a worker process."""


def _import_solver() -> None:
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)


async def _preload() -> None:
    """Run on a Dask worker: import the solver off the worker's event loop (a coroutine, so
    the caller need not wait for it)."""
    import asyncio

    await asyncio.get_running_loop().run_in_executor(None, _import_solver)


class InProcess:
    workers = 1
    elsewhere = False

    def warm(self) -> None:
        pass

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(x) for x in items]


class LocalProcesses:
    """A process pool started on first use and kept for the whole plan (every repair round).

    Workers come from a fork server: a clean process forked before any of the caller's threads
    or data exist (the web runs plans in threads), that has imported the solver once."""

    elsewhere = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def warm(self) -> None:
        pool = self._started()
        for _ in range(self.workers):
            pool.submit(_ready)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if len(items) <= 1:
            return [fn(x) for x in items]
        return list(self._started().map(fn, items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class ClusterError(JianguanError):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__(
            f"无法连接 Dask 集群 {address}：{reason}；请检查地址（tcp://主机:端口）和调度器是否已启动",
            f"cannot reach the Dask cluster at {address}: {reason}; check the address "
            "(tcp://HOST:PORT) and that the scheduler is running",
        )


class DaskCluster:
    """Pieces as Dask tasks on the scheduler at `address` (`tcp://HOST:PORT`)."""

    elsewhere = True

    def __init__(self, address: str) -> None:
        from distributed import Client

        try:
            self._client: Any = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise ClusterError(address, str(err)) from None
        info = self._client.scheduler_info().get("workers", {})
        self.workers = max(1, len(info))
        # one place per worker thread: a piece is sent to a place that is free
        self._places: list[str | None] = [
            address for address, w in sorted(info.items()) for _ in range(w.get("nthreads", 1))
        ] or [None]

    def warm(self) -> None:
        """Import the solver on every worker now (once per worker's life), while this process
        builds the problems."""
        self._client.run(_preload, wait=False)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Pieces go out one per worker thread, the next to the worker whose piece came back,
        in the order given.

        Handing the scheduler every piece at once let it place them by its own guess of their
        length (it knows nothing of a region's size): on the province two workers ended 1.1
        and 1.5 CPU seconds apart, and even fed one at a time it sometimes gave the next piece
        to the busy worker. Sent to the worker that just became free, the pieces are dealt
        greedily in the caller's order (largest first for regions: longest processing time
        first), and each result comes back while the others still run. The placement is a
        preference (`allow_other_workers`): a worker that leaves does not strand its piece."""
        from distributed import as_completed

        if not items:
            return []
        results: list[R | None] = [None] * len(items)
        index: dict[str, tuple[int, str | None]] = {}
        waiting = iter(range(len(items)))
        running = as_completed()

        def send(i: int, place: str | None) -> None:
            where: dict[str, Any] = {}
            if place is not None:
                where = {"workers": [place], "allow_other_workers": True}
            future = self._client.submit(fn, items[i], pure=False, **where)
            index[future.key] = (i, place)
            running.add(future)

        # places first: zip stops at the last place without taking a piece from `waiting`
        for place, i in zip(self._places, waiting, strict=False):
            send(i, place)
        for future in running:
            i, place = index[future.key]
            results[i] = future.result()  # a piece's error is raised here
            following = next(waiting, None)
            if following is not None:
                send(following, place)
        return cast(list[R], results)

    def close(self) -> None:
        self._client.close()


@contextmanager
def open_pool(processes: int | None, cluster: str | None, worth_it: bool) -> Iterator[WorkPool]:
    """The pool for a plan: the cluster when an address is given; otherwise `processes` local
    processes (None: every core when the caller judges the work `worth_it`, else none)."""
    if cluster:
        dask = DaskCluster(cluster)
        try:
            yield dask
        finally:
            dask.close()
        return
    if processes is None:
        processes = (os.cpu_count() or 1) if worth_it else 1
    if processes <= 1:
        yield InProcess()
        return
    local = LocalProcesses(processes)
    try:
        yield local
    finally:
        local.close()
