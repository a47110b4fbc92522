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

    @property
    def label(self) -> str:
        return self.zip_code


@lru_cache(maxsize=4096)
def lookup_zip(text: str) -> Place | None:
    """The place of a 5-digit US ZIP (ZIP+4 accepted), or None when it is not a known ZIP."""
    match = _ZIP.match(text or "")
    if not match:
        return None
    try:
        rows = zipcodes.matching(match.group(1))
    except (ValueError, TypeError):
        return None
    for row in rows:
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        return Place(
            zip_code=row["zip_code"],
            city=row.get("city") or "",
            state=row.get("state") or "",
            latitude=lat,
            longitude=lon,
            timezone=row.get("timezone") or None,
        )
    return None


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
