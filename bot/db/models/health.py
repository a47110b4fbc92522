"""The running line's health, as `hub status` and the console's Health page show it: the workers'
heartbeats, the alarms only a person can clear, and the turns answered past the deadline."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text

from bot.db.models.base import Base


class WorkerHeartbeat(Base):
    """When each worker (host:pid) last finished a delivery pass that worked (or a send): `hub
    status` tells a stopped, stuck or failing worker from an idle one."""

    __tablename__ = "worker_heartbeat"
    worker = Column(String(128), primary_key=True)
    started_at = Column(DateTime, nullable=False)
    seen_at = Column(DateTime, nullable=False)


class OperatorAlarm(Base):
    """Something only a person can fix (Twilio refuses the account's credentials, the sending
    queue is full), raised by the worker and cleared when it can send again; `hub status` shows it.
    Holds codes, never a number or a message."""

    __tablename__ = "operator_alarm"
    name = Column(String(32), primary_key=True)
    detail = Column(Text, nullable=False)
    raised_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)


class DeadlineMiss(Base):
    """Turns answered with a holding reply (past HUB_ANSWER_DEADLINE, or queued past the bound),
    counted per hour by each Rasa server (host:pid), so that the console's Health page sees every
    server's misses."""

    __tablename__ = "deadline_miss"
    hour = Column(DateTime, primary_key=True)
    server = Column(String(128), primary_key=True)
    misses = Column(Integer, nullable=False)


class ClockJob(Base):
    """Whose turn a worker's clock job is (bot/db/job_turns.py): a worker runs a job only while it
    holds the lease, so two workers never run one at once, and a job with an interval (the purge)
    runs once an interval across all of them, not once per worker. A lease outlives a worker that
    died holding it by at most `lease_until`."""

    __tablename__ = "clock_job"
    job = Column(String(32), primary_key=True)
    holder = Column(String(128))
    lease_until = Column(DateTime)
    done_at = Column(DateTime)
