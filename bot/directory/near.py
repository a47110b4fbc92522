"""Services of one type near a place: the one use case behind a texted search, a spoken one, the
list texted after a call, and `hub directory search`. Each caller says the result its own way."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.directory.geo import Place
from bot.directory.places import resolve_place
from bot.directory.search import SearchResult, UnknownServiceType, find_services
from bot.directory.taxonomy import SERVICE_TYPES


class UnknownPlace(LookupError):
    """Neither a known ZIP code nor a place of the directory's gazetteer."""


@dataclass(frozen=True)
class Nearby:
    place: Place
    result: SearchResult


def search_near(session: Session, code: str | None, where: str | None, *, offset: int = 0,
                open_first: bool = False, limit: int | None = None) -> Nearby:
    """Services of type `code` nearest to `where` (a ZIP or a place name, as `Place.label` gives),
    within the configured radius (widened when nothing is inside it). Raises UnknownServiceType
    or UnknownPlace, for the caller to ask again in its own words."""
    if code not in SERVICE_TYPES:
        raise UnknownServiceType(code)
    place = resolve_place(session, where) if where else None
    if place is None:
        raise UnknownPlace(where)
    result = find_services(session, code, place, offset=offset, open_first=open_first,
                           radius_miles=get_settings().search_radius_miles, **({"limit": limit} if limit is not None else {}))  # type: ignore[arg-type]  # limit is an int; mypy reads the ** dict as any of the parameters
    return Nearby(place, result)
