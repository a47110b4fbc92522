"""A place of the directory asked for by its name ("hours for broadway drug checking", "where is
the cap hill peer center"), or a fuzzy form of it: typos, abbreviations, words left out. A match
is one active service at one location, with its address, today's hours and phone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Location, ServicePoint
from bot.directory.places import built_from_directory
from bot.directory.search import ServiceMatch, service_details

# Words every other place shares, or that only say what kind of thing it is: they neither make a
# name nor tell two names apart.
_FILLER = {
    "the", "a", "an", "of", "and", "for", "at", "in", "to", "el", "la", "los", "las", "de", "del", "y",
    "center", "centre", "centro", "site", "place", "office", "program", "services", "service",
}
_ABBREVIATIONS = {
    "sq": "square", "cap": "capitol", "intl": "international", "ctr": "center", "u": "university",
    "uw": "university", "dist": "district", "id": "international", "cd": "central", "sodo": "sodo",
    "checkin": "checking", "dropin": "drop", "rv": "rainier", "wc": "white",
}
_WORD_SIMILARITY = 0.8
_ENOUGH = 0.66  # share of a name's telling words the message must hold


def _words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", (text or "").lower().replace("'", "").replace("-", " "))
    return [_ABBREVIATIONS.get(word, word) for word in words]


def _telling(name: str) -> list[str]:
    return [word for word in _words(name) if word not in _FILLER]


def _alike(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4 or a[0] != b[0]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= _WORD_SIMILARITY


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    service_id: str
    location_id: str


@dataclass(frozen=True)
class NamedPlace:
    """What the texter asked about, by name or as 'it'."""

    service_id: str
    location_id: str

    @property
    def key(self) -> str:
        return f"{self.service_id}/{self.location_id}"

    @classmethod
    def from_key(cls, key: str | None) -> NamedPlace | None:
        service_id, _, location_id = (key or "").partition("/")
        return cls(service_id, location_id) if service_id and location_id else None


def _build(session: Session) -> list[_Name]:
    """Each active service by its own name and by its location's name."""
    rows = session.execute(
        select(ServicePoint.service_id, ServicePoint.location_id, ServicePoint.name, Location.name)
        .join(Location, Location.id == ServicePoint.location_id)
        .distinct()
        .order_by(ServicePoint.name, ServicePoint.service_id)
    ).all()
    names, seen = [], set()
    for service_id, location_id, service_name, location_name in rows:
        for name in (service_name, location_name):
            words = tuple(_telling(name or ""))
            if len(words) >= 2 and (words, service_id, location_id) not in seen:
                seen.add((words, service_id, location_id))
                names.append(_Name(words, service_id, location_id))
    return names


_cache: dict[str, tuple[float, list[_Name]]] = {}


def _names(session: Session) -> list[_Name]:
    """The directory's place names (built_from_directory: rebuilt at most once a minute)."""
    return built_from_directory(_cache, session, _build)


def find_named_place(session: Session, text: str) -> NamedPlace | None:
    """The place whose name the message holds best: the share of the name's telling words found in
    the message (each exactly or one typo off), at least 2 in 3 of them and 2 at least; on a tie,
    the name with more words found. None when no name is held well enough."""
    said = set(_telling(text))
    if not said:
        return None
    best: tuple[float, int, _Name] | None = None
    for name in _names(session):
        found = sum(1 for word in name.words if any(_alike(word, other) for other in said))
        share = found / len(name.words)
        if found >= 2 and share >= _ENOUGH and (best is None or (share, found) > (best[0], best[1])):
            best = (share, found, name)
    return NamedPlace(best[2].service_id, best[2].location_id) if best else None


def place_details(session: Session, place: NamedPlace, now: datetime | None = None) -> ServiceMatch | None:
    """Address, today's hours (and whether open now) and phone of a place; None when it is no
    longer in the directory."""
    return service_details(session, place.service_id, place.location_id, now=now)


_ORDINALS = {
    "first": 0, "1st": 0, "1": 0, "one": 0, "primero": 0, "primer": 0, "primera": 0,
    "second": 1, "2nd": 1, "2": 1, "two": 1, "segundo": 1, "segunda": 1,
    "third": 2, "3rd": 2, "3": 2, "three": 2, "tercero": 2, "tercer": 2, "tercera": 2,
    "last": -1, "último": -1, "ultimo": -1, "última": -1, "ultima": -1,
}


def place_meant(text: str, listed: list[str] | None) -> NamedPlace | None:
    """The place 'it' refers to among the last places named or listed: the one the message counts
    ("the second one"), else the first."""
    keys = [key for key in (listed or []) if key]
    if not keys:
        return None
    for word in re.findall(r"[\wáéíóú]+", (text or "").lower()):
        if word in _ORDINALS:
            index = _ORDINALS[word]
            if -len(keys) <= index < len(keys):
                return NamedPlace.from_key(keys[index])
    return NamedPlace.from_key(keys[0])


def place_asked_about(session: Session, text: str, listed: list[str] | None) -> NamedPlace | None:
    """A place the message names, else the one it refers to among those last named or listed."""
    return find_named_place(session, text) or place_meant(text, listed)
