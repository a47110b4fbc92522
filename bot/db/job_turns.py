"""Whose turn a clock job is, among every worker on the database (issue 33, "Deploy past one
machine"): escalations, check-ins, the directory refresh and the retention purge run in whichever
worker holds the job's lease, one at a time.

`take_turn` is one UPDATE, conditional on the lease being free (or past its end, or already this
worker's) and on the job's interval having passed since it was last done, or one INSERT for a job
never run: atomic on SQLite and PostgreSQL alike, so of two workers asking at once one gets the
turn. `turn_done` records the job as done and frees the lease; a worker that dies mid-job leaves
its lease to end on its own.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import ClockJob


def take_turn(session: Session, job: str, holder: str, lease_seconds: float, every_seconds: float = 0.0,
              now: datetime | None = None) -> bool:
    """Whether `holder` may run `job` now (and holds it for `lease_seconds`). Commit before running
    the job, so that the other workers see the lease."""
    now = now or utcnow()
    lease_until = now + timedelta(seconds=lease_seconds)
    free = or_(ClockJob.lease_until.is_(None), ClockJob.lease_until <= now, ClockJob.holder == holder)
    due = or_(ClockJob.done_at.is_(None), ClockJob.done_at <= now - timedelta(seconds=every_seconds))
    taken = session.execute(update(ClockJob).where(ClockJob.job == job, and_(free, due))
                            .values(holder=holder, lease_until=lease_until)).rowcount
    if taken:
        return True
    if session.get(ClockJob, job) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ClockJob(job=job, holder=holder, lease_until=lease_until))
    except IntegrityError:  # another worker made the row first: its turn
        return False
    return True


def turn_done(session: Session, job: str, holder: str, now: datetime | None = None) -> None:
    """`job` done by `holder`: the interval counts from now, and the lease is free."""
    session.execute(update(ClockJob).where(ClockJob.job == job, ClockJob.holder == holder)
                    .values(done_at=now or utcnow(), lease_until=None))


def release(session: Session, job: str, holder: str) -> None:
    """`job` not done (it failed): the lease is free for another worker, the interval unchanged."""
    session.execute(update(ClockJob).where(ClockJob.job == job, ClockJob.holder == holder).values(lease_until=None))
