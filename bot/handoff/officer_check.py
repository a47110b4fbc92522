"""Who is an officer on the voice line. Caller ID is easy to spoof, so a call from a registered
officer's number is the officer only when the carrier vouches for the number (STIR/SHAKEN
attestation A) or the caller keys the officer's PIN at the start of the call. Otherwise the caller
is a community member: never the officer's referrals, STATUS or role.

PINs are kept as bot/handoff/officer_pins.py stores them. A few wrong PINs in a row stop the PIN
from being accepted until it is set again (`hub roster add-officer ... --pin`), so that it cannot
be guessed by calling over and over.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import Officer, OfficerCall
from bot.handoff.officer_pins import asks_for_pin, pin_matches
from bot.handoff.roster import officer_for_key


def officer_calling(session: Session, key: str, call_sid: str, attested: bool, now: datetime | None = None) -> tuple[Officer | None, bool]:
    """(the registered officer whose number this is, or None; whether this call is verified as
    theirs). A call with attestation A is recorded as verified at once."""
    officer = officer_for_key(session, key)
    if officer is None:
        return None, False
    if session.get(OfficerCall, call_sid) is not None:
        return officer, True
    if attested:
        session.add(OfficerCall(call_sid=call_sid, officer_id=officer.id, verified_by="attestation", verified_at=now or utcnow()))
        session.flush()
        return officer, True
    return officer, False


def check_pin(session: Session, key: str, call_sid: str, pin: str, now: datetime | None = None) -> bool:
    """The PIN keyed at the start of a call: right, the call is the officer's; wrong, one more
    failure (after MAX_PIN_FAILURES in a row the PIN is no longer accepted)."""
    officer = officer_for_key(session, key)
    if not asks_for_pin(officer):
        return False
    if not pin_matches(officer.pin_hash, pin):  # type: ignore[union-attr]  # as above
        # One UPDATE, so that calls keying PINs at the same moment each count.
        session.execute(update(Officer).where(Officer.id == officer.id).values(pin_failures=Officer.pin_failures + 1)  # type: ignore[union-attr]  # as above
                        .execution_options(synchronize_session=False))
        return False
    officer.pin_failures = 0  # type: ignore[union-attr]  # as above
    if session.get(OfficerCall, call_sid) is None:
        session.add(OfficerCall(call_sid=call_sid, officer_id=officer.id, verified_by="pin", verified_at=now or utcnow()))  # type: ignore[union-attr]  # asks_for_pin() is False for no officer, returned above
    session.flush()
    return True
