"""Routing before Rasa: STOP/START/HELP, specialist commands, and the relay, as the SMS channel calls it."""
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import AlertSubscription, BatchReport, Handoff, ListingReport, OutboxMessage, Specialist
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
    assert send(ANA, "help") == (True, ["You have no open conversation. Commands: ACCEPT H-12345, PASS H-12345, DONE H-12345 outcome, OFF, ON."])
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
    assert send(ANA, "ACCEPT H-0001")[1] == ["H-0001 isn't a request open to you, so nothing changed. Check the reference in your alert."]
    assert send(ANA, "DONE")[1] == ["Add the request's reference, e.g. DONE H-12345 engaged. How it ended: reached, engaged, declined, unreachable or other."]


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


def test_report_and_alerts_words_in_a_relay_reach_the_specialist(roster):
    """Review 8, scenario B: while a specialist is talking with them, a person's REPORT or ALERTS
    is words for the specialist, not a bad-batch report or a subscription."""
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    words = ("Reporto que ya estoy en la biblioteca", "Report: I'm at the library now", "REPORT",
             "reporte, no encuentro la puerta", "ALERTS me when you get here", "alertas 98104", "Alerts off, lol",
             "Cedar Street Syringe is closed today")
    for text in words:
        assert send(PERSON, text, PERSON_KEY) == (True, []), text
    assert [body for to, body in relays() if to == ANA] == [f"{ref}: {text}" for text in words]
    with session_scope() as session:
        assert session.scalars(select(BatchReport)).all() == []
        assert session.scalars(select(AlertSubscription)).all() == []
        assert session.scalars(select(ListingReport)).all() == []


def test_stop_help_and_an_overdose_still_come_first_in_a_relay(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(PERSON, "HELP", PERSON_KEY) == (True, [HELP_REPLY])
    assert send(PERSON, "ayuda", PERSON_KEY) == (True, [KEYWORD_REPLIES["help", "es"]])
    assert send(PERSON, "REPORT he's not breathing", PERSON_KEY) == (True, [EMERGENCY_REPLY])
    assert send(PERSON, "reporto que mi amigo no respira", PERSON_KEY) == (True, [EMERGENCY_REPLY_ES])
    assert [body for to, body in relays() if to == ANA] == [
        f"{ref}: REPORT he's not breathing", f"{ref}: reporto que mi amigo no respira"]
    with session_scope() as session:
        assert session.scalars(select(BatchReport)).all() == []
    assert send(PERSON, "STOP", PERSON_KEY) == (True, [STOP_REPLY])
    with session_scope() as session:
        assert is_opted_out(session, PERSON_KEY)


def test_two_open_conversations_need_the_reference(roster):
    first = open_handoff()
    send(ANA, f"ACCEPT {first}")
    with session_scope() as session:
        second = engine.create_handoff(session, source="community", person_key="h" + "3" * 40, consent_by="person",
                                       consent_text="yes", area="98122", person_number="+12065550143").ref
    send(ANA, f"ACCEPT {second}")
    assert "Start your message with the reference" in send(ANA, "hello")[1][0]
    assert send(ANA, f"{second} hello you") == (True, [])
    assert ("+12065550143", "Specialist: hello you") in relays()


def test_done_keeps_only_the_outcome_word(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(ANA, f"done {ref} Other: moved to Tacoma") == (True, [f"Closed {ref} (other). Thank you."])


def other_handoff(area="98122", number="+12065550143", key="h" + "3" * 40):
    """A second request; only Ana covers 98122, so she is alerted."""
    with session_scope() as session:
        return engine.create_handoff(session, source="community", person_key=key, consent_by="person",
                                     consent_text="yes", area=area, person_number=number).ref


def handoff_state(ref):
    with session_scope() as session:
        return session.scalar(select(Handoff.state).where(Handoff.ref == ref))


def test_words_that_begin_like_a_command_are_relayed_to_the_person(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    for words in ("Yes I can bring narcan at 3pm", "Done? I'm outside the library", "Pass by the clinic at 5",
                  "accept my apologies, running late"):
        assert send(ANA, words) == (True, [])
        assert (PERSON, f"Specialist: {words}") in relays()
    assert handoff_state(ref) == "accepted"


def test_yes_with_words_does_not_accept_another_pending_alert(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    other = other_handoff()
    assert send(ANA, "yes, I'll be there") == (True, [])
    assert (PERSON, "Specialist: yes, I'll be there") in relays()
    assert handoff_state(other) == "alerted"
    # The bare keyword is still the command: the one waiting alert is taken.
    assert send(ANA, "YES")[1][0].startswith(f"You have {other}.")
    assert handoff_state(other) == "accepted"


def test_a_bare_command_in_a_relay_is_a_command_not_relayed(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    handled, (reply,) = send(ANA, "done")
    assert ref in reply and "DONE" in reply
    assert send(ANA, f"Done {ref} reached") == (True, [f"Closed {ref} (reached). Thank you."])
    assert relays() == []


def test_a_bare_yes_with_nothing_waiting_in_a_relay_reaches_the_person(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(ANA, "Yes!") == (True, [])
    assert (PERSON, "Specialist: Yes!") in relays()


def test_only_someone_alerted_or_the_coordinator_may_accept(roster):
    ref = open_handoff()  # Ana is alerted
    cy = "+12065550113"
    handled, (refused,) = send(cy, f"ACCEPT {ref}")
    assert handoff_state(ref) == "alerted" and "nothing changed" in refused
    assert send("+12065550119", f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")


def test_unknown_taken_and_not_yours_get_the_same_answer(roster):
    ref = open_handoff()
    send(ANA, f"PASS {ref}")  # Ben is alerted next
    send(BEN, f"ACCEPT {ref}")
    taken = send(ANA, f"ACCEPT {ref}")[1][0]  # Ana was alerted, but Ben has it
    not_yours = send("+12065550113", f"ACCEPT {ref}")[1][0]  # Cy was never alerted
    unknown_ref = "H-" + str(int(ref[2:]) % 99999 + 1).zfill(5)
    unknown = send(ANA, f"ACCEPT {unknown_ref}")[1][0]
    assert taken == not_yours == unknown.replace(unknown_ref, ref)
    assert send("+12065550113", f"DONE {ref} reached")[1][0] == taken


def test_a_typo_in_a_reference_changes_nothing(roster):
    ref = open_handoff()
    typo = ref[:-2] + ref[-1] + ref[-2] if ref[-1] != ref[-2] else ref[:-1] + str((int(ref[-1]) + 1) % 10)
    assert "nothing changed" in send(ANA, f"ACCEPT {typo}")[1][0]
    assert handoff_state(ref) == "alerted"


def test_references_made_before_check_digits_keep_working(roster):
    ref = open_handoff()
    with session_scope() as session:
        session.get(Handoff, session.scalar(select(Handoff.id).where(Handoff.ref == ref))).ref = "H-4821"
    assert send(ANA, "ACCEPT H-4821")[1][0].startswith("You have H-4821.")
    assert send(ANA, "H-4821 hello") == (True, [])
    assert (PERSON, "Specialist: hello") in relays()
    assert send(ANA, "DONE H-4821 engaged")[1] == ["Closed H-4821 (engaged). Thank you."]


def test_done_with_an_outcome_closes_the_one_open_conversation(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert send(ANA, "Done, reached.") == (True, [f"Closed {ref} (reached). Thank you."])
    assert relays() == []  # the outcome is never sent to the person


def test_done_with_an_outcome_and_two_conversations_asks_which(roster):
    first = open_handoff()
    send(ANA, f"ACCEPT {first}")
    second = other_handoff()
    send(ANA, f"ACCEPT {second}")
    assert "Add the request's reference" in send(ANA, "done engaged")[1][0]
    assert handoff_state(first) == handoff_state(second) == "accepted"


def test_a_persons_status_says_where_their_request_stands(roster):
    """What the line's "text STATUS if you asked for a person" (HUB_ACTION_TIMEOUT's words, issue
    33) promises a community member: their latest request, in their language."""
    assert send(PERSON, "STATUS", PERSON_KEY) == (True, [
        "We have no request for a person from this number. Text \"talk to someone\" if you want to talk with a harm reduction specialist."])
    handled, (reply,) = send(PERSON, "estado?", PERSON_KEY)
    assert handled and reply.startswith("No tenemos ninguna solicitud")
    ref = open_handoff()
    handled, (reply,) = send(PERSON, " status. ", PERSON_KEY)
    assert handled and f"Your request ({ref}) is waiting for a specialist" in reply and "911" in reply
    assert send(PERSON, "status of my narcan order 98104", PERSON_KEY) == (False, [])  # words for the assistant
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        engine.accept(session, session.get(Specialist, handoff.specialist_id), ref)
    assert send(PERSON, "STATUS", PERSON_KEY) == (True, [])  # in the conversation: the word goes to the specialist
    assert relays()[-1][1].endswith("STATUS")
