"""Who is calling the voice line, over real HTTP (Rasa a stand-in): withheld caller IDs are each
their own conversation with no callback number; a registered officer's number is the officer only
with STIR/SHAKEN attestation A or the officer's PIN, keyed when the call begins."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.voice_caller import ATTESTATION_A, caller_id_withheld
from bot.db import session_scope
from bot.db.models import Officer, OutboxMessage
from bot.handoff.officer_pins import MAX_PIN_FAILURES, set_pin
from bot.privacy import sender_key
from tests.bot.channels.test_twilio_voice import (
    CALLER,
    WEBHOOK,
    Call,
    FakeRasa,
    handoff_log,
    only,
    query,
    said,
    transfer_rasa,
)
from tests.bot.handoff.conftest import NOW, add
from tests.conftest import TEST_ENV

OFFICER = "+12065550181"
OFFICER_KEY = sender_key(OFFICER, TEST_ENV["HUB_SECRET_KEY"])
WITHHELD = ["Anonymous", "Restricted", "+266696687", "+86282452253", "+8656696", "+7378742833", "+2562533"]


@pytest.fixture
def base_url(channels_base_url):
    return channels_base_url


@pytest.fixture
def officer(migrated_db):
    with session_scope() as session:
        session.add(Officer(name="Ofc. Lee", phone=OFFICER, phone_key=OFFICER_KEY, agency="Seattle PD", active=1, created_at=NOW))


def with_pin(pin="4821"):
    with session_scope() as session:
        set_pin(session.scalar(select(Officer).where(Officer.phone == OFFICER)), pin)


def two_turns(call, **first):
    """The call's start and one spoken turn; the keys Rasa was given, in order."""
    rasa = FakeRasa()
    _, root = call.post(WEBHOOK, rasa, **first)
    call.post(only(root, "Gather").get("action"), rasa, SpeechResult="what's the status of my referral")
    return [m.sender_id for m in rasa.received]


def test_twilio_s_withheld_caller_ids_are_known():
    assert all(caller_id_withheld(sender) for sender in WITHHELD + ["anonymous", "", None, " RESTRICTED "])
    assert not caller_id_withheld("+12065550142") and not caller_id_withheld("+12665550166")


@pytest.mark.parametrize("sender", WITHHELD)
def test_each_withheld_caller_is_a_conversation_of_their_own_with_no_callback_number(base_url, migrated_db, sender):
    add("Ana", "+12065550111")
    first, second = Call(base_url, sender=sender), Call(base_url, sender=sender)
    keys = two_turns(first) + two_turns(second)
    assert keys[0] == keys[1] and keys[2] == keys[3] and keys[0] != keys[2]  # one call, one conversation
    assert sender_key(sender, TEST_ENV["HUB_SECRET_KEY"]) not in keys

    _, root = first.post(WEBHOOK + "?step=talk&t=5", transfer_rasa(), SpeechResult="yes")
    handoff, _ = handoff_log()
    assert handoff.person_key == keys[0] and handoff.person_number is None
    assert root.find("Dial") is not None  # still put through to a specialist


def test_an_officer_s_number_without_attestation_or_pin_is_a_community_member(base_url, officer):
    keys = two_turns(Call(base_url, sender=OFFICER))
    assert OFFICER_KEY not in keys and keys[0] == keys[1]
    keys = two_turns(Call(base_url, sender=OFFICER), StirVerstat="TN-Validation-Passed-B")
    assert OFFICER_KEY not in keys


def test_attestation_a_makes_the_call_the_officer_s_for_every_turn(base_url, officer):
    # Twilio sends StirVerstat with the call's first request; later turns are known by the CallSid.
    assert two_turns(Call(base_url, sender=OFFICER), StirVerstat=ATTESTATION_A) == [OFFICER_KEY, OFFICER_KEY]


def test_the_right_pin_makes_the_call_the_officer_s(base_url, officer):
    with_pin()
    call, rasa = Call(base_url, sender=OFFICER), FakeRasa()
    _, prompt = call.post(WEBHOOK, rasa)
    gather = only(prompt, "Gather")
    assert gather.get("input") == "dtmf" and gather.get("finishOnKey") == "#" and "PIN" in said(gather)
    assert query(gather.get("action"))["step"] == "pin" and rasa.received == []  # nothing to Rasa before the PIN
    _, root = call.post(gather.get("action"), rasa, Digits="4821")
    assert "Health Hub" in said(root) and "not accepted" not in said(root)
    call.post(only(root, "Gather").get("action"), rasa, SpeechResult="status H-1234")
    assert [m.sender_id for m in rasa.received] == [OFFICER_KEY, OFFICER_KEY]


def test_a_wrong_or_no_pin_is_a_community_member_and_repeated_failures_stop_the_pin(base_url, officer):
    with_pin()
    for _ in range(MAX_PIN_FAILURES):
        call, rasa = Call(base_url, sender=OFFICER), FakeRasa()
        _, prompt = call.post(WEBHOOK, rasa)
        _, root = call.post(only(prompt, "Gather").get("action"), rasa, Digits="1111")
        assert "PIN was not accepted" in said(root) and "Health Hub" in said(root)
        call.post(only(root, "Gather").get("action"), rasa, SpeechResult="status H-1234")
        assert OFFICER_KEY not in [m.sender_id for m in rasa.received]
    # Locked: no more prompt (so no more guesses), even for the right PIN.
    call, rasa = Call(base_url, sender=OFFICER), FakeRasa()
    _, root = call.post(WEBHOOK, rasa)
    assert "PIN" not in said(root) and OFFICER_KEY not in [m.sender_id for m in rasa.received]
    with_pin("4821")  # set again at the command line: accepted again
    call = Call(base_url, sender=OFFICER)
    _, prompt = call.post(WEBHOOK, FakeRasa())
    _, root = call.post(only(prompt, "Gather").get("action"), FakeRasa(), Digits="")
    assert "not accepted" not in said(root)  # just #: on as anyone, no failure counted


# --- texts and callbacks only to a number the carrier vouches for (review 19) -----------------

OFFER = {"service_type": "naloxone", "location": "98104", "open_first": False, "offset": 0}
NOT_VOUCHED = [None, "TN-Validation-Passed-C", "TN-Validation-Failed-A", "No-TN-Validation"]


def search_with_offer(call, language="en", **first):
    """The call's start, then a search whose results offer to text the list."""
    _, root = call.post(WEBHOOK, FakeRasa(), **first)
    action = only(root, "Gather").get("action")
    if language == "es":
        _, root = call.post(action, FakeRasa(), Digits="3")
        action = only(root, "Gather").get("action")
    rasa = FakeRasa([{"text": "Here are the closest places."}, {"custom": {"voice": {"offer_sms_list": OFFER}}}])
    _, root = call.post(action, rasa, SpeechResult="narcan 98104")
    return root


def texts_to(number):
    with session_scope() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == number)).all()


@pytest.mark.parametrize("stir_verstat", NOT_VOUCHED)
def test_a_caller_id_the_carrier_does_not_vouch_for_is_never_texted_and_is_asked_to_text_the_line(base_url, demo_db, stir_verstat):
    call = Call(base_url)
    root = search_with_offer(call, **({"StirVerstat": stir_verstat} if stir_verstat else {}))
    gather = only(root, "Gather")
    assert query(gather.get("action"))["step"] == "talk" and "text you this list" not in said(root)
    assert "text this number what you need and your ZIP code" in said(gather)
    # A yes to the list, however it came, texts nobody.
    _, root = call.post(WEBHOOK + "?step=list&lang=en&t=3&type=naloxone&place=98104", FakeRasa(), SpeechResult="yes")
    assert "couldn't text this number" in said(root) and texts_to(CALLER) == []


def test_the_ask_to_text_the_line_is_in_spanish_too(base_url, demo_db):
    root = search_with_offer(Call(base_url), language="es", StirVerstat="TN-Validation-Passed-C")
    assert "escribe a este número lo que necesitas y tu código postal" in said(only(root, "Gather"))
    assert texts_to(CALLER) == []


def test_a_caller_id_the_carrier_does_not_vouch_for_gets_no_callback_and_is_asked_to_text(base_url, migrated_db):
    add("Ana", "+12065550111")
    call = Call(base_url)
    _, root = call.post(WEBHOOK, FakeRasa(), StirVerstat="TN-Validation-Passed-C")
    _, root = call.post(only(root, "Gather").get("action"), transfer_rasa(), SpeechResult="yes")
    handoff, _ = handoff_log()
    assert handoff.person_number is None and root.find("Dial") is not None  # still put through
    _, root = call.post(root.find("Dial").get("action"), FakeRasa(), DialCallStatus="no-answer")
    assert "please text this number" in said(root) and "911" in said(root)
    assert handoff_log()[0].person_number is None


@pytest.mark.parametrize("stir_verstat", ["TN-Validation-Passed-A", "TN-Validation-Passed-B"])
def test_attestation_a_or_b_in_the_call_s_first_webhook_vouches_for_the_number_all_call(base_url, demo_db, stir_verstat):
    # Twilio sends StirVerstat with the call's first webhook only; the call's URLs remember it.
    call = Call(base_url)
    root = search_with_offer(call, StirVerstat=stir_verstat)
    _, root = call.post(only(root, "Gather").get("action"), FakeRasa(), SpeechResult="yes please")
    assert "on its way" in said(root)
    (sms,) = texts_to(CALLER)
    assert sms.purpose == "directory"
    add("Ana", "+12065550111")
    call.post(only(root, "Gather").get("action"), transfer_rasa(), SpeechResult="yes")
    assert handoff_log()[0].person_number == CALLER
