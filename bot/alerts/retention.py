"""What of bot/alerts the retention purge (bot/retention.py) takes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.alerts.reports import purge_words
from bot.alerts.subscriptions import purge_unsubscribed


def purge_alerts(session: Session, cutoff: datetime) -> tuple[int, int]:
    """Subscriptions ended before `cutoff` go (a key, an area, a language); reports older than it
    lose their words. Active subscriptions stay: their number is needed for as long as they last."""
    return purge_unsubscribed(session, cutoff), purge_words(session, cutoff)
