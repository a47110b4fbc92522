"""Sending a drug-supply alert (`hub alerts send`): to every subscriber within a radius, in their
language, one outbox row each (purpose "area_alert", after every more urgent purpose), delivered
by the worker at HUB_SEND_RATE. An alert must fit one SMS: a longer one is refused, never split,
since a split alert can arrive out of order or in part, and the send rate counts segments."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.alerts.subscriptions import Recipient, within
from bot.alerts.texts import alert_body
from bot.clock import utcnow
from bot.db.models import AreaAlert, OutboxMessage
from bot.directory.geo import Place
from bot.notify.outbox import Purpose
from bot.notify.segments import outside_gsm, sms_length

MIN_RADIUS_MILES, MAX_RADIUS_MILES = 0.1, 100.0
# The same words to the same area again within this long is taken for a slip (a command run
# twice), and refused unless the coordinator says it is meant.
REPEAT_WINDOW = timedelta(hours=6)
_INSERT_CHUNK = 1000


class AlertError(ValueError):
    """An alert that cannot be sent as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Fields:
    """What the messages call each part of an alert: the command's flags, or the console's labels."""

    near: str = "--near"
    radius: str = "--radius-miles"
    text: str = "--text"
    text_es: str = "--text-es"


COMMAND_FIELDS = Fields()


def parse_radius(text: str, fields: Fields = COMMAND_FIELDS) -> float:
    """The radius as typed, in miles, checked."""
    try:
        radius = float((text or "").strip())
    except ValueError:
        raise AlertError(f"{fields.radius} must be a number of miles between {MIN_RADIUS_MILES:g} and "
                         f"{MAX_RADIUS_MILES:g}, not {text!r}") from None
    return check_radius(radius, fields)


def check_radius(radius_miles: float, fields: Fields = COMMAND_FIELDS) -> float:
    if not MIN_RADIUS_MILES <= radius_miles <= MAX_RADIUS_MILES:  # NaN fails too
        raise AlertError(f"{fields.radius} must be between {MIN_RADIUS_MILES:g} and {MAX_RADIUS_MILES:g} miles, "
                         f"not {radius_miles:g}")
    return radius_miles


def resolve_area(session: Session, near: str, fields: Fields = COMMAND_FIELDS) -> Place:
    """The place an alert is for: a US ZIP code, or a city or neighbourhood the directory knows."""
    from bot.directory.places import resolve_place

    value = " ".join((near or "").split())
    place = resolve_place(session, value) if value else None
    if place is None:
        if value.isdigit() and len(value) == 5:
            raise AlertError(f"{fields.near} {value} is not a known US ZIP code")
        raise AlertError(f"{fields.near} {value!r} is neither a US ZIP code nor a city or neighbourhood the "
                         f"directory knows")
    return place


def check_text(text: str | None, language: str, flag: str) -> str:
    """The alert's words, stripped; refused when empty or when, as sent, they need more than one SMS."""
    words = " ".join((text or "").split())
    if not words:
        raise AlertError(f"{flag} is empty: write what is going around and what to do, "
                         f"for example \"Blue M30 pills much stronger than usual. Test first, don't use alone.\"")
    body = alert_body(words, language)
    length = sms_length(body)
    if not length.fits_one_sms:
        why = ("" if length.gsm else
               f" (it has {outside_gsm(body)!r}, which SMS sends in its 70-character alphabet; without them the "
               f"limit is 160)")
        raise AlertError(f"{flag} does not fit one SMS: with the prefix {alert_body('', language).strip()!r} the "
                         f"alert is {length.units} characters and one SMS holds {length.limit}{why}. Shorten it by "
                         f"{length.units - length.limit}; alerts are never split, so that nobody gets half of one.")
    return words


@dataclass(frozen=True)
class Draft:
    """An alert checked and not yet sent, with whom it would reach now."""

    place: Place
    radius_miles: float
    text_en: str
    text_es: str | None
    recipients: list[Recipient] = field(repr=False)

    @property
    def by_language(self) -> dict[str, int]:
        return dict(Counter(recipient.language for recipient in self.recipients))

    @property
    def spanish_in_english(self) -> int:
        """Spanish-speaking subscribers who get the English text, for want of a Spanish one."""
        return 0 if self.text_es else sum(1 for r in self.recipients if r.language == "es")

    def body_for(self, language: str) -> str:
        if language == "es" and self.text_es:
            return alert_body(self.text_es, "es")
        return alert_body(self.text_en, "en")


def draft(session: Session, place: Place, radius_miles: float, text_en: str | None, text_es: str | None,
          fields: Fields = COMMAND_FIELDS) -> Draft:
    radius = check_radius(radius_miles, fields)
    english = check_text(text_en, "en", fields.text)
    spanish = check_text(text_es, "es", fields.text_es) if text_es is not None else None
    return Draft(place, radius, english, spanish, within(session, place.latitude, place.longitude, radius))


def earlier_same(session: Session, alert: Draft) -> AreaAlert | None:
    """The same alert sent to the same area within REPEAT_WINDOW, if any."""
    return session.scalar(select(AreaAlert).where(
        AreaAlert.area == alert.place.label, AreaAlert.text_en == alert.text_en, AreaAlert.status == "sent",
        AreaAlert.created_at >= utcnow() - REPEAT_WINDOW).order_by(AreaAlert.id.desc()).limit(1))


def send(session: Session, alert: Draft, from_number: str) -> AreaAlert:
    """Record the alert and queue one copy per subscriber, in the caller's transaction."""
    now = utcnow()
    sent = AreaAlert(area=alert.place.label, latitude=alert.place.latitude, longitude=alert.place.longitude,
                     radius_miles=alert.radius_miles, text_en=alert.text_en, text_es=alert.text_es,
                     recipients=len(alert.recipients), created_at=now)
    session.add(sent)
    session.flush()
    queue_copies(session, sent, alert, from_number, now)
    return sent


def queue_copies(session: Session, sent: AreaAlert, alert: Draft, from_number: str, now: datetime) -> None:
    """One outbox row per recipient of `alert`, in their language, for the alert record `sent`."""
    bodies = {language: alert.body_for(language) for language in {r.language for r in alert.recipients}}
    rows = [
        {"to_number": r.to_number, "from_number": from_number, "body": bodies[r.language], "purpose": Purpose.AREA_ALERT,
         "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, "area_alert_id": sent.id}
        for r in alert.recipients
    ]
    for start in range(0, len(rows), _INSERT_CHUNK):
        session.execute(insert(OutboxMessage), rows[start:start + _INSERT_CHUNK])


# How the outbox's states read in `hub alerts list`.
_SHOWN_AS = {"pending": "waiting", "sending": "waiting", "held": "waiting", "sent": "sent", "stored": "sent", "blocked": "blocked",
             "failed": "failed"}


def sent_alerts(session: Session, limit: int = 50, since: datetime | None = None) -> list[dict]:
    """The latest alerts, newest first, with what became of their copies: the outbox's state
    (waiting, sent, blocked by STOP, failed) and Twilio's delivery receipts. Copies already
    purged by retention are no longer counted."""
    query = select(AreaAlert).where(AreaAlert.status == "sent").order_by(AreaAlert.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AreaAlert.created_at >= since)
    alerts = list(session.scalars(query))
    ids = [alert.id for alert in alerts]
    states: dict[int, Counter] = {i: Counter() for i in ids}
    receipts: dict[int, Counter] = {i: Counter() for i in ids}
    if ids:
        for alert_id, status, receipt, count in session.execute(
            select(OutboxMessage.area_alert_id, OutboxMessage.status, OutboxMessage.delivery_status, func.count())
            .where(OutboxMessage.area_alert_id.in_(ids))
            .group_by(OutboxMessage.area_alert_id, OutboxMessage.status, OutboxMessage.delivery_status)
        ):
            states[alert_id][_SHOWN_AS.get(status, status)] += count
            if receipt:
                receipts[alert_id][receipt] += count
    return [
        {"id": alert.id, "sent_at": alert.created_at.isoformat(timespec="seconds") + "Z", "area": alert.area,
         "radius_miles": alert.radius_miles, "recipients": alert.recipients, "text": alert.text_en,
         "text_es": alert.text_es,
         "outbox": {state: states[alert.id][state] for state in ("waiting", "sent", "blocked", "failed")},
         "receipts": dict(receipts[alert.id])}
        for alert in alerts
    ]
