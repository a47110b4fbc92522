"""What the channels keep of the messages they receive (bot/channels, bot/phonebook.py): which
Twilio messages were already seen, and the numbers written inside messages."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, String

from bot.db.models.base import Base


class InboundMessage(Base):
    """One row per Twilio MessageSid, so that a second delivery of the same message is ignored.

    Holds no number and no text: the sender is the HMAC key.
    """

    __tablename__ = "inbound_message"
    message_sid = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_key = Column(String(64), nullable=False, index=True)
    received_at = Column(DateTime, nullable=False, index=True)


class ContactNumber(Base):
    """Phone numbers written inside messages (an officer's referral), by HMAC key: Rasa holds
    only the stand-in `tel:<key>` (bot/phonebook.py), and a handoff finds the number here. One of
    the tables that must hold a real number: the person has to be reached at it."""

    __tablename__ = "contact_number"
    key = Column(String(64), primary_key=True)
    number = Column(String(20), nullable=False)
    seen_at = Column(DateTime, nullable=False, index=True)
