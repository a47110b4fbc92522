"""Where the texter is: a ZIP code, a city in the directory's states, a neighbourhood that
occurs in the directory (HSDS `address.region`), or a landmark of the line's area
(landmarks.csv: "near pike place", "by the locks", "the u district"), found in free text."""
from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from statistics import mean
from typing import TypeVar

import zipcodes
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Address, Location
from bot.directory.geo import Place, lookup_zip, time_zone_at
from bot.phonebook import STAND_IN

_ZIP_IN_TEXT = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_PREPOSITION = {"in", "near", "around", "by", "at", "from", "en", "cerca", "de"}
_MAX_WORDS = 4
_CACHE_SECONDS = 60.0
# Landmarks and the names people give places the directory calls otherwise, with where they are.
# The line's own area: a deployment elsewhere replaces the file. Only those in the directory's
# states are known, as with cities.
LANDMARKS = Path(__file__).with_name("landmarks.csv")


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "")))


@dataclass(frozen=True)
class PlaceMatch:
    """A place found in a message; `unknown_zip` when the message has a ZIP that does not exist."""

    place: Place | None
    unknown_zip: str | None = None


class Gazetteer:
    """Names the hotline understands, by normalised name. Neighbourhoods and landmarks win over
    cities."""

    def __init__(self, neighbourhoods: dict[str, Place], cities: dict[str, Place],
                 landmarks: dict[str, Place] | None = None):
        # A neighbourhood of the directory keeps its name where a landmark shares it.
        self.neighbourhoods = {**(landmarks or {}), **neighbourhoods}
        self.cities = cities

    def get(self, name: str) -> Place | None:
        key = normalise(name)
        key = re.sub(r" [a-z]{2}$", "", key) if key not in self.neighbourhoods and key not in self.cities else key
        return self.neighbourhoods.get(key) or self.cities.get(key)

    def find(self, text: str) -> Place | None:
        """The longest known name in `text`; a one-word city only after a preposition or alone,
        since city names such as Index, George or Plain are also ordinary words."""
        words = normalise(text).split()
        best: tuple[int, int, Place] | None = None
        for size in range(min(_MAX_WORDS, len(words)), 0, -1):
            for start in range(0, len(words) - size + 1):
                key = " ".join(words[start : start + size])
                place = self.neighbourhoods.get(key)
                if place is None and key in self.cities:
                    guarded = size > 1 or len(words) <= 2 or (start > 0 and words[start - 1] in _PREPOSITION)
                    place = self.cities[key] if guarded else None
                if place is not None and (best is None or size > best[0]):
                    best = (size, start, place)
            if best:
                return best[2]
        return None


def _build(session: Session) -> Gazetteer:
    rows = session.execute(
        select(Address.region, Address.city, Address.state_province, Address.postal_code, Location.latitude, Location.longitude)
        .join(Location, Location.id == Address.location_id)
        .where(Location.latitude.is_not(None))
        .where(Location.outside_us.is_(False))  # a Berlin "Mitte" is no texter's neighbourhood
    ).all()
    groups: dict[str, list] = {}
    states = set()
    for region, city, state, postal, lat, lon in rows:
        states.add((state or "").upper())
        if region:
            groups.setdefault(normalise(region), []).append((region, city, state, postal, lat, lon))
    neighbourhoods = {}
    for key, members in groups.items():
        region, city, state, postal = members[0][:4]
        lat, lon = mean(m[4] for m in members), mean(m[5] for m in members)
        neighbourhoods[key] = Place(postal, city or "", state or "", lat, lon, time_zone_at(postal, lat, lon), name=region)
    by_city: dict[tuple[str, str], list[Place]] = {}
    for row in zipcodes.list_all():
        if row.get("state") in states and row.get("city") and row.get("active"):
            place = lookup_zip(row["zip_code"])
            if place:
                by_city.setdefault((row["city"], row["state"]), []).append(place)
    cities = {}
    for (city, state), places in sorted(by_city.items(), key=lambda item: -len(item[1])):
        key = normalise(city)
        if key in cities:  # the same name in two states: the larger city keeps the plain name
            continue
        first = places[0]
        name = f"{city.title()}, {state}"
        cities[key] = replace(first, latitude=mean(p.latitude for p in places), longitude=mean(p.longitude for p in places), name=name)
    return Gazetteer(neighbourhoods, cities, {key: place for key, place in landmarks().items() if place.state in states})


@lru_cache(maxsize=1)
def landmarks(path: Path = LANDMARKS) -> dict[str, Place]:
    """Each landmark by its normalised name and by each name it is also called."""
    known: dict[str, Place] = {}
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            zip_place = lookup_zip(row["postal_code"])
            if zip_place is None:
                raise ValueError(f"{path.name}: {row['name']}: unknown postal_code {row['postal_code']!r}")
            lat, lon = float(row["latitude"]), float(row["longitude"])
            place = Place(zip_place.zip_code, zip_place.city.title(), zip_place.state, lat, lon,
                          time_zone_at(zip_place.zip_code, lat, lon), name=row["name"])
            for name in [row["name"], *(row["also_called"] or "").split(";")]:
                if normalise(name):
                    known[normalise(name)] = place
    return known


_cache: dict[str, tuple[float, Gazetteer]] = {}
_T = TypeVar("_T")


def built_from_directory(cache: dict, session: Session, build: Callable[[Session], _T]) -> _T:
    """`build(session)`, kept per database in `cache` and rebuilt at most once a minute, so that
    an import shows up without rebuilding on every message."""
    key = str(session.get_bind().url)
    cached = cache.get(key)
    if cached is None or time.monotonic() - cached[0] > _CACHE_SECONDS:
        cached = (time.monotonic(), build(session))
        cache[key] = cached
    return cached[1]


def gazetteer(session: Session) -> Gazetteer:
    """The directory's neighbourhoods and cities (built_from_directory)."""
    return built_from_directory(_cache, session, _build)


def find_place(session: Session, text: str) -> PlaceMatch:
    """The place a message names: a ZIP first, then a neighbourhood or city."""
    # A number's stand-in (tel: and its HMAC key) is no place, though its hex may hold 5 digits in a row.
    text = STAND_IN.sub(" ", text or "")
    zip_match = _ZIP_IN_TEXT.search(text)
    if zip_match:
        place = lookup_zip(zip_match.group(1))
        return PlaceMatch(place) if place else PlaceMatch(None, unknown_zip=zip_match.group(1))
    return PlaceMatch(gazetteer(session).find(text or ""))


_NAMED = re.compile(r"\b(?:in|near|at|around|by|from|en|cerca de)\s+(.+)$", re.I)


def named_place(text: str) -> str:
    """The words of a message that name a place, for repeating them back: 'im in blahville' ->
    'blahville'."""
    text = (text or "").strip().rstrip("?!. ")
    match = _NAMED.search(text)
    return (match.group(1) if match else text)[:40]


def resolve_place(session: Session, value: str) -> Place | None:
    """A stored place value (a ZIP or a gazetteer name, as `Place.label` gives) back to a Place."""
    return lookup_zip(value) or gazetteer(session).get(value)
