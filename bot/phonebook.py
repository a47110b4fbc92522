"""Phone numbers written inside messages ("Referral: consented, 206-555-0142, post OD").

Rasa must never hold a phone number (its tracker store keeps every message and slot), so the
channels swap each number in a text for a stand-in, `tel:` plus the number's HMAC key, before Rasa
sees it, and keep the number in the `contact_number` table. A handoff that has to reach the person
finds the number again from the stand-in; nothing else can.
"""
from __future__ import annotations

import re
from datetime import datetime

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import ContactNumber
from bot.privacy import sender_key

STAND_IN = re.compile(r"\btel:(h[0-9a-f]{40})\b")
# The texter's own number while their turn is with the assistant, which has only their key: held
# under this prefix and their key for that turn only, so that a handoff the turn opens has the
# number from the transaction that creates it (a specialist may ACCEPT before the turn ends).
HELD = "from:"


def _written_numbers(text: str, region: str):
    # POSSIBLE, not VALID: fictional 555-01xx numbers and new area codes must be recognised too.
    return phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)


def stand_in_numbers(session: Session, text: str, secret_key: str, region: str) -> str:
    """`text` with every phone number in it replaced by its stand-in; the numbers are kept."""
    pieces, end = [], 0
    for match in _written_numbers(text, region):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        key = sender_key(number, secret_key, region)
        _remember(session, key, number)
        pieces += [text[end:match.start], f"tel:{key}"]
        end = match.end
    return "".join(pieces) + text[end:] if pieces else text


def blank_numbers(text: str, region: str) -> str:
    """`text` with every phone number in it replaced by "[number]", for words kept where no
    number may be (a texter's report of a wrong listing)."""
    pieces, end = [], 0
    for match in _written_numbers(text, region):
        pieces += [text[end:match.start], "[number]"]
        end = match.end
    return "".join(pieces) + text[end:] if pieces else text


def _remember(session: Session, key: str, number: str) -> None:
    row = session.get(ContactNumber, key)
    if row is None:
        try:
            with session.begin_nested():
                session.add(ContactNumber(key=key, number=number, seen_at=utcnow()))
                session.flush()
            return
        except IntegrityError:
            # Another server's turn of the same number wrote it between the read and the write
            # (two of one texter's messages reached two servers at once): theirs stands, and the
            # savepoint kept the rest of this transaction.
            row = session.get(ContactNumber, key, populate_existing=True)
            if row is None:  # ...and already released it: hold it again for this turn
                _remember(session, key, number)
                return
    row.seen_at = utcnow()


def first_stand_in(session: Session, text: str, secret_key: str, region: str) -> str | None:
    """The stand-in of the first phone number in `text`, whether the text already carries
    stand-ins (everything that came through a channel) or numbers written out (`rasa shell`)."""
    match = STAND_IN.search(text or "")
    if match:
        return match.group(0)
    standing_in = STAND_IN.search(stand_in_numbers(session, text or "", secret_key, region))
    return standing_in.group(0) if standing_in else None


def number_for(session: Session, stand_in: str | None) -> str | None:
    """The E.164 number behind a stand-in, or None (unknown, or purged by retention)."""
    match = STAND_IN.search(stand_in or "")
    if not match:
        return None
    return session.scalar(select(ContactNumber.number).where(ContactNumber.key == match.group(1)))


def hold_sender_number(session: Session, key: str, number: str) -> None:
    """Hold the number of a texter whose turn goes to the assistant, until `release_sender_number`."""
    _remember(session, HELD + key, number)


def sender_number(session: Session, key: str) -> str | None:
    """The number of the texter with this key, while their turn is with the assistant; else None."""
    return session.scalar(select(ContactNumber.number).where(ContactNumber.key == HELD + key))


def release_sender_number(session: Session, key: str) -> None:
    """The turn is over: the number is no longer held (a handoff it opened keeps its own)."""
    session.execute(delete(ContactNumber).where(ContactNumber.key == HELD + key).execution_options(synchronize_session=False))


def release_held_before(session: Session, before: datetime) -> int:
    """Numbers held for turns that began before `before` and were never released (the channel
    died mid-turn); how many."""
    return session.execute(delete(ContactNumber).where(ContactNumber.key.startswith(HELD),
                                                       ContactNumber.seen_at < before)
                           .execution_options(synchronize_session=False)).rowcount
