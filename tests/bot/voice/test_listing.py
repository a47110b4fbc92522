"""'Text me the list': the caller gets the SMS search at the number they call from, through the
outbox, from where the spoken list had got to; nothing when the search can no longer be made."""
import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.voice.listing import text_list

CALLER = "+12065550142"


def listed(code="naloxone", place="98104", **kwargs):
    with session_scope() as session:
        queued = text_list(session, CALLER, code, place, **kwargs)
    with session_scope() as session:
        rows = [(m.to_number, m.from_number, m.purpose, m.body)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    return queued, rows


def test_the_list_goes_to_the_caller_from_the_hotline_through_the_outbox(demo_db):
    queued, rows = listed()
    assert queued and len(rows) == 1
    to, sender, purpose, body = rows[0]
    assert (to, sender, purpose) == (CALLER, "+12065550100", "directory")
    assert body.startswith("Naloxone (Narcan) near 98104:\n1) ") and body.endswith("Reply MORE for more.")


def test_the_list_follows_the_caller_s_language_and_place_in_the_list(demo_db):
    _, spanish = listed(language="es")
    assert spanish[0][3].startswith("Naloxona (Narcan) cerca de 98104:")
    _, more = listed(offset=3)
    assert more[-1][3].startswith("More naloxone (Narcan) near 98104:\n4) ")


def test_open_first_is_kept(demo_db):
    _, rows = listed(code="moud", open_first=True)
    header = rows[0][3].splitlines()[0]
    assert header.startswith("Medication for opioid use disorder") and header.endswith(", open now first:")


def test_a_place_name_is_searched_as_on_the_phone(demo_db):
    queued, rows = listed(place="Capitol Hill")
    assert queued and rows[0][3].startswith("Naloxone (Narcan) near Capitol Hill:")


@pytest.mark.parametrize("code, place", [
    ("heroin", "98104"), ("", "98104"),  # not a service type (a forged query string, or a type since removed)
    ("naloxone", "00000"), ("naloxone", ""), ("naloxone", "Atlantis 🌊"), ("naloxone", "9" * 1600),
])
def test_nothing_is_queued_when_the_search_can_no_longer_be_made(demo_db, code, place):
    assert listed(code=code, place=place) == (False, [])
