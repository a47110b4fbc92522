"""The consent record a handoff rests on (DESIGN.md, principle 2), in one place for both ways a
handoff starts: the person's own yes, kept word for word with the question it answered, and a
referrer's report of the person's consent. Kept in English (it is a record, not a message) until
the retention purge replaces it (bot/retention.py)."""
from __future__ import annotations

from bot.db.models import Officer

# Why a referrer referred, as the tally and the consent record name it.
REASONS = {
    "non_fatal_overdose": "after a non-fatal overdose",
    "overdose_risk": "at risk of overdose",
    "risky_use": "risky use or disease risk",
    "other": "other",
}


def person_consent(asked: str, answer: str, keypad: str | None = None) -> str:
    """What was asked and what the person answered, word for word (a key pressed on a call
    is named as such: "pressed 1 (yes)")."""
    if keypad:
        answer = f"pressed {keypad} ({answer})"
    return f'Asked: "{asked}" Answered: "{answer}"'


def officer_consent(officer: Officer, reason: str | None) -> str:
    """A referrer reported the person's consent to be contacted."""
    return f"Officer of {officer.agency} reported the person's consent to be contacted ({REASONS.get(reason or 'other')})."
