"""STOP, START and HELP: a number that texted STOP gets nothing from the outbox until it texts
START. Kept by HMAC key, so the opt-out list holds no phone number.

Since the list holds no number, `hub keys rotate` cannot re-key an opt-out whose number the line
no longer holds: it stays under the key it was recorded with, and keeps matching through the key
ring (HUB_PREVIOUS_SECRET_KEYS). Previous keys are used only to match; an opt-out found under one
moves to the current key as soon as its number is seen again (`number_opted_out`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.db.models import OptOut
from bot.privacy import key_id, sender_key

# Carrier keywords, each answered in the language it was written in. English: Twilio's own
# Advanced Opt-Out keywords and their opposites; Spanish: the words Spanish-speaking texters use.
KEYWORDS = {
    "stop": {"en": {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"},
             "es": {"alto", "parar", "detener", "cancelar", "baja"}},
    "start": {"en": {"start", "unstop", "subscribe"}, "es": {"iniciar", "comenzar", "reanudar"}},
    "help": {"en": {"help", "info"}, "es": {"ayuda", "información", "informacion"}},
}


@dataclass(frozen=True)
class Keyword:
    word: str  # stop | start | help
    language: str  # en | es


def keyword(text: str) -> Keyword | None:
    """The keyword when the whole message is one ("STOP", "Alto.", "help!")."""
    said = (text or "").strip().strip(".!¡?¿ ").lower()
    for word, languages in KEYWORDS.items():
        for language, words in languages.items():
            if said in words:
                return Keyword(word, language)
    return None


def opt_out(session: Session, number_key: str, at: datetime | None = None) -> None:
    """Record an opt-out under `number_key`, a key made with the current secret key."""
    if session.get(OptOut, number_key) is None:
        session.add(OptOut(number_key=number_key, opted_out_at=at or utcnow(), key_id=key_id(get_settings().require_secret_key())))


def opt_in(session: Session, number_key: str) -> None:
    session.execute(delete(OptOut).where(OptOut.number_key == number_key))


def is_opted_out(session: Session, number_key: str) -> bool:
    return session.scalar(select(OptOut.number_key).where(OptOut.number_key == number_key)) is not None


def number_opted_out(session: Session, address: str, settings: Settings | None = None) -> bool:
    """Whether `address` texted STOP, under the current key or any previous one. An opt-out found
    under a previous key is moved to the current key (kept from its first date), so that the
    number, now seen again, no longer depends on the old key."""
    settings = settings or get_settings()
    current = sender_key(address, settings.require_secret_key(), settings.default_region)
    previous = [sender_key(address, key, settings.default_region) for key in settings.previous_secret_keys]
    rows = session.scalars(select(OptOut).where(OptOut.number_key.in_([current, *previous]))).all()
    old = [row for row in rows if row.number_key != current]
    if old:
        since = min(row.opted_out_at for row in rows)
        for row in old:
            session.delete(row)
        session.flush()
        existing = session.get(OptOut, current)
        if existing is None:
            opt_out(session, current, at=since)
        else:
            existing.opted_out_at = since
    return bool(rows)


def restore_opt_out(session: Session, address: str, settings: Settings | None = None) -> None:
    """Record that `address` opted out, under the current key: Twilio refused a message to it with
    error 21610 (the number texted STOP to the carrier, Twilio's own list), so the line's list
    must say so too, whatever key the line's record was under or whether it had one at all."""
    settings = settings or get_settings()
    if not number_opted_out(session, address, settings):
        opt_out(session, sender_key(address, settings.require_secret_key(), settings.default_region))


def opt_outs_under_previous_keys(session: Session, settings: Settings | None = None) -> int:
    """How many opt-outs are still matched only through a previous key (for `hub status`: as
    information, not a failure; each moves to the current key when its number is seen again)."""
    current = key_id((settings or get_settings()).require_secret_key())
    # NULL: recorded before key ids were, by the key in use then, which until the first rotation
    # is the current one (`hub keys rotate` fills them in).
    return session.scalar(
        select(func.count()).select_from(OptOut).where(OptOut.key_id.is_not(None), OptOut.key_id != current)
    ) or 0
