"""A texter tells the line a listing is wrong: "WRONG 2" after a list (2 = the second place
listed), or in their own words after a list ("Cedar Street is closed", "they were out of narcan").
They are thanked, and the report is queued for the coordinator (bot/directory/reports.py).

Words are taken as a report only when they read as one: a statement (not a question) about a
place just listed, by its name or street, or about "they"/"it" when one place was listed. Anything
else goes on to the assistant as before, and so does anything suggesting an overdose in progress,
so that the 911 steps still come first.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import ServicePoint
from bot.directory.named import find_named_place
from bot.directory.reports import Listing, ListedPlace, last_listing, record_report
from bot.language import detect_language, phrase
from bot.phonebook import blank_numbers
from bot.safety import mentions_overdose_in_progress

# How long a list is remembered for WRONG (a texter may find the place closed days later), and
# for a report in words (which must follow the list closely to be about it).
WRONG_MEMORY = timedelta(days=7)
WORDS_MEMORY = timedelta(hours=24)

_WRONG = re.compile(r"^\s*(WRONG|INCORRECTO|ERROR)\b[\s#:,.-]*(\d{1,4})?(?!\d)[\s:,.-]*(.*)$", re.I | re.S)
_CLOSED = re.compile(
    r"\b(closed|shut(?: down)?|not open|no longer (?:there|open)|(?:is|was|are|were)n'?t (?:there|open)|"
    r"(?:is|was|are|were) not (?:there|open)|gone|moved|out of business|does(?:n'?t| not) exist|"
    r"cerrad[oa]s?|ya no (?:est[aá]|existe)|no (?:estaba|est[aá]) abiert[oa]|se (?:mud[oó]|cambi[oó]))\b",
    re.I,
)
_OUT_OF_STOCK = re.compile(
    r"\b(out of|ran out|run out|had none|have none|did(?:n'?t| not) have|do(?:n'?t| not) have|"
    r"no (?:ten[ií]an|tienen|hab[ií]a|hay)|se (?:les )?acab[oó]|sin (?:narcan|naloxona))\b",
    re.I,
)
# "They" or "it" as the subject: the place just listed, when there was one.
_ABOUT_THE_PLACE = re.compile(
    r"^\s*(?:they|it|that place|this place|the place|the clinic|the site|the pharmacy|the van|there|"
    r"ellos|ellas|el lugar|la cl[ií]nica|la farmacia|est(?:aba|á|a)n?|no ten[ií]an|se les)\b",
    re.I,
)
_STREET_WORDS = frozenset(
    "street st avenue ave av road rd way blvd boulevard drive dr lane ln place pl court ct highway hwy "
    "n s e w ne nw se sw north south east west calle avenida".split()
)
_GENERIC_NAME_WORDS = frozenset(
    "the and of clinic center centre health services service program pharmacy community harm reduction "
    "naloxone narcan county public site hospital medical recovery support peer drop-in project outreach "
    "clínica centro salud".split()
)

_PHRASES = {
    "en": {
        "thanks place": "Thank you for letting us know about {name}. We'll pass it on so the listing gets checked.",
        "thanks unknown": "Thank you for letting us know. We'll pass it on. If it is a place from the list, text WRONG "
                          "and its number (for example WRONG 2) so we know which one.",
        "which": "Which place was wrong? Text WRONG and its number from the list, 1 to {last} (for example WRONG {last}).",
        "out of range": "The list I sent has places 1 to {last}. Text WRONG and the number of the place that was "
                        "wrong (for example WRONG {last}).",
        "no list": "I haven't sent you a list of places lately. Text what you need and your ZIP code (for example "
                   "narcan 98104); if a place on the list is wrong, text WRONG and its number.",
    },
    "es": {
        "thanks place": "Gracias por avisarnos sobre {name}. Lo pasaremos para que se revise la información.",
        "thanks unknown": "Gracias por avisarnos. Lo pasaremos. Si es un lugar de la lista, escribe INCORRECTO y su "
                          "número (por ejemplo INCORRECTO 2) para saber cuál es.",
        "which": "¿Qué lugar estaba mal? Escribe INCORRECTO y su número en la lista, del 1 al {last} (por ejemplo "
                 "INCORRECTO {last}).",
        "out of range": "La lista que te envié tiene lugares del 1 al {last}. Escribe INCORRECTO y el número del lugar "
                        "que estaba mal (por ejemplo INCORRECTO {last}).",
        "no list": "No te he enviado una lista de lugares últimamente. Escribe lo que necesitas y tu código postal "
                   "(por ejemplo narcan 98104); si un lugar de la lista está mal, escribe INCORRECTO y su número.",
    },
}


def _kind(words: str, default: str) -> str:
    if _CLOSED.search(words):
        return "closed"
    if _OUT_OF_STOCK.search(words):
        return "out_of_stock"
    return default


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-záéíóúñü0-9'-]+", text.lower()))


def _place_words(place: ListedPlace) -> set[str]:
    """Words that name the place: its distinctive name words and its street's name ("Cedar")."""
    named = {w for w in _words(place.name) if len(w) >= 4 and w not in _GENERIC_NAME_WORDS}
    street = {w for w in _words(place.street or "") if len(w) >= 3 and not w.isdigit() and w not in _STREET_WORDS}
    return named | street


def _named_place(listing: Listing, text: str) -> ListedPlace | None:
    said = _words(text)
    scores = [(len(_place_words(place) & said), place) for place in listing.places]
    best = max((score for score, _ in scores), default=0)
    named = [place for score, place in scores if score == best and score > 0]
    return named[0] if len(named) == 1 else None


def listing_feedback(session: Session, number_key: str, text: str, region: str = "US",
                     now: datetime | None = None) -> list[str] | None:
    """The replies when `text` reports a wrong listing (the report queued), or None when it is not
    one and goes on to the assistant."""
    if not text or mentions_overdose_in_progress(text):
        return None
    wrong = _WRONG.match(text)
    # "WRONG 2 ..." (or ERROR 2, INCORRECTO 2), or the bare word; "wrong number" is not a report.
    if wrong and (wrong.group(2) or (not wrong.group(3).strip() and wrong.group(1).upper() != "ERROR")):
        return _wrong(session, number_key, wrong, region, now)
    if "?" in text or "¿" in text:
        return None
    closed, out = _CLOSED.search(text), _OUT_OF_STOCK.search(text)
    if not (closed or out):
        return None
    listing = last_listing(session, number_key, WORDS_MEMORY, now)
    if listing is None:
        return None
    place = _named_place(listing, text)
    if place is None:
        if not _ABOUT_THE_PLACE.match(text):
            return None  # "I'm out of narcan" asks for some; it does not report a place
        place = listing.places[0] if len(listing.places) == 1 else None
    language = detect_language(text, previous=listing.language)
    record_report(session, number_key, place, _kind(text, "wrong"), blank_numbers(text, region), language, now)
    if place is None:
        return [phrase(_PHRASES, language, "thanks unknown")]
    return [phrase(_PHRASES, language, "thanks place", name=place.name)]


# Words of the drug supply: a REPORT that has them is about a bad batch too, whatever place it names.
_SUPPLY = re.compile(
    r"\b(batch|pills?|bars?|fent\w*|fetty|dope|supply|cut|laced|xylazine|tranq|heroin|meth|coke|crack|blues|"
    r"stronger|lote|pastillas?|fentanilo|cortad[oa])\b",
    re.I,
)


def named_place_report(session: Session, number_key: str, words: str, language: str, region: str = "US",
                       now: datetime | None = None) -> list[str] | None:
    """A place of the directory reported by name with no list shown, as REPORT brings them
    ("REPORT Cedar Street Clinic is closed"): queued as a listing report and thanked, or None when
    the words name no place, say nothing wrong with it, speak of the drug supply (a bad-batch
    report, bot/alerts) or suggest an overdose in progress."""
    if not words or mentions_overdose_in_progress(words) or _SUPPLY.search(words):
        return None
    kind = _kind(words, "")
    if not kind:
        return None
    named = find_named_place(session, words)
    if named is None:
        return None
    name = session.scalar(select(ServicePoint.name).where(ServicePoint.service_id == named.service_id,
                                                          ServicePoint.location_id == named.location_id).limit(1))
    place = ListedPlace(0, named.service_id, named.location_id, name or "", None)
    record_report(session, number_key, place, kind, blank_numbers(words, region), language, now)
    return [phrase(_PHRASES, language, "thanks place", name=place.name)]


def _wrong(session: Session, number_key: str, wrong: re.Match, region: str, now: datetime | None) -> list[str]:
    keyword, number, rest = wrong.group(1).upper(), wrong.group(2), wrong.group(3).strip()
    listing = last_listing(session, number_key, WRONG_MEMORY, now)
    if keyword == "INCORRECTO":
        language = "es"
    else:
        language = listing.language if listing else detect_language(rest, previous="en")
    if listing is None:
        return [phrase(_PHRASES, language, "no list")]
    last = max(place.position for place in listing.places)
    if number is None:
        return [phrase(_PHRASES, language, "which", last=last)]
    place = next((p for p in listing.places if p.position == int(number)), None)
    if place is None:
        return [phrase(_PHRASES, language, "out of range", last=last)]
    record_report(session, number_key, place, _kind(rest, "wrong"), blank_numbers(rest, region) if rest else None,
                  language, now)
    return [phrase(_PHRASES, language, "thanks place", name=place.name)]
