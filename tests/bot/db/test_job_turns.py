"""Whose turn a clock job is (bot/db/job_turns.py, issue 33): one worker at a time, a lease that
ends on its own when its worker dies, and a job with an interval run once an interval across all
workers. Then two workers' passes (bot/worker.py Jobs) running each shared job at once, on SQLite
and on PostgreSQL: never both at the same time, the purge once."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from bot.clock import utcnow
from bot.db import session_scope
from bot.db.job_turns import release, take_turn, turn_done
from bot.worker import Job, Jobs


def turn(worker: str, now, lease: float = 60, every: float = 0, job: str = "escalation") -> bool:
    with session_scope() as session:
        return take_turn(session, job, worker, lease, every, now)


def test_one_worker_at_a_time_and_a_dead_workers_lease_ends(migrated_db):
    now = utcnow()
    assert turn("a", now) is True
    assert turn("b", now) is False
    assert turn("a", now + timedelta(seconds=30)) is True  # its own, renewed
    assert turn("b", now + timedelta(seconds=89)) is False  # the renewal counts from 30 s
    assert turn("b", now + timedelta(seconds=91)) is True  # a stopped: its lease ended
    assert turn("a", now + timedelta(seconds=92)) is False


def test_a_job_with_an_interval_runs_once_an_interval_across_workers(migrated_db):
    now = utcnow()
    assert turn("a", now, every=3600, job="purge") is True
    with session_scope() as session:
        turn_done(session, "purge", "a", now)
    assert turn("b", now + timedelta(minutes=5), every=3600, job="purge") is False  # done 5 min ago
    assert turn("a", now + timedelta(minutes=5), every=3600, job="purge") is False  # by anyone
    assert turn("b", now + timedelta(minutes=61), every=3600, job="purge") is True


def test_a_released_turn_is_anyones_at_once(migrated_db):
    now = utcnow()
    assert turn("a", now) is True
    with session_scope() as session:
        release(session, "escalation", "a")
        release(session, "escalation", "b")  # not b's: changes nothing
    assert turn("b", now) is True


def test_a_stranger_cannot_release_or_finish_anothers_turn(migrated_db):
    now = utcnow()
    assert turn("a", now, every=3600, job="purge") is True
    with session_scope() as session:
        turn_done(session, "purge", "b", now)
        release(session, "purge", "b")
    assert turn("b", now, every=3600, job="purge") is False


def two_workers_run(jobs: dict[str, Job], passes: int = 40) -> None:
    workers = [Jobs(jobs, worker=f"host-{n}:{n}") for n in range(2)]
    start = threading.Barrier(2)

    def work(worker: Jobs) -> None:
        start.wait()
        for _ in range(passes):
            worker.run_due(transport=None)  # type: ignore[arg-type]  # these jobs send nothing
            time.sleep(0.005)
        worker.release_turns()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def shared_jobs_run_by_two_workers() -> dict[str, list]:
    runs: dict[str, list] = {"escalation": [], "follow_up": [], "purge": []}
    inside: dict[str, int] = dict.fromkeys(runs, 0)
    lock = threading.Lock()

    def job(name: str):
        def run(transport) -> int:
            with lock:
                inside[name] += 1
                runs[name].append(inside[name])  # how many were running it, this one included
            time.sleep(0.01)
            with lock:
                inside[name] -= 1
            return 0
        return run

    two_workers_run({"escalation": Job(job("escalation"), shared=True),
                     "follow_up": Job(job("follow_up"), every=0.02, shared=True),
                     "purge": Job(job("purge"), every=3600, shared=True)})
    return runs


def test_two_workers_never_run_a_shared_job_at_once_and_the_purge_once(migrated_db):
    runs = shared_jobs_run_by_two_workers()
    assert runs["escalation"] and max(runs["escalation"]) == 1
    assert runs["follow_up"] and max(runs["follow_up"]) == 1
    assert runs["purge"] == [1]


def test_two_workers_on_postgres(postgres_db):
    runs = shared_jobs_run_by_two_workers()
    assert runs["escalation"] and max(runs["escalation"]) == 1
    assert runs["purge"] == [1]


def test_a_failing_job_hands_its_turn_to_the_other_worker(migrated_db):
    ran: list[str] = []

    def flaky(name: str):
        def run(transport) -> int:
            ran.append(name)
            if name == "host-0:0":
                raise RuntimeError("this worker's database connection is broken")
            return 0
        return run

    first = Jobs({"escalation": Job(flaky("host-0:0"), shared=True)}, worker="host-0:0")
    second = Jobs({"escalation": Job(flaky("host-1:1"), shared=True)}, worker="host-1:1")
    first.run_due(None)  # type: ignore[arg-type]  # these jobs send nothing
    second.run_due(None)  # type: ignore[arg-type]
    assert ran == ["host-0:0", "host-1:1"]  # the failure freed the turn: no lease to wait out
