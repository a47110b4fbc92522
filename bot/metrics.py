"""Metrics in the Prometheus text format, each process its own, served only to a scraper that
sends `Authorization: Bearer HUB_METRICS_TOKEN` (no token set: no metrics served).

- A Rasa server: how long turns take, and answer-deadline misses (turns answered with a holding
  reply). The misses are also counted per hour in the database (`deadline_miss`), so that the
  console's Health page sees those of every Rasa server.
- The worker: the outbox backlog, and delivery outcomes.
- The console: handoffs by state.

Counts and durations only: never a number, a key or a word.
"""
from __future__ import annotations

import hmac
import logging
import os
import socket
import threading
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.config import Settings

logger = logging.getLogger(__name__)

SERVER_ID = f"{socket.gethostname()}:{os.getpid()}"[:128]


def authorised(settings: Settings, authorization: str | None) -> bool:
    if not settings.metrics_token or not authorization:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {settings.metrics_token}".encode())


async def metrics_response(settings: Settings, authorization: str | None,
                           collect: Callable[[], Awaitable[bytes]]) -> tuple[int, bytes, str]:
    """(status, body, content type) of a scrape: 404 while no token is set, 401 without the right one."""
    if not settings.metrics_token:
        return 404, b"metrics are off (HUB_METRICS_TOKEN is not set)\n", "text/plain"
    if not authorised(settings, authorization):
        return 401, b"a bearer token is required\n", "text/plain"
    return 200, await collect(), CONTENT_TYPE_LATEST


# --- the console -------------------------------------------------------------------------------

def console_metrics(session) -> bytes:
    from bot.handoff.reports import counts_by_state

    registry = CollectorRegistry()
    by_state = Gauge("hub_handoffs", "Handoffs by state, now", ["state"], registry=registry)
    for state, count in counts_by_state(session).items():
        by_state.labels(state).set(count)
    return generate_latest(registry)


# --- a Rasa server -------------------------------------------------------------------------------

rasa_registry = CollectorRegistry()
turn_seconds = Histogram("hub_turn_seconds", "Seconds from a webhook's arrival to its answer (or holding reply)",
                         ["channel"], registry=rasa_registry,
                         buckets=(0.1, 0.25, 0.5, 1, 2, 4, 6, 8, 10, 14, 30))
deadline_misses = Counter("hub_answer_deadline_misses", "Turns answered with a holding reply (past the answer "
                          "deadline, or queued past the bound)", ["channel"], registry=rasa_registry)


class MissRecorder:
    """Adds a Rasa server's deadline misses to `deadline_miss` (hour, server), a few seconds after
    the first of a burst, in one write: a surge of misses is not a surge of writes."""

    DELAY = 5.0

    def __init__(self):
        self._pending = 0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def miss(self) -> None:
        from bot.config import get_settings

        with self._lock:
            self._pending += 1
            if self._timer is None:
                # the database of the time of the miss, not of the time of the write
                self._timer = threading.Timer(self.DELAY, self.flush, args=(get_settings().database_url,))
                self._timer.daemon = True
                self._timer.start()

    def flush(self, database_url: str | None = None) -> None:
        with self._lock:
            count, self._pending, self._timer = self._pending, 0, None
        if count:
            try:
                record_misses(count, database_url=database_url)
            except Exception as exc:  # a busy database must not stop the webhooks: the counter still has them
                logger.warning("%s answer-deadline miss(es) not recorded in the database (%s)", count, type(exc).__name__)


def record_misses(count: int, server: str = SERVER_ID, now=None, database_url: str | None = None) -> None:
    from bot.clock import utcnow
    from bot.db import engine_for, session_scope
    from bot.db.models import DeadlineMiss

    hour = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    with session_scope(engine_for(database_url) if database_url else None) as session:
        row = session.get(DeadlineMiss, (hour, server))
        if row is None:
            session.add(DeadlineMiss(hour=hour, server=server, misses=count))
        else:
            row.misses += count


miss_recorder = MissRecorder()


def turn_answered(channel: str, seconds: float, holding: bool) -> None:
    turn_seconds.labels(channel).observe(seconds)
    if holding:
        deadline_misses.labels(channel).inc()
        miss_recorder.miss()


# --- the worker --------------------------------------------------------------------------------

worker_registry = CollectorRegistry()
outbox_backlog = Gauge("hub_outbox_backlog", "Outbox messages not yet settled", registry=worker_registry)
outbox_oldest = Gauge("hub_outbox_oldest_waiting_seconds", "Age of the oldest unsettled outbox message",
                      registry=worker_registry)
deliveries = Counter("hub_outbox_deliveries", "Delivery attempts by outcome", ["outcome"], registry=worker_registry)


def worker_figures() -> bytes:
    from sqlalchemy import func, select

    from bot.clock import utcnow
    from bot.db import session_scope
    from bot.db.models import OutboxMessage
    from bot.notify.outbox import UNSETTLED

    with session_scope() as session:
        backlog, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(UNSETTLED))).one()
    outbox_backlog.set(backlog)
    outbox_oldest.set(0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds()))
    return generate_latest(worker_registry)


def serve_worker_metrics(settings: Settings, host: str) -> None:
    """The worker's /metrics on HUB_WORKER_METRICS_PORT, in a thread beside its loop."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    def app(request, start_response):  # request: the WSGI environ (not the process environment)
        if request.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if not authorised(settings, request.get("HTTP_AUTHORIZATION")):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"a bearer token is required\n"]
        try:
            body = worker_figures()
        except Exception:
            logger.exception("worker metrics not read")
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the database cannot be read\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # every scrape would be a log line
            pass

    server = make_server(host, settings.worker_metrics_port, app, handler_class=Quiet)  # type: ignore[arg-type]  # called only when worker_metrics_port is set
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("worker metrics on http://%s:%s/metrics", host, settings.worker_metrics_port)
