"""The worker: delivers the outbox with retries, escalates overdue handoffs, queues follow-up
check-ins, and purges what is older than the retention period. Started by `make run` as `hub worker`.

Each of these is a job (JOBS) run in its own try: one that fails backs off on its own, doubling
up to five minutes, while the others go on (an unreachable tracker store stops the purge, never
an alert). A job failing JOB_ALARM_AFTER times in a row raises an operator alarm naming it, which
`hub status` and the console's Health page show; it is cleared when the job works again."""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.alerts.signals import purge_signals
from bot.alerts.spikes import detect as detect_spikes
from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.db import session_scope
from bot.db.job_turns import release, take_turn, turn_done
from bot.db.models import OutboxMessage, WorkerHeartbeat
from bot.directory.refresh import refresh_if_due
from bot.handoff.delivery import not_delivered
from bot.handoff.engine import escalate_due
from bot.handoff.follow_up import run_due as follow_ups_due
from bot.metrics import deliveries
from bot.notify.alarms import clear_alarms, raise_alarm
from bot.notify.optout import number_opted_out, restore_opt_out
from bot.notify.outbox import Delivery, claim_due, needs_renewal, record, renew, still_held, unclaim
from bot.notify.pacing import SendPace
from bot.notify.receipts import status_callback_url
from bot.notify.send_slots import shared_send_slots
from bot.notify.transports import ALARM_DETAILS, Transport
from bot.retention import Purged, purge

logger = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600
# How often the worker looks whether HUB_DIRECTORY_FEED is due (a query; the refresh itself is
# every HUB_DIRECTORY_REFRESH).
DIRECTORY_REFRESH_CHECK_SECONDS = 60.0
# A worker records that it delivers this often (`hub status` reads it): after each delivery pass
# that succeeded, and between sends too, so a long batch is not mistaken for a stopped worker. A
# worker that goes round its loop while every delivery pass fails records nothing.
HEARTBEAT_EVERY_SECONDS = 15.0
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:128]
HEARTBEAT_KEPT = timedelta(days=1)
_STARTED_AT = utcnow()
_last_beat = [float("-inf")]
# Check-ins are timed in hours, and the worker polls four times a second.
FOLLOW_UP_EVERY_SECONDS = 1.0
# A job that fails is tried again after JOB_RETRY_FIRST seconds, then twice as long after each
# failure in a row, up to JOB_RETRY_MAX; after JOB_ALARM_AFTER failures in a row it needs a person.
JOB_RETRY_FIRST = 1.0
JOB_RETRY_MAX = 300.0
JOB_ALARM_AFTER = 3
_paces: dict[tuple[float, Path], SendPace] = {}


def send_pace(settings: Settings) -> SendPace:
    """The pace at HUB_SEND_RATE, one for all this process's sends (a worker thread and `--once`
    share it), on send times every worker of the deployment shares (bot/notify/send_slots.py)."""
    key = (settings.send_rate, settings.endpoints_path)
    if key not in _paces:
        _paces[key] = SendPace(settings.send_rate, shared_send_slots(settings.endpoints_path))
    return _paces[key]


def beat(force: bool = False) -> None:
    """Record this worker's heartbeat, at most every HEARTBEAT_EVERY_SECONDS. A database too busy
    to take it is no reason to stop delivering: the next beat tries again."""
    if not force and time.monotonic() - _last_beat[0] < HEARTBEAT_EVERY_SECONDS:
        return
    try:
        with session_scope() as session:
            if force:  # at start: forget workers gone for a day (each start is a new host:pid)
                session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < utcnow() - HEARTBEAT_KEPT))
            heartbeat = session.get(WorkerHeartbeat, WORKER_ID)
            if heartbeat is None:
                session.add(WorkerHeartbeat(worker=WORKER_ID, started_at=_STARTED_AT, seen_at=utcnow()))
            else:
                heartbeat.seen_at = utcnow()
    except Exception:
        logger.exception("worker heartbeat not recorded")
        return
    _last_beat[0] = time.monotonic()


def workers_delivering(session: Session) -> int:
    """How many workers share the send rate now (those whose heartbeat is recent), at least this one."""
    since = utcnow() - timedelta(seconds=2 * HEARTBEAT_EVERY_SECONDS)
    return max(1, session.scalar(select(func.count()).select_from(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= since)) or 0)


def deliver_due(transport: Transport, batch: int = 20, pace: SendPace | None = None) -> int:
    """Deliver what is due once, the most urgent first, no faster than HUB_SEND_RATE (`pace`);
    return how many rows were handled. Only about a second's worth of sending is claimed at a
    time, by all the workers together (each claims its share), so that a message more urgent
    than those claimed goes next.

    Rows are claimed ('sending', under a token) and committed before any network call, so no
    other worker picks them up. Before each attempt the claim is checked, and renewed once it is
    old enough for its lease to run out mid-attempt (`renew`): a row another worker took over
    while this one was busy with the batch is left alone, never sent twice. Each outcome is committed on its own, and only under the claim
    that made the attempt. A row whose earlier attempt may have reached the provider (its worker
    was killed mid-send) is first looked up at the provider, so that nothing is lost and nothing
    is sent twice.
    """
    settings = get_settings()
    pace = pace or send_pace(settings)
    with session_scope() as session:
        claimed = [
            (claim, number_opted_out(session, claim.to_number, settings))
            for claim in claim_due(session, pace.batch(batch, workers_delivering(session)))
        ]
    for index, (claim, opted_out) in enumerate(claimed):
        if not opted_out or claim.interrupted_since is not None:
            # Its turn to go, before the claim is checked: a slow rate may outlast the lease.
            try:
                pace.wait(claim.from_number)
            except Exception:
                # The shared send times cannot be reached (Redis or the database is down): nothing
                # goes without its time, and the rows not attempted go back at once, not when
                # their lease lapses, to whichever worker can send them first.
                with session_scope() as session:
                    unclaim(session, [unsent for unsent, _ in claimed[index:]])
                raise
        if needs_renewal(claim):  # the batch has taken a while: is the row still ours?
            with session_scope() as session:
                held = renew(session, claim)
            if not held:
                logger.info("outbox message %s: taken over by another worker; left to it", claim.id)
                continue
        delivery = None
        if claim.interrupted_since is not None:
            delivery = transport.find_sent(claim.to_number, claim.from_number, claim.body, claim.interrupted_since)
            if delivery is not None:
                logger.info("outbox message %s: an interrupted attempt had been delivered (%s)", claim.id, delivery.provider_sid)
        if delivery is None and opted_out:
            delivery = Delivery(ok=False, blocked=True, error="the recipient texted STOP")
        if delivery is None:
            delivery = transport.send(claim.to_number, claim.from_number, claim.body,
                                      status_callback=status_callback_url(settings, claim.id))
        with session_scope() as session:
            row = session.get(OutboxMessage, claim.id, with_for_update=True)
            if not still_held(row, claim):
                # The attempt outlasted the lease and another worker has the row: it asks the
                # provider before sending (claimed_at is set), so the outcome is not lost.
                logger.warning("outbox message %s: claim lapsed during the attempt; the worker holding it now looks it up", claim.id)
                continue
            record(row, delivery)
            deliveries.labels(row.status).inc()  # sent, pending (to be retried), failed or blocked
            if not delivery.ok:
                logger.warning("outbox message %s not delivered (attempt %s): %s", claim.id, row.attempts, delivery.error)
            after_attempt(session, row, delivery, settings)
        beat()
    beat()  # a delivery pass that succeeded (at most every HEARTBEAT_EVERY_SECONDS)
    return len(claimed)


def after_attempt(session: Session, row: OutboxMessage, delivery: Delivery, settings: Settings) -> None:
    """What an attempt's outcome means beyond its row, in the same transaction: a STOP Twilio
    reported (21610) kept in the opt-out list; an operator alarm raised, or cleared once a
    message goes out again; an alert that will never arrive re-offered at once, relayed words
    reported (bot/handoff/delivery.py)."""
    if delivery.blocked:
        restore_opt_out(session, row.to_number, settings)
    if delivery.alarm:
        if raise_alarm(session, delivery.alarm, ALARM_DETAILS.get(delivery.alarm, delivery.alarm)):
            logger.error("operator alarm %s: %s (%s). Messages wait in the outbox and are retried; see `hub status`.",
                         delivery.alarm, ALARM_DETAILS.get(delivery.alarm, delivery.alarm), delivery.error)
    elif delivery.ok:
        for name in clear_alarms(session, "twilio_"):
            logger.info("operator alarm %s cleared: messages go out again", name)
    if row.status in ("blocked", "failed"):
        not_delivered(session, row, delivery.error or row.status)


def escalate() -> int:
    with session_scope() as session:
        return escalate_due(session)


def follow_up() -> int:
    """Check-ins that are due, and questions waiting for a caller's number."""
    with session_scope() as session:
        return follow_ups_due(session)


def purge_expired() -> Purged:
    settings = get_settings()
    with session_scope() as session:
        return purge(session, settings.retention_days, settings.endpoints_path)


@dataclass(frozen=True)
class Job:
    """One of the worker's jobs: `run` does it once (given the transport) and returns how much it
    handled (anything handled sends the worker round again at once); `every` is how long to wait
    after it worked (0: every pass)."""

    run: Callable[[Transport], int]
    every: float | Callable[[], float] = 0.0  # a callable: read from the settings at each pass
    # One worker at a time across every worker on the database, and `every` counted across them
    # all (bot/db/job_turns.py): for the clock jobs. Delivery runs in every worker (its rows are
    # claimed one by one), and the directory refresh claims its own runs.
    shared: bool = False


_refreshing: list[threading.Thread] = []


def _directory_refresh_job(transport: Transport) -> int:
    """HUB_DIRECTORY_FEED, once it is due (bot/directory/refresh.py claims it: two workers run it
    once), in a thread of its own: reading a national feed takes minutes, and a specialist's
    alert must not wait behind it. What it did is in the directory_refresh table."""
    if not get_settings().directory_feed or (_refreshing and _refreshing[0].is_alive()):
        return 0
    thread = threading.Thread(target=_refresh_logged, name="directory-refresh", daemon=True)
    _refreshing[:] = [thread]
    thread.start()
    return 0


def _refresh_logged() -> None:
    try:
        refresh_if_due()
    except Exception:  # the database gone mid-refresh: the next check tries again
        logger.exception("directory refresh failed")


def _spikes_job(transport: Transport) -> int:
    """Possible overdose spikes in the line's signals (bot/alerts/spikes.py); the coordinator's SMS
    it queues goes out in the same pass. Counts past HUB_SIGNAL_RETENTION_DAYS go too."""
    with session_scope() as session:
        purge_signals(session)
        return len(detect_spikes(session))


def _purge_job(transport: Transport) -> int:
    purge_expired()
    return 0


# The worker's jobs, in the order of a pass: escalations and check-ins first, so what they queue
# goes out in the same pass; the purge last, so that a long one never holds up a pass's alerts.
# A new job is one row.
JOBS: dict[str, Job] = {
    "escalation": Job(lambda transport: escalate(), shared=True),
    "follow_up": Job(lambda transport: follow_up(), every=FOLLOW_UP_EVERY_SECONDS, shared=True),
    "spikes": Job(_spikes_job, every=lambda: get_settings().spike_every_seconds, shared=True),
    "delivery": Job(lambda transport: deliver_due(transport)),
    "directory_refresh": Job(_directory_refresh_job, every=DIRECTORY_REFRESH_CHECK_SECONDS),
    "purge": Job(_purge_job, every=PURGE_EVERY_SECONDS, shared=True),
}
# A shared job's turn is this worker's for this long, renewed while it runs the job pass after
# pass: a worker that dies holding it delays the job by at most this much. A worker whose turn it
# is not looks again after TURN_CHECK_SECONDS (a job with an interval: after at most TURN_CHECK_MAX).
JOB_LEASE_SECONDS = 60.0
TURN_CHECK_SECONDS = 5.0
TURN_CHECK_MAX = 60.0


def every_of(job: Job) -> float:
    return job.every() if callable(job.every) else job.every


def job_retry_after(failures: int) -> float:
    """Seconds before a job that failed `failures` times in a row is tried again."""
    return min(JOB_RETRY_MAX, JOB_RETRY_FIRST * 2 ** (failures - 1))


def job_alarm(name: str) -> str:
    """The operator alarm (bot/notify/alarms.py) of a job that keeps failing."""
    return f"worker_{name}"


class Jobs:
    """The jobs of one worker, with when each is due and how many times in a row it has failed.
    Each runs in its own try: a failure is logged, the job backs off (job_retry_after), and the
    others go on. At JOB_ALARM_AFTER failures in a row the job's alarm is raised; the first time
    a job works after that, or the first time it works in this process (a worker before this one
    may have left the alarm standing), the alarm is cleared."""

    def __init__(self, jobs: dict[str, Job] | None = None, clock: Callable[[], float] = time.monotonic,
                 worker: str = WORKER_ID):
        self.jobs, self.clock, self.worker = JOBS if jobs is None else jobs, clock, worker
        self.next_at = dict.fromkeys(self.jobs, float("-inf"))
        self.failures = dict.fromkeys(self.jobs, 0)
        self._alarm_may_stand = set(self.jobs)
        self._held_until: dict[str, datetime] = {}  # shared jobs whose turn this worker holds

    def run_due(self, transport: Transport) -> int:
        """One pass: every job that is due, in order; how much they handled."""
        handled = 0
        for name, job in self.jobs.items():
            if self.clock() < self.next_at[name]:
                continue
            try:
                if job.shared and not self._our_turn(name, job):
                    every = every_of(job)
                    self.next_at[name] = self.clock() + (min(every, TURN_CHECK_MAX) if every else TURN_CHECK_SECONDS)
                    continue
                handled += job.run(transport)
                if job.shared and every_of(job):
                    self._turn_over(name, done=True)
            except Exception as exc:  # a database hiccup, a store gone: this job waits, the others go on
                if job.shared:
                    self._turn_over(name, done=False)
                self._failed(name, exc)
            else:
                self._worked(name)
        return handled

    def _our_turn(self, name: str, job: Job) -> bool:
        """Whether this worker may run the shared job `name` now: it holds the turn with more than
        half its lease to go (no query), or takes it (one UPDATE)."""
        now = utcnow()
        held = self._held_until.get(name)
        if held is not None and not every_of(job) and held - now > timedelta(seconds=JOB_LEASE_SECONDS / 2):
            return True
        with session_scope() as session:
            taken = take_turn(session, name, self.worker, JOB_LEASE_SECONDS, every_of(job), now)
        if taken:
            self._held_until[name] = now + timedelta(seconds=JOB_LEASE_SECONDS)
        else:
            self._held_until.pop(name, None)
        return taken

    def _turn_over(self, name: str, done: bool) -> None:
        self._held_until.pop(name, None)
        try:
            with session_scope() as session:
                (turn_done if done else release)(session, name, self.worker)
        except Exception:  # the lease then ends on its own
            logger.exception("worker job %s: its turn could not be handed back", name)

    def release_turns(self) -> None:
        """Hand back every turn this worker holds (it is stopping): another worker takes them at
        once, not a lease later."""
        for name in list(self._held_until):
            self._turn_over(name, done=False)

    def failing(self) -> list[str]:
        return [name for name, failures in self.failures.items() if failures]

    def _failed(self, name: str, exc: Exception) -> None:
        self.failures[name] += 1
        failures, wait = self.failures[name], job_retry_after(self.failures[name])
        self.next_at[name] = self.clock() + wait
        logger.exception("worker job %s failed (%s in a row); trying again in %g s", name, failures, wait)
        if failures < JOB_ALARM_AFTER:
            return
        # The error's kind only: its words may quote a URL or a query.
        detail = f"the worker's {name} job has failed {failures} times in a row ({type(exc).__name__}, on {WORKER_ID}): see its log"
        try:
            with session_scope() as session:
                raised = raise_alarm(session, job_alarm(name), detail)
        except Exception:
            logger.exception("operator alarm %s not recorded", job_alarm(name))
            return
        self._alarm_may_stand.add(name)
        if raised:
            logger.error("operator alarm %s: %s", job_alarm(name), detail)

    def _worked(self, name: str) -> None:
        self.failures[name] = 0
        self.next_at[name] = self.clock() + every_of(self.jobs[name])
        if name not in self._alarm_may_stand:
            return
        try:
            with session_scope() as session:
                cleared = clear_alarms(session, job_alarm(name))
        except Exception:
            logger.exception("operator alarm %s not cleared; trying again after the next pass", job_alarm(name))
            return
        self._alarm_may_stand.discard(name)
        for alarm in cleared:
            logger.info("operator alarm %s cleared: the job works again", alarm)


def once_jobs() -> Jobs:
    """The jobs of `hub worker --once`: every one but the purge (`hub purge` does that) and the
    directory refresh (`hub directory import --api`)."""
    return Jobs({name: job for name, job in JOBS.items() if name not in ("purge", "directory_refresh")})


def run_once(transport: Transport) -> int:
    """One pass of every job but the purge, each in its own try; how much they handled. The turns
    it took are handed back: a `--once` run holds none after it."""
    jobs = once_jobs()
    try:
        return jobs.run_due(transport)
    finally:
        jobs.release_turns()


def run_forever(transport: Transport, interval: float = 0.25, stop: threading.Event | None = None,
                purge_every: float = PURGE_EVERY_SECONDS) -> None:
    """Poll until stopped (SIGINT/SIGTERM, or `stop` when run in a thread). A quarter-second idle
    poll is one indexed query, and keeps an alert well within a second of its handoff. The
    retention purge runs in the first pass and then every `purge_every` seconds."""
    if stop is None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    logger.info("worker started (%s)", type(transport).__name__)
    jobs = Jobs({**JOBS, "purge": replace(JOBS["purge"], every=purge_every)})
    beat(force=True)
    while not stop.is_set():
        if not jobs.run_due(transport):
            stop.wait(interval)
    jobs.release_turns()
    logger.info("worker stopped")
