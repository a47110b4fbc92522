"""Officer referrals: read a referral from an officer's text, record it, and answer STATUS with
a coarse state only (the consent in it is read by bot/handoff/consent.py). No data to
enforcement: an officer never sees the person's number, name, words or outcome, and only their
own agency's referrals."""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import get_settings
from bot.db.models import Handoff, Officer, Referral
from bot.handoff.consent import officer_consent
from bot.handoff.engine import alert_next, create_handoff, normalise_ref
from bot.handoff.refs import PATTERN as REF_PATTERN
from bot.handoff.states import AWAITING, OVER, ConsentBy, Source, State
from bot.phonebook import STAND_IN, number_for
from bot.privacy import sender_key

_REASON_PATTERNS = [
    ("non_fatal_overdose", re.compile(r"\b(post[- ]?od|after (?:an? )?(?:od|overdose)|non[- ]?fatal|nfod|revived|narcan(?:'d|ed)|od'?d|survived)\b", re.I)),
    ("overdose_risk", re.compile(r"\b(at risk|risk of (?:od|overdose)|overdose risk|od risk)\b", re.I)),
    ("risky_use", re.compile(r"\b(risky use|sharing (?:needles|works|rigs)|shares needles|disease|hiv|hep ?c|injecting|iv use)\b", re.I)),
]
_REASON_NUMBER = {"1": "non_fatal_overdose", "2": "overdose_risk", "3": "risky_use", "4": "other"}
_SPANISH = re.compile(r"\b(spanish|español|espanol|habla español|spanish[- ]speaking)\b", re.I)
_URGENT = re.compile(r"\b(urgent|asap|right away|immediately|today|now)\b", re.I)

# What an officer may know of a handoff: received, accepted or closed, nothing finer.
STATUS = {**{state: "received" for state in AWAITING}, State.ACCEPTED: "accepted", **{state: "closed" for state in OVER}}
_STATUS_COMMAND = re.compile(rf"^\s*status\s+({REF_PATTERN})\s*$", re.I)


def reason_in(text: str, answering: bool = False) -> str | None:
    if answering and text.strip() in _REASON_NUMBER:
        return _REASON_NUMBER[text.strip()]
    for reason, pattern in _REASON_PATTERNS:
        if pattern.search(text):
            return reason
    if answering and re.search(r"\bother\b", text, re.I):
        return "other"
    return None


def language_in(text: str) -> str | None:
    return "es" if _SPANISH.search(text) else None


def urgency_in(text: str) -> str | None:
    return "urgent" if _URGENT.search(text) else None


def record_referral(
    session: Session, officer: Officer, *, consent: bool, reason: str | None, contact: str | None,
    needs: list[str], language: str, urgency: str | None, area: str | None = None, now: datetime | None = None,
    alert: bool = True,
) -> tuple[Referral, Handoff | None]:
    """Tally the referral; with the person's consent, open a handoff for them. alert=False when
    the officer is on the phone and the call itself rings specialists (bot/handoff/transfer.py)."""
    now = now or utcnow()
    referral = Referral(agency=officer.agency, officer_id=officer.id, consented=int(consent), reason=reason, urgency=urgency, created_at=now)
    session.add(referral)
    handoff = None
    if consent:
        settings = get_settings()
        # The contact is a number's stand-in (bot/phonebook.py) or a place and time to find them.
        number = number_for(session, contact)
        note = None if number or STAND_IN.search(contact or "") else contact
        # Keyed like any texter, so that the person's own texts find this handoff's relay.
        key = sender_key(number, settings.require_secret_key(), settings.default_region) if number else f"referral:{uuid.uuid4().hex}"
        handoff = create_handoff(
            session, source=Source.OFFICER, person_key=key, consent_by=ConsentBy.OFFICER,
            consent_text=officer_consent(officer, reason),
            needs=needs, area=area, language=language, person_number=number, urgent=urgency == "urgent", now=now,
            contact_note=note, alert=False,
        )
        referral.handoff_id = handoff.id
        session.flush()
        # Alerted once linked to the referral: the alert says who referred (bot/handoff/referrers.py).
        if alert:
            alert_next(session, handoff, now)
    session.flush()
    return referral, handoff


def status_reply(session: Session, officer: Officer, text: str) -> str | None:
    """The reply to 'STATUS H-4821' from an officer: a coarse state, for their own agency only."""
    match = _STATUS_COMMAND.match(text or "")
    if not match:
        return None
    ref = normalise_ref(match.group(1))
    row = session.execute(
        select(Handoff.state, Referral.agency).join(Referral, Referral.handoff_id == Handoff.id).where(Handoff.ref == ref)
    ).first()
    if row is None or row.agency != officer.agency:
        # The same answer whether the reference does not exist or belongs to another agency.
        return f"I can't share anything about {ref}. You can check referrals your agency made."
    return f"{ref}: {STATUS[row.state]}."
