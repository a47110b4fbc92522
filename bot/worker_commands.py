"""`hub worker` (outbox delivery, handoff deadlines and the hourly purge: bot/worker.py), `hub purge`
(the retention purge, now) and `hub status` (what needs a person, the worker's heartbeat among it:
bot/status.py). bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import argparse
import json
import os

from bot.cli_support import fail
from bot.config import get_settings


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 1 when something needs a person, so a monitor or a cron job can page someone."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import session_scope
    from bot.status import Status, operator_status, render

    try:
        with session_scope() as session:
            status = operator_status(session, get_settings())
    except SQLAlchemyError as exc:  # down, or not migrated: that needs a person too (no parameters shown)
        need = f"the database cannot be read ({type(getattr(exc, 'orig', None) or exc).__name__}): is it up, and migrated (`hub db upgrade`)?"
        status = Status({"ok": False, "needs_a_person": [need]}, [need])
    print(json.dumps(status.report, indent=2) if args.json else render(status))
    return 1 if status.needs_a_person else 0


def cmd_worker(args: argparse.Namespace) -> int:
    if args.health:
        return _worker_health()
    from bot.notify.transports import transport_for
    from bot.worker import once_jobs, run_forever

    settings = get_settings()
    transport = transport_for(settings)
    if settings.metrics_token and settings.worker_metrics_port and not args.once:
        from bot.metrics import serve_worker_metrics

        serve_worker_metrics(settings, os.environ.get("HUB_BIND_HOST") or "127.0.0.1")
    if args.once:
        jobs = once_jobs()
        try:
            handled = jobs.run_due(transport)
        finally:
            jobs.release_turns()  # the next `--once`, or a running worker, takes them at once
        print(f"handled {handled} handoff deadline(s) and message(s)")
        return fail(f"the worker's {', '.join(jobs.failing())} job(s) failed: see the log") if jobs.failing() else 0
    run_forever(transport, args.interval)
    return 0


def _worker_health() -> int:
    """A container's health check: 0 when a worker on this host (its hostname: the container)
    recorded a heartbeat within `hub status`'s limit, else 1 and why."""
    import socket

    from sqlalchemy import func, select

    from bot.clock import utcnow
    from bot.db import session_scope
    from bot.db.models import WorkerHeartbeat
    from bot.status import HEARTBEAT_LIMIT

    host = socket.gethostname()
    try:
        with session_scope() as session:
            seen = session.scalar(select(func.max(WorkerHeartbeat.seen_at)).where(WorkerHeartbeat.worker.startswith(f"{host}:", autoescape=True)))
    except Exception as exc:  # the database is down: the worker cannot work either
        return fail(f"the database cannot be read ({type(exc).__name__})")
    if seen is None or utcnow() - seen > HEARTBEAT_LIMIT:
        return fail(f"no heartbeat from a worker on {host} within {int(HEARTBEAT_LIMIT.total_seconds() // 60)} min")
    print(f"worker on {host}: last heartbeat {int((utcnow() - seen).total_seconds())} s ago")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from bot.worker import purge_expired

    purged = purge_expired()
    if args.json:
        print(json.dumps({"retention_days": get_settings().retention_days, "purged": purged.as_dict()}))
    else:
        print(f"purged what is older than {get_settings().retention_days} days: {purged.outbox_messages} outbox message(s), "
              f"{purged.handoffs} handoff(s) cleared of number and words, {purged.contact_numbers} contact number(s), "
              f"{purged.inbound_messages} message id(s), "
              + (f"{purged.tracker_events} tracker store event(s)" if purged.tracker_events is not None else "no SQL tracker store"))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub status`, `hub worker` and `hub purge` to `hub`'s subparsers."""
    status = commands.add_parser("status", help="what needs a person: outbox backlog, failures, late handoffs, "
                                                 "opted-out coordinators, the worker's heartbeat (exit 1 if anything)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    worker = commands.add_parser("worker", help="deliver the outbox (runs until stopped)")
    worker.add_argument("--once", action="store_true", help="one pass (escalations, then deliveries), then exit")
    worker.add_argument("--health", action="store_true", help="exit 0 when a worker on this host beat within 2 min "
                                                              "(a container's health check), else 1")
    worker.add_argument("--interval", type=float, default=0.25, help="seconds between polls when idle (default: %(default)s)")
    worker.set_defaults(func=cmd_worker)

    purge = commands.add_parser("purge", help="purge message bodies and phone numbers older than HUB_RETENTION_DAYS now")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(func=cmd_purge)
