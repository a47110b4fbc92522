"""'Text me the list': a caller who heard services read out gets the same search as an SMS,
through the outbox, at the number they call from."""
from __future__ import annotations

from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.directory import SERVICE_TYPES, find_services
from bot.directory.places import resolve_place
from bot.directory.sms import format_results
from bot.directory.reports import remember_listing
from bot.notify.outbox import enqueue
from bot.privacy import sender_key


def text_list(session: Session, to_number: str, code: str, place_label: str, *, offset: int = 0,
              open_first: bool = False, language: str = "en") -> bool:
    """Queue the SMS-formatted results (the SMS page size, from the same place in the list) to
    `to_number`; False when the search can no longer be made (unknown type or place)."""
    if code not in SERVICE_TYPES:
        return False
    place = resolve_place(session, place_label)
    if place is None:
        return False
    settings = get_settings()
    result = find_services(session, code, place, offset=offset, open_first=open_first, radius_miles=settings.search_radius_miles)
    remember_listing(session, sender_key(to_number, settings.require_secret_key(), settings.default_region),
                     result.matches, offset, language)
    enqueue(session, to_number=to_number, from_number=settings.hotline_number,
            body=format_results(result, place.label, language), purpose="directory")
    return True
