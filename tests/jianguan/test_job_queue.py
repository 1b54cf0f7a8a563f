"""The job queue on each backend: limits in the store, one claim per job, stale heartbeats."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from jianguan import audit, job_queue
from jianguan.db import Store
from jianguan.models import AuditEvent, JobRow

pytestmark = pytest.mark.postgres


def _enqueue(store: Store, user: str = "reg1", **kw: object) -> tuple[JobRow, bool]:
    with store.session() as session:
        return job_queue.enqueue(session, "plan", {"n": 1}, user, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(jobs_store: Store) -> Store:
    return jobs_store


def test_an_exclusive_key_gives_the_same_job_or_refuses(store: Store) -> None:
    first, new = _enqueue(store, exclusive_key="plan:T", same_work=lambda j: True)
    assert new
    again, new = _enqueue(store, "reg2", exclusive_key="plan:T", same_work=lambda j: True)
    assert again.id == first.id and not new
    with pytest.raises(job_queue.JobBusyError) as refused:
        _enqueue(store, "reg2", exclusive_key="plan:T")
    assert first.id in refused.value.message("en") and "正在进行" in refused.value.message("zh")


def test_per_user_limit_and_the_request_keeps_its_other_work(store: Store) -> None:
    for _ in range(job_queue.PER_USER):
        _enqueue(store)
    with pytest.raises(job_queue.TooManyJobsError), store.session() as session:
        audit.record(session, "reg1", "plan.generate", "task", "T", None, {})
        job_queue.enqueue(session, "plan", {}, "reg1")
    with store.session() as session:  # refused: the audit record rolled back with it
        assert session.query(AuditEvent).count() == 0
        assert session.query(JobRow).count() == job_queue.PER_USER
    _enqueue(store, "reg2")  # another user is not held up


def test_a_refused_insert_does_not_abort_the_request(store: Store) -> None:
    """Two processes may pass the read before the insert; the index refuses the second, under
    a savepoint, and the request's transaction goes on (PostgreSQL would abort it otherwise)."""
    with store.session() as session:
        job_queue.enqueue(session, "plan", {}, "reg1", exclusive_key="k")
        # As if another process had inserted between this one's read and its insert:
        assert job_queue._insert(session, "plan", {}, "reg2", "k", 0, 0) is None
        audit.record(session, "reg2", "x", "task", "T", None, {})
    with store.session() as session:
        assert session.query(AuditEvent).count() == 1


def test_two_workers_never_claim_the_same_job(store: Store) -> None:
    jobs = 30
    for i in range(jobs):
        with store.session() as session:
            job_queue.enqueue(session, "plan", {"i": i}, f"u{i}")
    claimed: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def work(name: str) -> None:
        start.wait()
        while (c := job_queue.claim(store, name, ["plan"])) is not None:
            claimed[name].append(c.id)
            with store.session() as session:
                job_queue.finish(session, c, {"by": name})

    threads = [threading.Thread(target=work, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == jobs
    with store.session() as session:
        assert {r.state for r in session.query(JobRow)} == {"done"}


def _age_heartbeat(store: Store, job_id: str, seconds: float) -> None:
    with store.session() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(heartbeat_at=job_queue.now() - timedelta(seconds=seconds))
        )


def test_a_stale_job_is_claimed_again_and_the_old_worker_cannot_write(store: Store) -> None:
    job, _ = _enqueue(store)
    first = job_queue.claim(store, "w1", ["plan"])
    assert first is not None and first.tries == 1
    assert job_queue.claim(store, "w2", ["plan"]) is None  # fresh heartbeat: still w1's
    _age_heartbeat(store, job.id, job_queue.STALE_AFTER_S + 1)
    second = job_queue.claim(store, "w2", ["plan"])
    assert second is not None and second.id == job.id and second.tries == 2
    assert not job_queue.heartbeat(store, first)  # w1 came back: its lease is gone
    with pytest.raises(job_queue.LeaseLostError), store.session() as session:
        job_queue.finish(session, first, {"by": "w1"})
    with store.session() as session:
        job_queue.finish(session, second, {"by": "w2"})
        row = job_queue.get(session, job.id)
        assert row is not None and row.state == "done" and row.result == {"by": "w2"}


def test_after_max_tries_a_stale_job_fails_with_a_message(store: Store) -> None:
    job, _ = _enqueue(store)
    for _ in range(job_queue.MAX_TRIES):
        assert job_queue.claim(store, "w", ["plan"]) is not None
        _age_heartbeat(store, job.id, job_queue.STALE_AFTER_S + 1)
    assert job_queue.claim(store, "w", ["plan"]) is None
    with store.session() as session:
        row = job_queue.get(session, job.id)
        assert row is not None and row.state == "failed"
        assert row.message_en and "3 times" in row.message_en and row.message_zh
    _enqueue(store)  # its user slot is free again
