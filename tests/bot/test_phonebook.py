"""Phone numbers written in messages: stand-ins for Rasa, the numbers kept for delivery."""
import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.db.models import ContactNumber
from bot.phonebook import STAND_IN, first_stand_in, number_for, stand_in_numbers
from bot.privacy import sender_key
from tests.conftest import TEST_ENV

SECRET = TEST_ENV["HUB_SECRET_KEY"]


def stand_in(text):
    with session_scope() as session:
        return stand_in_numbers(session, text, SECRET, "US")


@pytest.mark.parametrize("written", ["206-555-0142", "(206) 555-0142", "+1 206 555 0142", "2065550142", "206.555.0142"])
def test_every_way_of_writing_a_number_becomes_the_same_stand_in(migrated_db, written):
    assert stand_in(f"call her at {written} after 3") == f"call her at tel:{sender_key('+12065550142', SECRET)} after 3"


def test_two_numbers_two_stand_ins_and_both_numbers_kept(migrated_db):
    text = stand_in("him 206-555-0142 or his sister 253-555-0107")
    assert len(STAND_IN.findall(text)) == 2 and "555" not in text
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ContactNumber)) == 2
        first, second = (match.group(0) for match in STAND_IN.finditer(text))
        assert number_for(session, first) == "+12065550142" and number_for(session, second) == "+12535550107"


@pytest.mark.parametrize("text", ["narcan 98104", "H-4821 done", "meet at 3pm on 11/23/2026", "need 2 kits", "", "🙏 gracias"])
def test_text_without_a_number_is_left_alone(migrated_db, text):
    assert stand_in(text) == text


def test_the_same_number_again_is_kept_once(migrated_db):
    assert stand_in("206-555-0142") == stand_in("2065550142")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ContactNumber)) == 1


def test_first_stand_in_reads_stand_ins_and_numbers_written_out(migrated_db):
    with session_scope() as session:
        already = stand_in_numbers(session, "at 206-555-0142", SECRET, "US")
        assert first_stand_in(session, already, SECRET, "US") == already[3:]
        assert first_stand_in(session, "at 206-555-0142", SECRET, "US") == already[3:]
        assert first_stand_in(session, "library steps, 3pm", SECRET, "US") is None


def test_an_unknown_or_malformed_stand_in_has_no_number(migrated_db):
    with session_scope() as session:
        assert number_for(session, "tel:h" + "0" * 40) is None
        assert number_for(session, "tel:nothing") is None and number_for(session, None) is None


def test_a_number_another_server_holds_at_the_same_moment_is_no_error(migrated_db, monkeypatch):
    # Seen in the production e2e run: two servers took texts of one number at once, both found no
    # held row, and the second INSERT failed on the key; the texter got the trouble reply.
    from sqlalchemy.orm import Session

    from bot.clock import utcnow
    from bot.phonebook import HELD, hold_sender_number, sender_number

    key, number = sender_key("+12065550143", SECRET), "+12065550143"
    real_get, held_meanwhile = Session.get, []

    def get_then_the_other_server_holds(self, entity, ident, *args, **kwargs):
        found = real_get(self, entity, ident, *args, **kwargs)
        if entity is ContactNumber and not held_meanwhile:
            held_meanwhile.append(ident)
            with session_scope() as other:
                other.add(ContactNumber(key=ident, number=number, seen_at=utcnow()))
        return found

    monkeypatch.setattr(Session, "get", get_then_the_other_server_holds)
    with session_scope() as session:
        hold_sender_number(session, key, number)
        stand_ins = stand_in_numbers(session, "and her sister 253-555-0107", SECRET, "US")  # the turn goes on
    assert held_meanwhile == [HELD + key] and "tel:" in stand_ins
    with session_scope() as session:
        assert sender_number(session, key) == number
        assert session.scalar(select(func.count()).select_from(ContactNumber)) == 2
