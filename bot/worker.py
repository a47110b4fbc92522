"""The worker: delivers the outbox with retries, escalates overdue handoffs, and purges what is
older than the retention period. Started by `make run` as `hub worker`."""
from __future__ import annotations

import logging
import signal
import threading
import time

from bot.config import get_settings
from bot.db import session_scope
from bot.handoff.engine import escalate_due
from bot.notify.optout import number_opted_out
from bot.db.models import OutboxMessage
from bot.notify.outbox import Delivery, claim_due, record
from bot.notify.transports import Transport
from bot.retention import Purged, purge

logger = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600


def deliver_due(transport: Transport, batch: int = 20) -> int:
    """Deliver what is due once; return how many rows were handled.

    Rows are claimed ('sending', with a lease) and committed before any network call, so no other
    worker picks them up; each outcome is committed on its own. A row whose earlier attempt may
    have reached the provider (its worker was killed mid-send) is first looked up at the provider,
    so that nothing is lost and nothing is sent twice.
    """
    settings = get_settings()
    with session_scope() as session:
        claimed = [
            (claim, number_opted_out(session, claim.to_number, settings))
            for claim in claim_due(session, batch)
        ]
    for claim, opted_out in claimed:
        delivery = None
        if claim.interrupted_since is not None:
            delivery = transport.find_sent(claim.to_number, claim.from_number, claim.body, claim.interrupted_since)
            if delivery is not None:
                logger.info("outbox message %s: an interrupted attempt had been delivered (%s)", claim.id, delivery.provider_sid)
        if delivery is None and opted_out:
            delivery = Delivery(ok=False, blocked=True, error="the recipient texted STOP")
        if delivery is None:
            delivery = transport.send(claim.to_number, claim.from_number, claim.body)
        with session_scope() as session:
            row = session.get(OutboxMessage, claim.id)
            record(row, delivery)
            if not delivery.ok:
                logger.warning("outbox message %s not delivered (attempt %s): %s", claim.id, row.attempts, delivery.error)
    return len(claimed)


def escalate() -> int:
    with session_scope() as session:
        return escalate_due(session)


def run_once(transport: Transport) -> int:
    """One pass: escalate what is overdue, then deliver, so an alert escalation creates goes out
    in the same pass."""
    return escalate() + deliver_due(transport)


def purge_expired() -> Purged:
    settings = get_settings()
    with session_scope() as session:
        return purge(session, settings.retention_days, settings.endpoints_path)


def run_forever(transport: Transport, interval: float = 0.25, stop: threading.Event | None = None,
                purge_every: float = PURGE_EVERY_SECONDS) -> None:
    """Poll until stopped (SIGINT/SIGTERM, or `stop` when run in a thread). A quarter-second idle
    poll is one indexed query, and keeps an alert well within a second of its handoff. The
    retention purge runs at start and then every `purge_every` seconds."""
    if stop is None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    logger.info("worker started (%s)", type(transport).__name__)
    next_purge = time.monotonic()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_purge:
                purge_expired()
                next_purge = time.monotonic() + purge_every
            handled = run_once(transport)
        except Exception:  # a database hiccup must not end the worker
            logger.exception("worker pass failed; retrying")
            handled = 0
        if not handled:
            stop.wait(interval)
    logger.info("worker stopped")
