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
    area and how many subscribers it went to. Each copy is an outbox row (area_alert_id)."""

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
