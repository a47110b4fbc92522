"""Who is calling the voice line, over real HTTP (Rasa a stand-in): withheld caller IDs are each
their own conversation with no callback number; a registered officer's number is the officer only
with STIR/SHAKEN attestation A or the officer's PIN, keyed when the call begins."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.voice_caller import ATTESTATION_A, caller_id_withheld
from bot.db import session_scope
from bot.db.models import Officer
from bot.handoff.officer_check import MAX_PIN_FAILURES, set_pin
from bot.privacy import sender_key
from tests.bot.channels.test_twilio_voice import WEBHOOK, Call, FakeRasa, handoff_log, only, query, said, transfer_rasa
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
