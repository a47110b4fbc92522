"""The outbox's tables (bot/notify): proactive messages waiting for, or done with, delivery, the
numbers that texted STOP, and each hotline number's next free send time."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Text

from bot.db.models.base import Base


class OutboxMessage(Base):
    """A proactive message (alert, relay, notice) waiting for, or done with, delivery.

    One of the few tables that must hold a real number: the message has to reach it.
    """

    __tablename__ = "outbox_message"
    id = Column(Integer, primary_key=True, autoincrement=True)
    to_number = Column(String(20), nullable=False, index=True)
    from_number = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    purpose = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime)
    provider_sid = Column(String(64))
    last_error = Column(Text)
    # When the first attempt whose outcome is unknown began (a worker killed mid-send, a timeout);
    # NULL once the outcome is recorded. While set, the provider is asked before any resend.
    claimed_at = Column(DateTime)
    # The claim of the worker holding the row ('sending'): a worker sends only while the row
    # still carries its token, so a row taken over after its lease lapsed is never sent twice.
    claim_token = Column(String(32))
    # The handoff an alert is about, so that an alert that never reached its specialist's phone
    # can be re-offered to the next one at once (bot/handoff/delivery.py).
    handoff_id = Column(Integer, index=True)
    # Twilio's delivery receipt (status callback): delivered, undelivered or failed, with its
    # error code (30003 unreachable, 30005 unknown number, 30007 carrier filtering...).
    delivery_status = Column(String(16))
    delivery_error_code = Column(String(8))
    delivery_updated_at = Column(DateTime)
    # The drug-supply alert this message carries to one subscriber (bot/alerts), for its counts.
    area_alert_id = Column(Integer, index=True)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"), Index("ix_outbox_delivery", "delivery_status", "created_at"))


class OptOut(Base):
    """Numbers that texted STOP (until START), by HMAC key: the worker sends them nothing."""

    __tablename__ = "opt_out"
    number_key = Column(String(64), primary_key=True)
    opted_out_at = Column(DateTime, nullable=False)
    # bot.privacy.key_id of the secret key number_key was made with; NULL for rows written before
    # key ids were recorded, which `hub keys rotate` fills with the id of the key it retires.
    key_id = Column(String(12), index=True)


class SendSlot(Base):
    """The next time one of the hotline's numbers may send (HUB_SEND_RATE), shared by every worker
    on this database: a worker moves it one interval on, atomically, before each send
    (bot/notify/send_slots.py). Used where no Redis lock store is configured."""

    __tablename__ = "send_slot"
    from_number = Column(String(20), primary_key=True)
    # Seconds since the epoch: the database server's clock on PostgreSQL, so that workers on
    # machines whose clocks differ agree; the machine's own on SQLite (one machine).
    next_at = Column(Float, nullable=False)
