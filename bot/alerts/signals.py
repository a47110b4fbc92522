"""The line's own signals of a bad batch (issue 35): a texter or caller naming an overdose in
progress, a bad-batch REPORT, counted by hour, area (a ZIP) and kind, for spike detection
(bot/alerts/spikes.py).

A count holds no number, no key, no words and no time finer than the hour. One texter counts
once per kind per hour (sending "he's not breathing" five times is one signal): that is checked
with a token, a keyed hash of the texter's key, the kind and the hour, which is deleted once the
hour is over and cannot be turned back into the texter. Counts are kept
HUB_SIGNAL_RETENTION_DAYS (docs/privacy.md names this exception to HUB_RETENTION_DAYS).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import get_settings
from bot.db.models import Address, Handoff, ListingShown, SignalCount, SignalSeen
from bot.directory.geo import lookup_zip
from bot.directory.places import find_place

UNPLACED = ""


class SignalKind(str, Enum):
    OVERDOSE = "overdose"  # an overdose in progress named by a texter or a caller
    BAD_BATCH = "bad_batch"  # a REPORT of a bad batch


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def area_named(session: Session, text: str) -> str | None:
    """The ZIP of the place a text names (a ZIP, a neighbourhood, a city the directory knows)."""
    place = find_place(session, text or "").place
    return place.zip_code if place else None


def area_of(session: Session, number_key: str | None, text: str, now: datetime | None = None) -> str | None:
    """Where a signal is: the place its words name; else, from the last day, the area of the
    texter's request for a person, or of the places last listed to them (the conversation)."""
    named = area_named(session, text)
    if named or not number_key:
        return named
    since = (now or utcnow()) - timedelta(hours=24)
    asked = session.scalar(select(Handoff.area).where(Handoff.person_key == number_key, Handoff.created_at >= since,
                                                      Handoff.area.is_not(None)).order_by(Handoff.created_at.desc()).limit(1))
    if asked and (zip_code := area_named(session, asked)):
        return zip_code
    shown = session.get(ListingShown, number_key)
    if shown is None or shown.shown_at < since:
        return None
    try:
        first = json.loads(shown.places)[0]
    except (ValueError, IndexError, TypeError):
        return None
    postal = session.scalar(select(Address.postal_code).where(Address.location_id == first[2]).limit(1))
    return postal if postal and lookup_zip(postal) else None


def _token(number_key: str, kind: SignalKind, hour: datetime) -> str:
    secret = get_settings().require_secret_key().encode()
    return hmac.new(secret, f"signal|{number_key}|{kind.value}|{hour.isoformat()}".encode(), hashlib.sha256).hexdigest()


def record_signal(session: Session, number_key: str | None, kind: SignalKind, area: str | None,
                  now: datetime | None = None) -> bool:
    """Count one signal of `kind` in `area` (None: unplaced) this hour, unless this texter was
    counted for it already this hour; whether it counted."""
    hour = hour_of(now or utcnow())
    session.execute(delete(SignalSeen).where(SignalSeen.hour < hour))  # last hour's tokens: gone
    if number_key:
        try:
            with session.begin_nested():
                session.add(SignalSeen(token=_token(number_key, kind, hour), hour=hour))
        except IntegrityError:
            return False
    where = (SignalCount.hour == hour, SignalCount.area == (area or UNPLACED), SignalCount.kind == kind.value)
    if session.execute(update(SignalCount).where(*where).values(count=SignalCount.count + 1)).rowcount:
        return True
    try:
        with session.begin_nested():
            session.add(SignalCount(hour=hour, area=area or UNPLACED, kind=kind.value, count=1))
    except IntegrityError:  # another process made the row in between
        session.execute(update(SignalCount).where(*where).values(count=SignalCount.count + 1))
    return True


def purge_signals(session: Session, now: datetime | None = None) -> int:
    """Counts older than HUB_SIGNAL_RETENTION_DAYS, and any token of an hour gone by."""
    now = now or utcnow()
    cutoff = now - timedelta(days=get_settings().signal_retention_days)
    session.execute(delete(SignalSeen).where(SignalSeen.hour < hour_of(now)))
    return session.execute(delete(SignalCount).where(SignalCount.hour < cutoff)).rowcount
