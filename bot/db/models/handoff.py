"""The handoff's tables (bot/handoff): the roster of specialists, the handoffs, their log and
follow-up check-ins, and the registered officers, their verified calls and their referrals."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db.models.base import Base


class Specialist(Base):
    """A harm reduction specialist (or the coordinator) on the roster. One of the tables that must
    hold a real number: alerts go to it."""

    __tablename__ = "specialist"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(Text, nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    languages = Column(Text, nullable=False, default="en")  # "en,es"
    zips = Column(Text, nullable=False, default="")  # "98104,98122"; empty: covers everywhere
    hours = Column(Text)  # "MO-FR 08:00-20:00; SA 10:00-14:00"; empty: always on call
    is_coordinator = Column(Integer, nullable=False, default=0)
    active = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False)
    # Off call by text, whatever the hours say: "off" (they texted OFF, until ON) or "stop" (they
    # texted STOP, until START; nothing can reach them). NULL: the hours decide.
    off_call = Column(String(8))
    off_call_since = Column(DateTime)


class Handoff(Base):
    """A warm handoff of one person to a specialist, with the consent it rests on."""

    __tablename__ = "handoff"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ref = Column(String(12), nullable=False, unique=True)
    source = Column(String(16), nullable=False)  # community | officer
    state = Column(String(16), nullable=False, index=True)
    person_key = Column(String(64), nullable=False, index=True)
    # Where relay and notices go; NULL until the channel that received the request attaches it.
    person_number = Column(String(20))
    # Where and when to find the person when an officer gave no number ("library steps, 3pm").
    contact_note = Column(Text)
    needs = Column(Text, nullable=False, default="")
    area = Column(String(64))
    language = Column(String(8), nullable=False, default="en")
    urgent = Column(Integer, nullable=False, default=0, server_default="0")
    consent_by = Column(String(16), nullable=False)  # person | officer
    consent_text = Column(Text, nullable=False)
    consent_at = Column(DateTime, nullable=False)
    specialist_id = Column(Integer, ForeignKey("specialist.id"), index=True)
    escalation_level = Column(Integer, nullable=False, default=0)
    deadline_at = Column(DateTime, index=True)
    created_at = Column(DateTime, nullable=False)
    alerted_at = Column(DateTime)
    accepted_at = Column(DateTime)
    closed_at = Column(DateTime)
    outcome = Column(String(16))
    # The referral behind an officer's handoff (None for a person's own request): who referred.
    referral = relationship("Referral", uselist=False, viewonly=True)
    # Follow-up check-ins (bot/handoff/follow_up.py), asked of the person themself beside the
    # consent: NULL not asked; "to_ask" (consented by voice: asked by text once the number is
    # known); "asked"; then "yes", "no", or "unanswered" (they wrote something else next).
    follow_up_consent = Column(String(12))
    follow_up_asked_at = Column(DateTime)
    follow_up_answered_at = Column(DateTime)
    # The handoff whose check-in this one re-opens (the person replied 2 or 3): a re-contact.
    follow_up_of = Column(Integer, ForeignKey("handoff.id"), index=True)


class CheckIn(Base):
    """One follow-up check-in of a closed handoff (round 1 after HUB_FOLLOW_UP_AFTER, round 2
    after HUB_FOLLOW_UP_AGAIN). The row is the claim: (handoff_id, round) is unique, so two
    workers never send the same check-in. Holds no number and no words: the answer is 1, 2 or 3."""

    __tablename__ = "check_in"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False, index=True)
    round = Column(Integer, nullable=False)
    # sent; or not sent, and why: stopped (the number texted STOP), superseded (they have an
    # open handoff again), missed (the next round was due too: only the later one goes).
    status = Column(String(12), nullable=False)
    at = Column(DateTime, nullable=False, index=True)
    answer = Column(String(1))
    answered_at = Column(DateTime)
    # After a reply of 2 ("not yet"), whether a specialist may text them (review 18): "asked";
    # then "yes" (reopened_handoff_id names the new handoff), "no", or "unanswered".
    consent = Column(String(12))
    reopened_handoff_id = Column(Integer, ForeignKey("handoff.id"))

    __table_args__ = (UniqueConstraint("handoff_id", "round", name="uq_check_in_round"),)


class HandoffLog(Base):
    """Every transition of a handoff, timestamped: what proves a person reached a human.
    Holds no phone number and no message text."""

    __tablename__ = "handoff_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    event = Column(String(24), nullable=False)
    state = Column(String(16), nullable=False)
    specialist_id = Column(Integer, ForeignKey("specialist.id"))
    detail = Column(Text)


class Officer(Base):
    """A registered referrer's work phone: a police officer, or an EMS or fire crew (`kind`).
    Looked up by HMAC key: Rasa and the actions only ever see the key."""

    __tablename__ = "officer"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(Text, nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    phone_key = Column(String(64), nullable=False, unique=True)
    agency = Column(Text, nullable=False)
    # police | ems | fire (bot/handoff/referrers.py): how the person hears who asked for them.
    kind = Column(String(8), nullable=False, default="police", server_default="police")
    active = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False)
    # Caller ID is easy to spoof: on the voice line an officer is an officer only with STIR/SHAKEN
    # attestation A or this PIN (scrypt, bot/handoff/officer_check.py), keyed at the call's start.
    pin_hash = Column(String(200))
    pin_failures = Column(Integer, nullable=False, default=0, server_default="0")


class OfficerCall(Base):
    """A call in which the caller was verified as a registered officer (attestation A, or the
    PIN): every turn of that call, and only that call, speaks to Rasa as the officer."""

    __tablename__ = "officer_call"
    call_sid = Column(String(64), primary_key=True)
    officer_id = Column(Integer, ForeignKey("officer.id"), nullable=False)
    verified_by = Column(String(16), nullable=False)  # attestation | pin
    verified_at = Column(DateTime, nullable=False, index=True)


class Referral(Base):
    """Every officer referral, with or without consent: the anonymous tally behind the
    'referrals instead of arrests' figures. Holds no name, number or words of the person."""

    __tablename__ = "referral"
    id = Column(Integer, primary_key=True, autoincrement=True)
    agency = Column(Text, nullable=False, index=True)
    officer_id = Column(Integer, ForeignKey("officer.id"), nullable=False)
    consented = Column(Integer, nullable=False)
    reason = Column(String(24))
    urgency = Column(String(12))
    handoff_id = Column(Integer, ForeignKey("handoff.id"), unique=True)
    created_at = Column(DateTime, nullable=False, index=True)
    officer = relationship("Officer", viewonly=True)
