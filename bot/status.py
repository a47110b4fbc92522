"""`hub status`: what an operator needs to know, and whether something needs a person now.

Read from the database alone (the worker records its heartbeat and alarms there), so it answers
the same from any machine: the outbox backlog and the age of its oldest message; messages that
failed or were undelivered lately; handoffs nobody accepted within the SLA; no coordinator on
call (texted STOP or OFF, or none set); the workers' last heartbeat; standing operator alarms. No number, no message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings, bare_durations, duration_words
from bot.db.models import DeadlineMiss, DirectoryRefresh, Handoff, OutboxMessage, Specialist, WorkerHeartbeat
from bot.directory.refresh import RefreshOutcome, failing_in_a_row, last_refreshes
from bot.handoff.roster import coordinator, unreachable_coordinators
from bot.handoff.states import AWAITING
from bot.notify.alarms import standing_alarms
from bot.notify.optout import is_opted_out, opt_outs_under_previous_keys
from bot.notify.outbox import HELD, UNSETTLED, Purpose
from bot.privacy import sender_key

# A message may wait a little (a retry after a Twilio hiccup); one waiting longer than this means
# delivery has stopped.
BACKLOG_AGE_LIMIT = timedelta(minutes=5)
# Failed and undelivered messages count for this long after they were queued.
RECENT = timedelta(hours=24)
# The worker beats every 15 s after a delivery pass that worked, between sends too: this long
# without one, it is stopped or stuck, or cannot deliver.
HEARTBEAT_LIMIT = timedelta(minutes=2)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _age(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


@dataclass(frozen=True)
class Status:
    report: dict
    needs_a_person: list[str]


def operator_status(session: Session, settings: Settings, now: datetime | None = None) -> Status:
    now = now or utcnow()
    needs: list[str] = []

    # A drug-supply alert to thousands of subscribers waits by design (HUB_SEND_RATE, every other
    # message first): only the age of the others tells that delivery has stopped.
    backlog, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(UNSETTLED), OutboxMessage.purpose != Purpose.AREA_ALERT)
    ).one()
    area_alerts = session.scalar(select(func.count()).where(OutboxMessage.status.in_(UNSETTLED),
                                                            OutboxMessage.purpose == Purpose.AREA_ALERT))
    recent = OutboxMessage.created_at >= now - RECENT
    failed = session.scalar(select(func.count()).where(recent, or_(OutboxMessage.status == "failed",
                                                                   OutboxMessage.delivery_status == "failed")))
    undelivered = session.scalar(select(func.count()).where(recent, OutboxMessage.delivery_status == "undelivered"))
    oldest_age = _age(now, oldest)
    if oldest_age is not None and oldest_age > BACKLOG_AGE_LIMIT.total_seconds():
        needs.append(f"{backlog} message(s) waiting in the outbox, the oldest for {oldest_age // 60} min: delivery has stopped")
    if failed or undelivered:
        needs.append(f"in the last {RECENT.total_seconds() / 3600:g} h, {failed} message(s) failed and {undelivered} "
                     f"were undelivered: see `hub outbox`")

    sla = timedelta(seconds=settings.escalate_after_seconds)
    late = list(session.scalars(
        select(Handoff.ref).where(Handoff.state.in_(AWAITING), Handoff.created_at < now - sla).order_by(Handoff.created_at)
    ))
    if late:
        needs.append(f"{len(late)} handoff(s) not accepted within the {duration_words(sla.total_seconds())} SLA: "
                     f"{', '.join(late[:10])}")

    keys = [settings.require_secret_key(), *settings.previous_secret_keys]  # a STOP kept under a retired key still holds
    roster = list(session.scalars(select(Specialist).where(Specialist.active == 1)))
    opted_out = [s for s in roster if any(is_opted_out(session, sender_key(s.phone, key, settings.default_region)) for key in keys)]
    coordinators_out = [s.name for s in opted_out if s.is_coordinator]
    for name in coordinators_out:
        needs.append(f"the coordinator {name} texted STOP: alerts nobody accepted reach no one until they text START "
                     f"or another coordinator is set")
    coordinator_report, coordinator_needs = _coordinator_on_call(session, settings, coordinators_out)
    needs += coordinator_needs

    heartbeats = list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc())))
    last_beat = heartbeats[0].seen_at if heartbeats else None
    beat_age = _age(now, last_beat)
    alive = [h for h in heartbeats if now - h.seen_at <= HEARTBEAT_LIMIT]
    if last_beat is None:
        needs.append("no worker has ever run: nothing is delivered (start `hub worker`)")
    elif not alive:
        needs.append(f"no worker heartbeat for {beat_age // 60} min: the worker is stopped or stuck, or its delivery passes fail")  # type: ignore[operator]  # beat_age is set on this branch (a heartbeat was read)

    # Holding replies, counted per hour by every Rasa server (bot/metrics.py): the hour under way
    # and the 24 before it.
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    misses_hour, misses_day = (session.scalar(select(func.coalesce(func.sum(DeadlineMiss.misses), 0))
                                              .where(DeadlineMiss.hour >= since)) for since in (this_hour, now - RECENT))

    held = held_after_restore(session, needs)

    feed = _directory_feed(session, settings, now, needs)

    alarms = standing_alarms(session)
    for alarm in alarms:
        needs.append(f"{alarm.detail} (since {_iso(alarm.raised_at)})")

    report = {
        "ok": not needs,
        "checked_at": _iso(now),
        "outbox": {"backlog": backlog, "oldest_waiting_seconds": oldest_age, "failed_last_24h": failed,
                   "undelivered_last_24h": undelivered, "area_alerts_waiting": area_alerts},
        "handoffs_past_sla": {"sla_minutes": sla.total_seconds() / 60, "count": len(late), "refs": late},
        "coordinator": coordinator_report,
        "opted_out": {"coordinators": coordinators_out, "specialists": [s.name for s in opted_out if not s.is_coordinator],
                      "under_previous_keys": opt_outs_under_previous_keys(session, settings)},
        "worker": {"last_heartbeat": _iso(last_beat), "seconds_ago": beat_age, "alive": len(alive)},
        "answer_deadline_misses": {"this_hour": misses_hour, "last_24h": misses_day},
        "alarms": [{"name": a.name, "detail": a.detail, "raised_at": _iso(a.raised_at), "last_seen_at": _iso(a.last_seen_at)}
                   for a in alarms],
        "durations_without_unit": [str(bare) for bare in bare_durations()],
        "needs_a_person": needs,
    }
    report["directory_feed"] = feed
    report["outbox_held"] = held  # type: ignore[assignment]  # the report is a dict of mixed values, typed from its first keys
    return Status(report, needs)


def _directory_feed(session: Session, settings: Settings, now: datetime, needs: list[str]) -> dict | None:
    """HUB_DIRECTORY_FEED's last refresh, two failures in a row of it, and any feed's last refresh
    held back (by the worker or by hand) need a person."""
    for url in session.scalars(select(DirectoryRefresh.feed).distinct().order_by(DirectoryRefresh.feed)):
        found = last_refreshes(session, url, 1)
        if found and found[0].outcome == RefreshOutcome.HELD_BACK.value:
            needs.append(f"{found[0].detail} (held back at {_iso(found[0].started_at)})")
    url = settings.directory_feed
    if not url:
        return None
    found = last_refreshes(session, url, 1)
    last = found[0] if found else None
    failures = failing_in_a_row(session, url, now)
    if failures >= 2 and last is not None:
        needs.append(f"the directory feed {url} failed its last {failures} refreshes ({last.detail or 'cut off'}): "
                     f"the directory is as it was before them")
    return {"url": url, "last_refresh": _iso(last.started_at) if last else None,
            "outcome": last.outcome if last else None, "failed_in_a_row": failures}


def held_after_restore(session: Session, needs: list[str]) -> int:
    """Messages a restore held (bot/notify/outbox.py HELD): each waits for a person to look at it
    and release it, so that a restored alert cannot die quietly."""
    held = session.scalar(select(func.count()).where(OutboxMessage.status == HELD))
    if held:
        needs.append(f"{held} message(s) held since a restore (they were waiting in the backup, and the old line may "
                     f"have sent them since): look at them with `hub outbox --held`, send them with "
                     f"`hub outbox release ID|--all`")
    return held


def _coordinator_on_call(session: Session, settings: Settings, named: list[str]) -> tuple[dict, list[str]]:
    """Who takes what no specialist accepted, and, when nobody can (OFF, STOP, or none set), what
    needs a person: requests are then asked of the specialists on shift again and again, until
    HUB_EXPIRE_AFTER. `named`: coordinators whose STOP is reported already."""
    on_call = coordinator(session)
    away = unreachable_coordinators(session)
    report = {"on_call": on_call.name if on_call else None, "off_call": [c.name for c in away]}
    if on_call is not None:
        return report, []
    expires = duration_words(settings.expire_after_seconds)
    if not away:
        return report, [f"no coordinator is set: requests no specialist accepts expire after HUB_EXPIRE_AFTER ({expires}) "
                        f"with nobody else asked (`hub roster set-coordinator`)"]
    word = {"off": "OFF", "stop": "STOP"}
    return report, [f"the coordinator {c.name} texted {word.get(c.off_call, c.off_call)}: requests no specialist accepts "
                    f"expire after HUB_EXPIRE_AFTER ({expires}) with nobody else asked, until they text "
                    f"{'ON' if c.off_call == 'off' else 'START'}" for c in away if c.name not in named]


def render(status: Status) -> str:
    """The report in plain lines, what needs a person first."""
    report = status.report
    if "outbox" not in report:  # the database could not be read
        return "\n".join([f"NEEDS A PERSON: {len(status.needs_a_person)} thing(s)"] + [f"  ! {n}" for n in status.needs_a_person])
    outbox, late, worker = report["outbox"], report["handoffs_past_sla"], report["worker"]
    lines = [f"NEEDS A PERSON: {len(status.needs_a_person)} thing(s)" if status.needs_a_person else "All well: nothing needs a person."]
    lines += [f"  ! {need}" for need in status.needs_a_person]
    oldest = outbox["oldest_waiting_seconds"]
    lines.append(f"outbox: {outbox['backlog']} waiting" + (f", the oldest for {oldest} s" if oldest is not None else "")
                 + f"; last 24 h: {outbox['failed_last_24h']} failed, {outbox['undelivered_last_24h']} undelivered"
                 + (f"; {outbox['area_alerts_waiting']} area alert copies going out at HUB_SEND_RATE"
                    if outbox["area_alerts_waiting"] else ""))
    lines.append(f"handoffs past the {duration_words(late['sla_minutes'] * 60)} SLA: {late['count']}")
    opted = report["opted_out"]
    lines.append(f"opted out (texted STOP): {len(opted['coordinators'])} coordinator(s), {len(opted['specialists'])} specialist(s)")
    lines.append("worker: never ran" if worker["last_heartbeat"] is None else
                 f"worker: last heartbeat {worker['seconds_ago']} s ago ({worker['alive']} running)")
    misses = report.get("answer_deadline_misses", {})
    lines.append(f"answer-deadline misses (holding replies): {misses.get('this_hour', 0)} this hour, "
                 f"{misses.get('last_24h', 0)} in the last 24 h")
    lines.append(f"alarms: {', '.join(a['name'] for a in report['alarms']) or 'none'}")
    feed = report.get("directory_feed")
    if feed:
        lines.append("directory feed: " + (f"last refresh {feed['last_refresh']} ({feed['outcome']})" if feed["last_refresh"]
                                            else "never refreshed yet"))
    if report.get("outbox_held"):
        lines.append(f"held since a restore: {report['outbox_held']} message(s)")
    lines += [f"setting: {bare}" for bare in report.get("durations_without_unit", [])]
    return "\n".join(lines)
