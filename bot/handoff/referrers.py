"""Who may refer a person: police officers, EMS crews and fire crews, each registered with
`hub roster add-officer --kind`. They share one referral flow (bot/handoff/referral.py); what
differs is only how the person and the specialist hear who asked: one phrase per kind and
language below. Adding a kind is a new member, its phrases, and nothing else (docs/referrers.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handoff.states import Source
from bot.language import phrase
from bot.words import Word

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.db.models import Handoff


class Kind(Word):
    POLICE = "police"
    EMS = "ems"
    FIRE = "fire"


DEFAULT = Kind.POLICE

# who: the subject of "… asked us"; the: the same person later in a sentence ("… and the
# officer are on the line"); referred: what a specialist's alert and whisper say.
PHRASES = {
    "en": {
        "who_police": "An officer", "the_police": "the officer",
        "who_ems": "A paramedic", "the_ems": "the paramedic",
        "who_fire": "A firefighter", "the_fire": "the firefighter",
    },
    "es": {
        "who_police": "Un oficial", "the_police": "el oficial",
        "who_ems": "Un paramédico", "the_ems": "el paramédico",
        "who_fire": "Un bombero", "the_fire": "el bombero",
    },
}


class UnknownKind(ValueError):
    pass


def parse_kind(value: str | None) -> Kind:
    """A kind as an operator types it ("EMS", " fire "); empty means police."""
    word = (value or "").strip().lower()
    if not word:
        return DEFAULT
    try:
        return Kind(word)
    except ValueError:
        raise UnknownKind(f"{value!r} is not a kind of referrer; use one of: {', '.join(k.value for k in Kind)}") from None


def kind_of(handoff: Handoff) -> Kind | None:
    """The kind of referrer who made the handoff's referral; None for a person's own request.
    A referral whose officer row has no kind (none should) counts as police, as before kinds."""
    if handoff.source != Source.OFFICER:
        return None
    referral = handoff.referral
    officer = referral.officer if referral is not None else None
    if officer is None or not officer.kind:
        return DEFAULT
    return Kind(officer.kind)


def who(kind: Kind | str | None, language: str) -> str:
    """'An officer', 'A paramedic', 'A firefighter' (or in Spanish): who asked us."""
    return phrase(PHRASES, language, f"who_{Kind(kind or DEFAULT).value}")


def the(kind: Kind | str | None, language: str) -> str:
    """'the officer', 'the paramedic', 'the firefighter' (or in Spanish), mid-sentence."""
    return phrase(PHRASES, language, f"the_{Kind(kind or DEFAULT).value}")
