"""An officer's three-way introduction through the real path: signed Twilio Voice webhooks, Rasa with
the trained model, the action server, the database, and Twilio's REST API played by a recording
stand-in (tests/bot/notify/twilio_double.py) that the hotline reaches through TWILIO_API_BASE_URL,
as it would reach api.twilio.com. The test plays Twilio's part: it posts each webhook, signed, to
the URL the last TwiML or REST request named."""
from __future__ import annotations

import pytest

from tests.bot.notify.twilio_double import TwilioDouble
from tests.conftest import TWILIO_ACCOUNT
from tests.e2e.conftest import running_hotline
from tests.e2e.test_voice_end_to_end import Caller, gather, handoff_row, latest_ref, log_events, said

pytestmark = pytest.mark.e2e

LEE, ANA, HOTLINE = "+12065550181", "+12065550111", "+12065550100"


@pytest.fixture(scope="module")
def twilio():
    with TwilioDouble() as double:
        yield double


@pytest.fixture(scope="module")
def hotline(trained_model, tmp_path_factory, twilio):
    # A Twilio account, so there is call control; messages still go to the outbox, to be read back.
    with running_hotline(trained_model, tmp_path_factory.mktemp("introduction"), TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT,
                         TWILIO_API_BASE_URL=twilio.url, HUB_TRANSPORT="outbox", HUB_SIMULATOR="off") as running:
        yield running


def refer(hotline, person):
    officer = Caller(hotline, LEE)
    officer.dial_in()
    root = officer.post(SpeechResult=f"Referral: consented, {person[2:5]}-{person[5:8]}-{person[8:]}, post OD, needs narcan")
    assert [child.tag for child in root] == ["Say", "Dial"], said(root)
    return officer, root


def leg_answers(hotline, url, to, **fields):
    leg = Caller(hotline, HOTLINE)  # a call of its own: a new CallSid
    return leg, leg.post(url, To=to, **fields)


def test_the_officer_stays_on_the_line_and_introduces_the_person(hotline, twilio):
    person = "+12065550147"
    officer, root = refer(hotline, person)
    ref = latest_ref(hotline)
    assert "Referral received" in said(root) and "introduce them" in said(root)
    assert hotline.outbox(ANA) == []  # the call rings Ana; no SMS alert
    number = root.find("Dial").find("Number")
    assert number.text == ANA

    # Ana's phone: the whisper, then 1.
    leg, whisper = leg_answers(hotline, number.get("url"), ANA)
    assert "An officer is calling" in said(whisper) and "introduce you" in said(whisper)
    accepted = leg.post(gather(whisper).get("action"), To=ANA, Digits="1")
    assert "We are calling the person now" in said(accepted)
    (placed,) = [call for call in twilio.calls if call["to"] == person]
    assert placed["from"] == HOTLINE and placed["url"].endswith("step=ask")
    assert any("An officer asked us, with your OK" in m["body"] for m in hotline.outbox(person))

    # The person's phone, as Twilio posts to the URL it was given; they press 1.
    callee, ask = leg_answers(hotline, placed["url"], person, Direction="outbound-api")
    assert "press 1" in said(ask)
    joined = callee.post(gather(ask).get("action"), To=person, Digits="1")
    room = joined.find("Dial").find("Conference").text
    assert room == f"health-hub-{ref}"

    # Twilio moves Ana's leg as asked; the officer's <Dial> ends and the officer follows.
    (redirect,) = [r for r in twilio.redirects if r["sid"] == leg.sid]
    specialist = leg.post(redirect["url"], To=ANA)
    assert specialist.find("Dial").find("Conference").text == room
    assert specialist.find("Dial").find("Conference").get("endConferenceOnExit") == "true"
    officer_room = officer.post(root.find("Dial").get("action"), DialCallStatus="completed")
    assert officer_room.find("Dial").find("Conference").text == room

    assert handoff_row(hotline, ref)[0] == "accepted"
    events = log_events(hotline, ref)
    assert [event for event, *_ in events] == ["created", "call_dialed", "accepted", "intro_dialed", "intro_joined"]
    assert not [row for row in events if "555" in str(row[2] or "")]


def test_a_person_who_does_not_answer_is_reached_by_text(hotline, twilio):
    person = "+12065550148"
    _, root = refer(hotline, person)
    ref = latest_ref(hotline)
    number = root.find("Dial").find("Number")  # Ben now: Ana has the first test's handoff open
    leg, whisper = leg_answers(hotline, number.get("url"), number.text)
    leg.post(gather(whisper).get("action"), To=number.text, Digits="1")
    (placed,) = [call for call in twilio.calls if call["to"] == person]
    leg_answers(hotline, placed["status_callback"], person, CallStatus="no-answer")
    assert [event for event, *_ in log_events(hotline, ref)][-2:] == ["intro_dialed", "intro_no_answer"]
    assert any(ref in m["body"] and "did not answer" in m["body"] for m in hotline.outbox(number.text))
    assert any(ref in m["body"] for m in hotline.outbox(person))  # the text that says who has it


def test_the_referral_questions_are_asked_in_words_for_the_phone(hotline, twilio):
    person = "+12065550149"
    officer = Caller(hotline, "+12065550182")  # Dep. Kim
    officer.dial_in()
    root = officer.post(SpeechResult="I have a referral")
    assert "Say yes or no" in said(root) and "Reply" not in said(root)
    root = officer.post(SpeechResult="yes")
    assert "key in their phone number" in said(root)
    root = officer.post(Digits=person[2:])  # keyed in, ended by #
    assert "Press 1 after a non-fatal overdose" in said(root)
    root = officer.post(Digits="2")
    assert [child.tag for child in root] == ["Say", "Dial"] and "introduce them" in said(root)
    ref = latest_ref(hotline)
    assert handoff_row(hotline, ref)[2] == person


def test_a_paramedic_refers_by_phone_and_the_person_hears_who_asked(hotline, twilio):
    medic, person = "+12065550184", "+12065550150"
    hotline.hub("roster", "add-officer", "--name", "Medic Diaz", "--phone", medic, "--agency", "Seattle Fire", "--kind", "ems")
    crew = Caller(hotline, medic)
    crew.dial_in()
    root = crew.post(SpeechResult=f"Referral: consented, {person[2:5]}-{person[5:8]}-{person[8:]}, post OD, needs narcan")
    assert [child.tag for child in root] == ["Say", "Dial"], said(root)
    ref = latest_ref(hotline)
    number = root.find("Dial").find("Number")
    leg, whisper = leg_answers(hotline, number.get("url"), number.text)
    assert "A paramedic is calling to refer a person" in said(whisper) and "so that the paramedic can introduce you" in said(whisper)
    leg.post(gather(whisper).get("action"), To=number.text, Digits="1")
    (placed,) = [call for call in twilio.calls if call["to"] == person]
    (text,) = [m["body"] for m in hotline.outbox(person) if ref in m["body"]]
    assert "A paramedic asked us, with your OK" in text and "officer" not in text
    _, ask = leg_answers(hotline, placed["url"], person, Direction="outbound-api")
    assert "A paramedic asked us, with your OK" in said(ask) and "the paramedic are on the line" in said(ask)
    assert "officer" not in said(ask)
