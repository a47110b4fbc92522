"""'Text me the list': a caller who heard services read out gets the same search as an SMS,
through the outbox, at the number they call from."""
from __future__ import annotations

from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.directory.near import UnknownPlace, search_near
from bot.directory.reports import remember_listing
from bot.directory.search import UnknownServiceType
from bot.directory.sms import format_results
from bot.notify.outbox import Purpose, enqueue
from bot.privacy import sender_key


def text_list(session: Session, to_number: str, code: str, place_label: str, *, offset: int = 0,
              open_first: bool = False, language: str = "en") -> bool:
    """Queue the SMS-formatted results (the SMS page size, from the same place in the list) to
    `to_number`; False when the search can no longer be made (unknown type or place)."""
    try:
        nearby = search_near(session, code, place_label, offset=offset, open_first=open_first)
    except (UnknownServiceType, UnknownPlace):
        return False
    settings = get_settings()
    remember_listing(session, sender_key(to_number, settings.require_secret_key(), settings.default_region),
                     nearby.result.matches, offset, language)
    enqueue(session, to_number=to_number, from_number=settings.hotline_number,
            body=format_results(nearby.result, nearby.place.label, language), purpose=Purpose.DIRECTORY)
    return True
