"""STOP, START and HELP: a number that texted STOP gets nothing from the outbox until it texts
START. Kept by HMAC key, so the opt-out list holds no phone number."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import OptOut
from bot.clock import utcnow

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


def opt_out(session: Session, number_key: str) -> None:
    if session.get(OptOut, number_key) is None:
        session.add(OptOut(number_key=number_key, opted_out_at=utcnow()))


def opt_in(session: Session, number_key: str) -> None:
    session.execute(delete(OptOut).where(OptOut.number_key == number_key))


def is_opted_out(session: Session, number_key: str) -> bool:
    return session.scalar(select(OptOut.number_key).where(OptOut.number_key == number_key)) is not None
