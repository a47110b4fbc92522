"""Routing before Rasa: STOP/START/HELP, specialist commands, and the relay, as the SMS channel calls it."""
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage
from bot.handoff import engine
from bot.handoff.inbound import HELP_REPLY, KEYWORD_REPLIES, START_REPLY, STOP_REPLY, route
from bot.notify.optout import is_opted_out
from bot.safety import EMERGENCY_REPLY, EMERGENCY_REPLY_ES

PERSON, PERSON_KEY = "+12065550142", "h" + "2" * 40
ANA, BEN = "+12065550111", "+12065550112"


def send(number, text, key=None):
    with session_scope() as session:
        routed = route(session, number, key or ("k" + number), text)
        return routed.handled, routed.replies


def open_handoff():
    with session_scope() as session:
        return engine.create_handoff(session, source="community", person_key=PERSON_KEY, consent_by="person",
                                     consent_text="yes", area="98104", person_number=PERSON).ref


def relays():
    with session_scope() as session:
        return [(m.to_number, m.body) for m in session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "relay"))]


def test_a_stranger_goes_to_rasa(roster):
    assert send(PERSON, "narcan 98104", PERSON_KEY) == (False, [])


def test_stop_and_start(roster):
    assert send(PERSON, "STOP", PERSON_KEY) == (True, [STOP_REPLY])
    with session_scope() as session:
        assert is_opted_out(session, PERSON_KEY)
    assert send(PERSON, "start", PERSON_KEY) == (True, [START_REPLY])
    with session_scope() as session:
        assert not is_opted_out(session, PERSON_KEY)
    assert send(PERSON, "please stop by later", PERSON_KEY) == (False, [])


def test_spanish_keywords_answer_in_spanish(roster):
    assert send(PERSON, "Alto", PERSON_KEY) == (True, [KEYWORD_REPLIES["stop", "es"]])
    with session_scope() as session:
        assert is_opted_out(session, PERSON_KEY)
    assert send(PERSON, "iniciar", PERSON_KEY) == (True, [KEYWORD_REPLIES["start", "es"]])
    with session_scope() as session:
        assert not is_opted_out(session, PERSON_KEY)
    handled, (reply,) = send(PERSON, "¡AYUDA!", PERSON_KEY)
    assert handled and "Health Hub Hotline" in reply and "ALTO" in reply and "911" in reply


def test_help_names_the_program_how_to_stop_and_911(roster):
    assert send(PERSON, "HELP", PERSON_KEY) == (True, [HELP_REPLY])
    assert "Health Hub Hotline" in HELP_REPLY and "STOP" in HELP_REPLY and "911" in HELP_REPLY
    assert send(PERSON, "help me find narcan", PERSON_KEY) == (False, [])  # a request, not the keyword
    with session_scope() as session:
        assert not is_opted_out(session, PERSON_KEY)


def test_help_from_a_specialist_lists_their_commands_and_conversation(roster):
    assert send(ANA, "help") == (True, ["You have no open conversation. Commands: ACCEPT H-1234, PASS H-1234, DONE H-1234 outcome."])
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    handled, (reply,) = send(ANA, "HELP")
    assert reply.startswith(f"You are talking with {ref}: what you text goes to them.")
    assert relays() == []  # the keyword is not relayed to the person


def test_accept_relay_and_done_by_sms(roster):
    ref = open_handoff()
    handled, replies = send(ANA, f"accept {ref.lower()}")
    assert handled and replies[0].startswith(f"You have {ref}.")
    assert send(ANA, "Hi, this is Ana from the health hub") == (True, [])
    assert send(PERSON, "hi ana, I need narcan", PERSON_KEY) == (True, [])
    assert (PERSON, "Specialist: Hi, this is Ana from the health hub") in relays()
    assert (ANA, f"{ref}: hi ana, I need narcan") in relays()
    assert send(ANA, f"DONE {ref} engaged") == (True, [f"Closed {ref} (engaged). Thank you."])
    assert send(PERSON, "thanks!", PERSON_KEY) == (False, [])  # back to the bot


def test_yes_accepts_the_one_open_alert(roster):
    ref = open_handoff()
    handled, replies = send(ANA, "YES")
    assert replies[0].startswith(f"You have {ref}.")


def test_yes_with_nothing_waiting(roster):
    assert send(BEN, "yes") == (True, ["You have no request waiting for an answer."])


def test_pass_moves_the_alert_on(roster):
    ref = open_handoff()
    assert send(ANA, f"PASS {ref}")[1] == [f"OK, you passed {ref}. We're asking someone else."]
    with session_scope() as session:
        assert session.scalar(select(Handoff.state).where(Handoff.ref == ref)) == "alerted"


def test_unknown_reference_and_missing_reference(roster):
    assert send(ANA, "ACCEPT H-0001")[1] == ["I can't find the request H-0001. Check the reference in the alert, e.g. ACCEPT H-1234."]
    assert send(ANA, "DONE")[1] == ["Add the request's reference, e.g. DONE H-1234 engaged."]


def test_a_specialist_text_with_no_open_conversation_gets_the_commands(roster):
    assert send(BEN, "hello?")[1][0].startswith("You have no open conversation.")


def test_an_emergency_during_the_relay_gets_911_first_and_reaches_the_specialist(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(PERSON, "he's not breathing", PERSON_KEY) == (True, [EMERGENCY_REPLY])
    assert (ANA, f"{ref}: he's not breathing") in relays()


def test_an_emergency_in_spanish_during_the_relay_gets_the_911_steps_in_spanish(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(PERSON, "mi hermano no respira", PERSON_KEY) == (True, [EMERGENCY_REPLY_ES])
    assert (ANA, f"{ref}: mi hermano no respira") in relays()


def test_two_open_conversations_need_the_reference(roster):
    first = open_handoff()
    send(ANA, f"ACCEPT {first}")
    with session_scope() as session:
        second = engine.create_handoff(session, source="community", person_key="h" + "3" * 40, consent_by="person",
                                       consent_text="yes", area="98104", person_number="+12065550143").ref
    send(ANA, f"ACCEPT {second}")
    assert "Start your message with the reference" in send(ANA, "hello")[1][0]
    assert send(ANA, f"{second} hello you") == (True, [])
    assert ("+12065550143", "Specialist: hello you") in relays()


def test_done_keeps_only_the_outcome_word(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(ANA, f"done {ref} Other: moved to Tacoma") == (True, [f"Closed {ref} (other). Thank you."])
