"""Who gets drug-supply alerts where: one subscription per number, by HMAC key, for one area.
The number is kept only where alerts go (`to_number`), and cleared on ALERTS OFF or STOP."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import AlertSubscription, OptOut
from bot.directory.geo import Place, bounding_box, miles_between
from bot.notify.outbox import Purpose, block_waiting


@dataclass(frozen=True)
class Subscribed:
    area: str
    before: str | None  # the area it was for until now, when that was another one
    already: bool  # it was for this area already


def subscribe(session: Session, number_key: str, number: str, place: Place, language: str) -> Subscribed:
    """Sign `number` up for alerts near `place` (a number has one area: a new one replaces it)."""
    row = session.scalar(select(AlertSubscription).where(AlertSubscription.number_key == number_key))
    active = row is not None and row.to_number is not None
    before = row.area if active else None
    if row is None:
        row = AlertSubscription(number_key=number_key)
        session.add(row)
    row.to_number, row.area, row.language = number, place.label[:64], language
    row.latitude, row.longitude = place.latitude, place.longitude
    row.subscribed_at, row.unsubscribed_at = utcnow(), None
    session.flush()
    return Subscribed(row.area, before if before != row.area else None, before == row.area)


def unsubscribe(session: Session, number_key: str, said: str = "ALERTS OFF") -> bool:
    """Stop alerts to this number and forget it, the copies of alerts still waiting for it in the
    outbox with it (`said`: what the subscriber texted, kept as why); False when it had none."""
    row = session.scalar(select(AlertSubscription).where(AlertSubscription.number_key == number_key))
    if row is None or row.to_number is None:
        return False
    block_waiting(session, row.to_number, Purpose.AREA_ALERT, f"the subscriber texted {said}")
    row.to_number, row.unsubscribed_at = None, utcnow()
    return True


@dataclass(frozen=True)
class Recipient:
    subscription_id: int
    to_number: str
    language: str


def within(session: Session, latitude: float, longitude: float, radius_miles: float) -> list[Recipient]:
    """The subscribers whose area lies within `radius_miles` of the point, one per number, leaving
    out every number on the opt-out list (the worker would refuse them anyway)."""
    south, north, west, east = bounding_box(latitude, longitude, radius_miles)
    rows = session.execute(
        select(AlertSubscription.id, AlertSubscription.to_number, AlertSubscription.language,
               AlertSubscription.latitude, AlertSubscription.longitude)
        .where(AlertSubscription.to_number.is_not(None),
               AlertSubscription.latitude.between(south, north), AlertSubscription.longitude.between(west, east),
               AlertSubscription.number_key.not_in(select(OptOut.number_key)))
        .order_by(AlertSubscription.id)
    ).all()
    seen: set[str] = set()
    recipients = []
    for row in rows:
        if row.to_number in seen or miles_between(latitude, longitude, row.latitude, row.longitude) > radius_miles:
            continue
        seen.add(row.to_number)
        recipients.append(Recipient(row.id, row.to_number, row.language))
    return recipients


def purge_unsubscribed(session: Session, cutoff: datetime) -> int:
    """Forget subscriptions ended before `cutoff` (they hold a key, an area and a language)."""
    return session.execute(delete(AlertSubscription).where(
        AlertSubscription.to_number.is_(None), AlertSubscription.unsubscribed_at < cutoff)).rowcount
