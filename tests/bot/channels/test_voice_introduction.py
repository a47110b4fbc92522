"""The officer's three-way introduction over real HTTP: an officer calls in a referral, the call
rings a specialist, and once they take it the hotline calls the person and the three meet in one
<Conference>. Rasa is a stand-in (it opens the referral as the action would); Twilio's REST API is
a recording stand-in for call control. Every TwiML answer is parsed and checked."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.channels.call_control import CallControlError
from bot.db import session_scope
from bot.db.models import Officer, OutboxMessage
from bot.handoff import referral
from bot.handoff.roster import officer_for_key
from bot.phonebook import first_stand_in
from bot.privacy import sender_key
from tests.bot.channels.test_twilio_voice import WEBHOOK, Call, FakeRasa, handoff_log, only, query, said
from tests.bot.handoff.conftest import NOW, add
from tests.conftest import TEST_ENV

OFFICER, PERSON, HOTLINE, ANA, BEN = "+12065550181", "+12065550147", "+12065550100", "+12065550111", "+12065550112"
PUBLIC = TEST_ENV["HUB_PUBLIC_URL"]


class FakeCallControl:
    """Records what the channel asks of Twilio's REST API; can refuse either request."""

    def __init__(self):
        self.placed, self.redirected = [], []
        self.refuse_place = self.refuse_redirect = False

    def place(self, to_number, from_number, url, status_callback):
        if self.refuse_place:
            raise CallControlError("Twilio 503 20503 placing a call")
        self.placed.append({"to": to_number, "from": from_number, "url": url, "status_callback": status_callback})
        return "CA" + uuid.uuid4().hex

    def redirect(self, call_sid, url):
        if self.refuse_redirect:
            raise CallControlError(f"Twilio 400 21220 redirecting call {call_sid}")
        self.redirected.append((call_sid, url))


@pytest.fixture
def twilio(monkeypatch):
    control = FakeCallControl()
    monkeypatch.setattr("bot.channels.voice_introduction.call_control_for", lambda settings: control)
    return control


class ReferralRasa(FakeRasa):
    """Opens the officer's referral as action_submit_referral does by voice (no SMS alert; the
    call rings), and answers with the transfer."""

    def __init__(self, contact=PERSON, language="en"):
        super().__init__()
        self.contact, self.language = contact, language

    async def __call__(self, message):
        self.received.append(message)
        with session_scope() as session:
            stand_in = first_stand_in(session, self.contact, TEST_ENV["HUB_SECRET_KEY"], "US") or self.contact
            officer = officer_for_key(session, message.sender_id)
            _, handoff = referral.record_referral(
                session, officer, consent=True, reason="non_fatal_overdose", contact=stand_in, needs=["naloxone"],
                language=self.language, urgency="routine", area="98104", alert=False,
            )
            ref = handoff.ref
        await message.output_channel.send_custom_json(message.sender_id, {"voice": {"transfer": ref}})


def refer_by_phone(base_url, **rasa):
    officer = Call(base_url, sender=OFFICER)
    _, root = officer.post(WEBHOOK, FakeRasa(), StirVerstat="TN-Validation-Passed-A")  # the carrier vouches for the number
    _, root = officer.post(only(root, "Gather").get("action"), ReferralRasa(**rasa),
                           SpeechResult="referral, consented, 206 555 0147, post overdose, needs narcan")
    return officer, root


def take_in_the_whisper(base_url, root):
    """The first specialist's leg: the whisper, then 1. Returns (leg, whisper root, answer root)."""
    number = only(root.find("Dial"), "Number")
    leg = Call(base_url, sender=HOTLINE)
    _, whisper = leg.post(number.get("url"), To=number.text)
    _, answer = leg.post(only(whisper, "Gather").get("action"), To=number.text, Digits="1")
    return leg, whisper, answer


def person_answers(base_url, placed):
    person = Call(base_url, sender=HOTLINE)
    _, root = person.post(placed["url"], To=placed["to"], Direction="outbound-api")
    return person, root


def conference(root):
    dial = only(root, "Dial")
    return only(dial, "Conference")


def outbox(to):
    with session_scope() as session:
        return [m.body for m in session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == to).order_by(OutboxMessage.id))]


@pytest.fixture
def base_url(channels_base_url):
    return channels_base_url


@pytest.fixture
def roster(migrated_db):
    add("Ana", ANA, languages="en,es")
    add("Ben", BEN)
    with session_scope() as session:
        session.add(Officer(name="Ofc. Lee", phone=OFFICER, phone_key=sender_key(OFFICER, TEST_ENV["HUB_SECRET_KEY"]),
                            agency="Seattle PD", active=1, created_at=NOW))


def test_the_officer_introduces_the_person_to_the_specialist_in_one_conference(base_url, roster, twilio):
    officer, root = refer_by_phone(base_url)
    # The officer stays on the line: told so, then the first specialist rings.
    assert [child.tag for child in root] == ["Say", "Dial"]
    assert "Referral received" in said(root) and "introduce them" in said(root) and "H, " in said(root)
    handoff, _ = handoff_log()
    assert handoff.source == "officer" and handoff.state == "alerted" and outbox(ANA) == []  # rung, not texted

    leg, whisper, answer = take_in_the_whisper(base_url, root)
    assert "An officer is calling" in said(whisper) and "so that the officer can introduce you" in said(whisper)
    assert "555" not in said(whisper)
    assert "We are calling the person now" in said(answer) and answer.find("Hangup") is None
    (placed,) = twilio.placed
    assert placed["to"] == PERSON and placed["from"] == HOTLINE
    assert placed["url"].startswith(PUBLIC + "/webhooks/twilio_voice/introduce?")
    assert query(placed["url"]) == {"ref": handoff.ref, "leg": leg.sid, "lang": "en", "step": "ask"}
    assert query(placed["status_callback"]) == {"ref": handoff.ref, "step": "status"}
    # The person has the hotline's text saying who has it, before the phone even rings.
    (text,) = outbox(PERSON)
    assert "An officer asked us, with your OK" in text and handoff.ref in text

    person, ask = person_answers(base_url, placed)
    gather = only(ask, "Gather")
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf" and gather.get("actionOnEmptyResult") == "true"
    assert "An officer asked us" in said(gather) and "press 1" in said(gather) and "911" not in said(gather)
    _, joined = person.post(gather.get("action"), To=PERSON, Digits="1")
    room = conference(joined)
    assert room.text == f"health-hub-{handoff.ref}" and room.get("endConferenceOnExit") == "false"
    assert room.get("maxParticipants") == "3" and room.get("record") == "do-not-record" and room.get("waitUrl") == ""

    # The specialist's leg is moved out of the officer's <Dial> into the conference...
    ((sid, url),) = twilio.redirected
    assert sid == leg.sid and query(url) == {"ref": handoff.ref, "step": "room"}
    _, specialist_room = leg.post(url, To=ANA)
    assert conference(specialist_room).text == room.text and conference(specialist_room).get("endConferenceOnExit") == "true"
    # ...so the officer's <Dial> ends, and the officer follows them in.
    _, officer_room = officer.post(only(root, "Dial").get("action"), DialCallStatus="completed", CallStatus="in-progress")
    assert "joining" in said(officer_room) and conference(officer_room).text == room.text
    assert conference(officer_room).get("endConferenceOnExit") == "false"

    # The person's call ends after the conversation: the outcome stands.
    person.post(placed["status_callback"], To=PERSON, CallStatus="completed")
    handoff, events = handoff_log()
    assert handoff.state == "accepted"
    assert [event for event, _ in events] == ["created", "call_dialed", "accepted", "intro_dialed", "intro_joined"]
    assert not [body for body in outbox(ANA) if "did not" in body]


def test_a_person_who_does_not_press_1_is_told_they_will_get_a_text_and_the_specialist_is_told(base_url, roster, twilio):
    _, root = refer_by_phone(base_url, language="es")
    _, _, _ = take_in_the_whisper(base_url, root)
    (placed,) = twilio.placed
    person, ask = person_answers(base_url, placed)
    assert only(ask, "Gather").find("Say").get("language") == "es-US" and "oprima 1" in said(ask)  # the person's language
    _, later = person.post(only(ask, "Gather").get("action"), To=PERSON, Digits="")
    assert [child.tag for child in later] == ["Say", "Hangup"] and "te escribirá" in said(later)
    person.post(placed["status_callback"], To=PERSON, CallStatus="completed")  # settled already
    assert twilio.redirected == []
    notices = [body for body in outbox(ANA) if "did not join" in body]
    assert len(notices) == 1 and "text here" in notices[0]
    assert [event for event, _ in handoff_log()[1]][-2:] == ["intro_dialed", "intro_declined"]


def test_no_answer_reaches_the_specialist_by_sms(base_url, roster, twilio):
    _, root = refer_by_phone(base_url)
    take_in_the_whisper(base_url, root)
    (placed,) = twilio.placed
    status, empty = Call(base_url, sender=HOTLINE).post(placed["status_callback"], To=PERSON, CallStatus="no-answer")
    assert status == 200 and len(empty) == 0
    assert [body for body in outbox(ANA) if "did not answer" in body]
    assert [event for event, _ in handoff_log()[1]][-1] == "intro_no_answer"


@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep", "fax"])
def test_a_voicemail_hears_nothing_and_the_specialist_is_told_by_sms(base_url, roster, twilio, answered_by):
    """A voicemail can be heard by others: it is never told that an officer asked, or anything."""
    _, root = refer_by_phone(base_url)
    take_in_the_whisper(base_url, root)
    (placed,) = twilio.placed
    person = Call(base_url, sender=HOTLINE)
    _, machine = person.post(placed["url"], To=PERSON, Direction="outbound-api", AnsweredBy=answered_by)
    assert [child.tag for child in machine] == ["Hangup"]
    person.post(placed["status_callback"], To=PERSON, CallStatus="completed")
    assert [body for body in outbox(ANA) if "did not answer" in body]
    assert [event for event, _ in handoff_log()[1]][-2:] == ["intro_dialed", "intro_no_answer"]
    # A person (or Twilio unsure) is asked as before.
    _, ask = Call(base_url, sender=HOTLINE).post(placed["url"], To=PERSON, Direction="outbound-api", AnsweredBy="unknown")
    assert "press 1" in said(ask)


def test_a_person_who_joins_after_the_specialist_left_hears_plain_words(base_url, roster, twilio):
    _, root = refer_by_phone(base_url)
    take_in_the_whisper(base_url, root)
    twilio.refuse_redirect = True  # the officer or the specialist hung up meanwhile
    person, ask = person_answers(base_url, twilio.placed[0])
    _, gone = person.post(only(ask, "Gather").get("action"), To=PERSON, Digits="1")
    assert [child.tag for child in gone] == ["Say", "Hangup"] and "no longer on the line" in said(gone)
    assert [event for event, _ in handoff_log()[1]][-3:] == ["intro_dialed", "intro_joined", "intro_failed"]
    assert [body for body in outbox(ANA) if "could not bring the person" in body]


def test_when_twilio_cannot_place_the_call_the_specialist_hears_so_and_the_text_stands(base_url, roster, twilio):
    twilio.refuse_place = True
    _, root = refer_by_phone(base_url)
    _, _, answer = take_in_the_whisper(base_url, root)
    assert "We could not call the person" in said(answer) and answer.find("Hangup") is None  # still bridged to the officer
    assert [event for event, _ in handoff_log()[1]][-1] == "intro_failed"
    assert len(outbox(PERSON)) == 1


def test_a_referral_with_a_place_instead_of_a_number_connects_officer_and_specialist_only(base_url, roster, twilio):
    _, root = refer_by_phone(base_url, contact="under the Jackson St bridge, mornings")
    assert "introduce them" not in said(root) and "tell them about the person" in said(root)
    _, whisper, answer = take_in_the_whisper(base_url, root)
    assert "introduce you" not in said(whisper) and "calling the person" not in said(answer)
    assert twilio.placed == []


def test_without_a_twilio_account_the_officer_still_reaches_a_specialist(base_url, roster):
    _, root = refer_by_phone(base_url)  # the tests' settings: no account, no call control
    assert "tell them about the person" in said(root) and only(root.find("Dial"), "Number").text == ANA
    _, whisper, answer = take_in_the_whisper(base_url, root)
    assert "introduce you" not in said(whisper) and "Connecting you now" in said(answer)
    assert handoff_log()[0].state == "accepted" and len(outbox(PERSON)) == 1


def test_nobody_picks_up_the_officer_hears_who_will_contact_the_person(base_url, roster, twilio):
    officer, root = refer_by_phone(base_url)
    _, root = officer.post(only(root, "Dial").get("action"), DialCallStatus="no-answer")
    _, root = officer.post(only(root, "Dial").get("action"), DialCallStatus="busy")
    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]
    assert "has the referral by text and will contact the person" in said(root) and "call or text you back" not in said(root)
    handoff, events = handoff_log()
    assert handoff.state == "alerted" and [event for event, _ in events][-1] == "alerted"
    assert twilio.placed == []


def test_forged_or_unsigned_introduction_requests_are_refused(base_url, roster, twilio):
    url = f"{PUBLIC}/webhooks/twilio_voice/introduce?ref=H-1234&leg=CA1&step=answer"
    for signature in (None, "forged"):
        status, _ = Call(base_url, sender=HOTLINE).post(url, signature=signature, Digits="1")
        assert status == 403
    assert twilio.redirected == []


@pytest.mark.parametrize("kind, language, heard, texted", [
    ("ems", "en", "A paramedic asked us, with your OK", "A paramedic asked us, with your OK"),
    ("fire", "es", "Un bombero nos pidió, con tu permiso", "Un bombero nos pidió, con tu permiso"),
])
def test_the_person_hears_which_crew_asked_for_them(base_url, roster, twilio, kind, language, heard, texted):
    with session_scope() as session:
        session.scalar(select(Officer).where(Officer.phone == OFFICER)).kind = kind
    _, root = refer_by_phone(base_url, language=language)
    _, whisper, _ = take_in_the_whisper(base_url, root)
    crew = {"ems": "paramedic", "fire": "firefighter"}[kind]
    assert "is calling to refer a person" in said(whisper) and f"so that the {crew} can introduce you" in said(whisper)
    (placed,) = twilio.placed
    (text,) = outbox(PERSON)
    assert texted in text and "oficial" not in text and "officer" not in text
    _, ask = person_answers(base_url, placed)
    greeting = said(only(ask, "Gather"))
    assert greeting.count(heard) == 2  # said twice
    assert "officer" not in greeting and "oficial" not in greeting
