"""Reaching the person: a handoff with no number tells the specialist how (never a silent drop),
and a long relay is split, never failed."""
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.handoff import engine, texts
from tests.bot.handoff.test_inbound import ANA, PERSON, PERSON_KEY, open_handoff, relays, send


def handoff_without_number(note):
    with session_scope() as session:
        return engine.create_handoff(session, source="officer" if note else "community", person_key="referral:x1",
                                     consent_by="officer" if note else "person", consent_text="yes", area="98104",
                                     contact_note=note).ref


def test_accepting_a_handoff_with_a_place_and_time_says_where_to_find_them(roster):
    ref = handoff_without_number("library steps on 4th, 3pm")
    handled, (reply,) = send(ANA, f"ACCEPT {ref}")
    assert reply.startswith(f"You have {ref}.") and "library steps on 4th, 3pm" in reply
    assert "no number" in reply and "Text here and it goes to them" not in reply


def test_accepting_a_handoff_from_a_withheld_number_says_there_is_no_way_back(roster):
    ref = handoff_without_number(None)
    handled, (reply,) = send(ANA, f"ACCEPT {ref}")
    assert "withheld" in reply and f"DONE {ref} unreachable" in reply


def test_a_specialist_text_to_a_handoff_with_no_number_is_answered_not_dropped(roster):
    ref = handoff_without_number("library steps, 3pm")
    send(ANA, f"ACCEPT {ref}")
    handled, (reply,) = send(ANA, "I'm on my way")
    assert handled and "nothing was sent" in reply.lower() and "library steps, 3pm" in reply
    handled, (reply,) = send(ANA, f"{ref} I'm on my way")
    assert "nothing was sent" in reply.lower()
    assert relays() == []


def bodies(to):
    with session_scope() as session:
        return list(session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_number == to, OutboxMessage.purpose == "relay")
                                    .order_by(OutboxMessage.id)))


def test_a_1600_character_message_from_the_person_is_split_within_twilios_limit(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    words = ("word " * 400)[:1600]
    assert send(PERSON, words, PERSON_KEY) == (True, [])
    parts = bodies(ANA)
    assert len(parts) == 2 and all(texts.sms_length(body) <= texts.MAX_SMS_CHARS for body in parts)
    assert parts[0].startswith(f"{ref} (1/2): ") and parts[1].startswith(f"{ref} (2/2): ")
    # Nothing lost: the parts put together are the message.
    assert " ".join(body.split(": ", 1)[1] for body in parts).split() == words.split()


def test_a_long_message_with_emoji_and_no_spaces_from_the_specialist_is_split_too(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    words = "🙂" * 800  # 1,600 UTF-16 units
    send(ANA, words)
    parts = bodies(PERSON)
    assert len(parts) == 2 and all(texts.sms_length(body) <= texts.MAX_SMS_CHARS for body in parts)
    assert "".join(body.split(": ", 1)[1] for body in parts) == words


def test_a_short_message_is_one_part_with_no_numbering(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    send(PERSON, "hi", PERSON_KEY)
    assert bodies(ANA) == [f"{ref}: hi"]
