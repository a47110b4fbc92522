"""The drug-supply alerts' tables (bot/alerts): the subscriptions, the alerts the coordinator sent,
and texters' anonymous reports of bad batches."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Text

from bot.db.models.base import Base


class AlertSubscription(Base):
    """A number that texted ALERTS for drug-supply alerts near a place (bot/alerts). The number is
    held only in `to_number`, where alerts go, and cleared when the subscriber texts ALERTS OFF
    or STOP; the row itself goes at the retention purge after that."""

    __tablename__ = "alert_subscription"
    id = Column(Integer, primary_key=True, autoincrement=True)
    number_key = Column(String(64), nullable=False, unique=True)
    to_number = Column(String(20))
    area = Column(String(64), nullable=False)  # as replies name it: a ZIP, "Belltown", "Tacoma, WA"
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    language = Column(String(8), nullable=False, default="en")
    subscribed_at = Column(DateTime, nullable=False)
    unsubscribed_at = Column(DateTime, index=True)

    __table_args__ = (Index("ix_alert_subscription_where", "latitude", "longitude"),)


class AreaAlert(Base):
    """A drug-supply alert the coordinator sent (`hub alerts send`): the coordinator's words, the
    area and how many subscribers it went to. Each copy is an outbox row (area_alert_id). A spike
    drafts one (`status` draft, A-n to the coordinator, bot/alerts/drafts.py) that goes only when
    a person says SEND A-n; `created_at` is when it was drafted, then when it was sent."""

    __tablename__ = "area_alert"
    id = Column(Integer, primary_key=True, autoincrement=True)
    area = Column(String(64), nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    radius_miles = Column(Float, nullable=False)
    text_en = Column(Text, nullable=False)
    text_es = Column(Text)
    recipients = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)
    status = Column(String(8), nullable=False, default="sent", server_default="sent")  # draft, sent
    spike_id = Column(Integer)
    sent_by = Column(Text)  # who said SEND A-n, for a drafted alert


class BatchReport(Base):
    """A texter's anonymous report of a bad batch (REPORT ...): the words, with any phone number
    in them removed, and the area they name. No number and no key of the sender; the words go at
    the retention purge."""

    __tablename__ = "batch_report"
    id = Column(Integer, primary_key=True, autoincrement=True)
    words = Column(Text)
    area = Column(String(64))
    language = Column(String(8), nullable=False, default="en")
    received_at = Column(DateTime, nullable=False, index=True)


class SignalCount(Base):
    """How many texters named an overdose in progress, or reported a bad batch, in an hour and an
    area (bot/alerts/signals.py): a count, with no number, no key, no words and no time finer than
    the hour. What spike detection reads; kept HUB_SIGNAL_RETENTION_DAYS (docs/privacy.md)."""

    __tablename__ = "signal_count"
    hour = Column(DateTime, primary_key=True)
    area = Column(String(16), primary_key=True)  # a ZIP code; "" for a signal with no place
    kind = Column(String(16), primary_key=True)  # SignalKind
    count = Column(Integer, nullable=False)


class SignalSeen(Base):
    """That one texter already counted for a kind this hour: a keyed hash of the texter's key, the
    kind and the hour, which nothing can turn back into the texter, deleted once the hour is over."""

    __tablename__ = "signal_seen"
    token = Column(String(64), primary_key=True)
    hour = Column(DateTime, nullable=False, index=True)


class Spike(Base):
    """A possible overdose spike found in the signals (bot/alerts/spikes.py): an area and its
    neighbours, the last 24 h's count against the usual, and what a person did with it."""

    __tablename__ = "spike"
    id = Column(Integer, primary_key=True, autoincrement=True)
    area = Column(String(16), nullable=False, index=True)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    detected_at = Column(DateTime, nullable=False, index=True)
    count = Column(Integer, nullable=False)
    baseline = Column(Float, nullable=False)
    kinds = Column(Text, nullable=False)  # "overdose=6,bad_batch=2"
    status = Column(String(16), nullable=False, default="open")  # open, dismissed, sent
    reason = Column(Text)
