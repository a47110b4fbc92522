"""A texter tells the line a listing is wrong: "WRONG 2" after a list (2 = the second place
listed), or in their own words after a list ("Cedar Street is closed", "they were out of narcan").
They are thanked, and the report is queued for the coordinator (bot/directory/reports.py).

Words are taken as a report only when they read as one: a statement (not a question, not denied)
about a place just listed, by its name or street, or about "they"/"it" when one place was listed,
or about a place of the directory named by name with no list shown ("Cedar Street Syringe is
closed today"). A text that also asks for something ("they were out of narcan, where else can i
get some") has its report kept and goes on to the assistant, which answers the request. Anything
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
from bot.directory.reports import ListedPlace, Listing, last_listing, record_report
from bot.language import detect_language, phrase
from bot.phonebook import blank_numbers
from bot.safety import mentions_overdose_in_progress

# How long a list is remembered for WRONG (a texter may find the place closed days later), and
# for a report in words (which must follow the list closely to be about it).
WRONG_MEMORY = timedelta(days=7)
WORDS_MEMORY = timedelta(hours=24)

_WRONG = re.compile(r"^\s*(WRONG|INCORRECTO|ERROR)\b[\s#:,.-]*(\d{1,4})?(?!\d)[\s:,.-]*(.*)$", re.I | re.S)
_CLOSED = re.compile(
    r"\b(closed|closd|shut(?: down)?|not open|no longer (?:there|open)|(?:is|was|are|were)n'?t (?:there|open)|"
    r"(?:is|was|are|were) not (?:there|open)|gone|moved|out of business|does(?:n'?t| not) exist|"
    r"cerrad[oa]s?|ya no (?:est[aá]|existe)|no (?:estaba|est[aá]) abiert[oa]|se (?:mud[oó]|cambi[oó]))\b",
    re.I,
)
_OUT_OF_STOCK = re.compile(
    r"\b(out of|outta|ran out|run out|had none|have none|did(?:n'?t| not) have|do(?:n'?t| not) have|"
    r"no (?:ten[ií]an|tienen|hab[ií]a|hay)|se (?:les )?acab[oó]|sin (?:narcan|naloxona))\b",
    re.I,
)
# "They" or "it" as the subject: the place just listed, when there was one.
_ABOUT_THE_PLACE = re.compile(
    r"^\s*(?:they|it|that place|this place|the place|the clinic|the site|the pharmacy|the van|there|"
    r"ellos|ellas|el lugar|la cl[ií]nica|la farmacia|est(?:aba|á|a)n?|no ten[ií]an|se les)\b",
    re.I,
)
# A closed or out-of-stock word right after a negation is denied, not reported ("they weren't
# closed", "no estaba cerrado", "didn't run out"); phrases that are negations themselves ("not
# open", "didn't have") start the match, so nothing precedes them.
_DENIED = re.compile(
    r"\b(?:not|never|nope|nunca|no|isn'?t|wasn'?t|aren'?t|weren'?t|ain'?t|don'?t|doesn'?t|didn'?t|hasn'?t|"
    r"haven'?t|hadn'?t|won'?t)\s+(?:[\w'-]+\s+)?$",
    re.I,
)
# Words that ask for something: a text with them is answered by the assistant (places), and a
# report in it is kept as well ("they were out of narcan, where else can i get some").
_ASKS = re.compile(
    r"[?¿]|\b(where|wher|whr|wheres|anywhere|somewhere|else|other|another|need|needs|want|wanna|looking|lookin|find|"
    r"get|gettin|can (?:i|u|you)|could (?:i|u|you)|know (?:of|any)|"
    r"d[oó]nde|dnd|otr[oa]s?|necesit\w*|ocupo|quiero|busc\w*|consegu\w*|consigo|puedo)\b",
    re.I,
)
# English questions that begin with the verb: "is Cedar Street closed", "were they out of narcan".
_INVERTED = re.compile(r"^\s*(?:is|are|was|were|do|does|did|has|have|had|will|would|could|can)\b", re.I)
_CLAUSE = re.compile(r"(¿?)([^.,;:!?¡¿\n]*)([.,;:!?¡\n]*)")

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


def _said(pattern: re.Pattern, words: str) -> bool:
    """Whether the words say what `pattern` finds, other than right after a negation."""
    return any(not _DENIED.search(words, 0, found.start()) for found in pattern.finditer(words))


def _kind(words: str, default: str) -> str:
    if _said(_CLOSED, words):
        return "closed"
    if _said(_OUT_OF_STOCK, words):
        return "out_of_stock"
    return default


def _statements(text: str) -> str:
    """The text without what it asks: each clause (between punctuation) up to its first word of a
    request, unless it is a question ("?" after it, "¿" before it, or an English verb first)."""
    kept = []
    for opened, clause, closed in _CLAUSE.findall(text):
        request = _ASKS.search(clause)
        if request is not None:
            clause, closed = clause[:request.start()], ""
        if clause.strip() and not opened and "?" not in closed and not _INVERTED.match(clause):
            kept.append(clause.strip())
    return ". ".join(kept)


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
    """The replies when `text` reports a wrong listing (the report queued), or None when the text
    goes on to the assistant: it is no report, or it asks for something too (the report queued)."""
    if not text or mentions_overdose_in_progress(text):
        return None
    wrong = _WRONG.match(text)
    # "WRONG 2 ..." (or ERROR 2, INCORRECTO 2), or the bare word; "wrong number" is not a report.
    if wrong and (wrong.group(2) or (not wrong.group(3).strip() and wrong.group(1).upper() != "ERROR")):
        return _wrong(session, number_key, wrong, region, now)
    kind = _kind(_statements(text), "")
    if not kind:
        return None
    # A text that also asks for something goes on to the assistant, which answers it; the report
    # in it is kept all the same.
    asks = _ASKS.search(text) is not None
    listing = last_listing(session, number_key, WORDS_MEMORY, now)
    place = _named_place(listing, text) if listing is not None else None
    if place is None and (listing is None or not _ABOUT_THE_PLACE.match(text)):
        # No list lately, or words not about one of it: a place of the directory named by name
        # ("Cedar Street Syringe is closed today"), else nothing ("I'm out of narcan" asks for some).
        language = detect_language(text, previous=listing.language if listing else None)
        named = _report_named(session, number_key, text, kind, language, region, now)
        return None if named is None or asks else [phrase(_PHRASES, language, "thanks place", name=named.name)]
    if place is None:
        place = listing.places[0] if len(listing.places) == 1 else None  # type: ignore[union-attr]  # as below
    language = detect_language(text, previous=listing.language)  # type: ignore[union-attr]  # not None here: without a listing the branch above returned
    record_report(session, number_key, place, kind, blank_numbers(text, region), language, now)
    if asks:
        return None
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
    if not words or mentions_overdose_in_progress(words):
        return None
    kind = _kind(words, "")
    place = _report_named(session, number_key, words, kind, language, region, now) if kind else None
    return None if place is None else [phrase(_PHRASES, language, "thanks place", name=place.name)]


def _report_named(session: Session, number_key: str, words: str, kind: str, language: str, region: str,
                  now: datetime | None) -> ListedPlace | None:
    """The listing report of the place of the directory the words name, recorded; None when they
    name none or speak of the drug supply."""
    if _SUPPLY.search(words):
        return None
    named = find_named_place(session, words)
    if named is None:
        return None
    name = session.scalar(select(ServicePoint.name).where(ServicePoint.service_id == named.service_id,
                                                          ServicePoint.location_id == named.location_id).limit(1))
    place = ListedPlace(0, named.service_id, named.location_id, name or "", None)
    record_report(session, number_key, place, kind, blank_numbers(words, region), language, now)
    return place


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
