"""Places: US ZIP codes resolved offline (the `zipcodes` package) and great-circle distances."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import zipcodes

EARTH_RADIUS_MILES = 3958.8
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class Place:
    zip_code: str
    city: str
    state: str
    latitude: float
    longitude: float
    timezone: str | None
    name: str | None = None  # a neighbourhood or city; None for a plain ZIP

    @property
    def label(self) -> str:
        """How replies name the place: the ZIP, or 'Capitol Hill', or 'Tacoma, WA'."""
        return self.name or self.zip_code


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, Place]:
    """Every US ZIP with coordinates, by code. Built once: `zipcodes.matching` scans the whole
    list on every call (10 ms), which a national import or a busy line cannot afford."""
    index = {}
    for row in zipcodes.list_all():
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        index[row["zip_code"]] = Place(
            zip_code=row["zip_code"],
            city=row.get("city") or "",
            state=row.get("state") or "",
            latitude=lat,
            longitude=lon,
            timezone=row.get("timezone") or None,
        )
    return index


def lookup_zip(text: str) -> Place | None:
    """The place of a 5-digit US ZIP (ZIP+4 accepted), or None when it is not a known ZIP."""
    match = _ZIP.match(text or "")
    return _zip_index().get(match.group(1)) if match else None


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that contains every point within `miles`."""
    dlat = miles / 69.0
    dlon = miles / max(1e-6, 69.172 * math.cos(math.radians(lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@lru_cache(maxsize=1)
def _zone_grid() -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    """ZIP centroids with their time zone, bucketed by whole degree, for nearest-ZIP look-ups."""
    grid: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for place in _zip_index().values():
        if place.timezone:
            cell = (math.floor(place.latitude), math.floor(place.longitude))
            grid.setdefault(cell, []).append((place.latitude, place.longitude, place.timezone))
    return grid


def time_zone_at(postal_code: str | None, latitude: float | None, longitude: float | None) -> str | None:
    """The IANA time zone of a place: from its ZIP code, else from the nearest ZIP to its coordinates."""
    place = lookup_zip(postal_code or "")
    if place and place.timezone:
        return place.timezone
    if latitude is None or longitude is None:
        return None
    grid = _zone_grid()
    cell_lat, cell_lon = math.floor(latitude), math.floor(longitude)
    nearby = [
        entry
        for dlat in (-1, 0, 1)
        for dlon in (-1, 0, 1)
        for entry in grid.get((cell_lat + dlat, cell_lon + dlon), ())
    ]
    if not nearby:
        return None
    return min(nearby, key=lambda e: (e[0] - latitude) ** 2 + (e[1] - longitude) ** 2)[2]
