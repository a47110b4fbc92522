"""STOP and START: a number that texted STOP gets nothing from the outbox until it texts START.
Kept by HMAC key, so the opt-out list holds no phone number."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import OptOut
from bot.clock import utcnow

# Twilio's own opt-out keywords (Advanced Opt-Out), and their opposites.
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "alto", "parar"}
START_WORDS = {"start", "unstop", "subscribe"}


def keyword(text: str) -> str | None:
    """'stop' or 'start' when the whole message is one of those keywords."""
    word = (text or "").strip().strip(".!").lower()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def opt_out(session: Session, number_key: str) -> None:
    if session.get(OptOut, number_key) is None:
        session.add(OptOut(number_key=number_key, opted_out_at=utcnow()))


def opt_in(session: Session, number_key: str) -> None:
    session.execute(delete(OptOut).where(OptOut.number_key == number_key))


def is_opted_out(session: Session, number_key: str) -> bool:
    return session.scalar(select(OptOut.number_key).where(OptOut.number_key == number_key)) is not None
