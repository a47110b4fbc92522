"""What every Twilio webhook needs before Rasa sees it, without a server: the signature, the form
as Twilio signed it, a bounded clean text, a one-time MessageSid, numbers as stand-ins."""
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.channels import inbound
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, InboundMessage, OutboxMessage
from bot.handoff import engine
from bot.notify.outbox import Purpose, enqueue
from tests.conftest import TEST_ENV

PATH = "/webhooks/twilio_sms/webhook"
FORM = {"From": "+12065550142", "Body": "narcan near 98104", "MessageSid": "SM" + "1" * 32}


def signed(params, url=TEST_ENV["HUB_PUBLIC_URL"] + PATH, token=TEST_ENV["TWILIO_AUTH_TOKEN"]):
    return RequestValidator(token).compute_signature(url, params)


def inbound_count():
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


# --- the signature -------------------------------------------------------------------------------

def test_a_signature_over_the_public_url_and_the_form_is_valid():
    assert inbound.signature_is_valid(get_settings(), PATH, "", FORM, signed(FORM))


def test_the_query_string_is_part_of_what_is_signed():
    url = TEST_ENV["HUB_PUBLIC_URL"] + PATH + "?step=menu&t=1"
    assert inbound.signature_is_valid(get_settings(), PATH, "step=menu&t=1", FORM, signed(FORM, url=url))
    assert not inbound.signature_is_valid(get_settings(), PATH, "step=menu&t=2", FORM, signed(FORM, url=url))


@pytest.mark.parametrize("signature", [None, "", "not-a-signature", "🔥" * 10])
def test_a_missing_or_garbled_signature_is_invalid(signature):
    assert not inbound.signature_is_valid(get_settings(), PATH, "", FORM, signature)


def test_a_signature_made_with_another_token_or_over_other_fields_is_invalid():
    other_token = signed(FORM, token="another-token-0123456789abcdef")
    assert not inbound.signature_is_valid(get_settings(), PATH, "", FORM, other_token)
    forged = {**FORM, "From": "+12065550143"}
    assert not inbound.signature_is_valid(get_settings(), PATH, "", forged, signed(FORM))


# --- the form and the query, as Twilio signed them -------------------------------------------------

def test_blank_fields_are_kept_as_twilio_signed_them():
    request = SimpleNamespace(content_type="application/x-www-form-urlencoded; charset=utf-8",
                              body=b"Body=&From=%2B12065550142&SpeechResult=")
    params = inbound.webhook_params(request)
    assert params.get("Body") == "" and params.get("SpeechResult") == "" and params.get("From") == "+12065550142"


def test_a_body_that_is_not_a_form_has_no_fields():
    request = SimpleNamespace(content_type="application/json", body=b'{"From": "+12065550142"}')
    assert dict(inbound.webhook_params(request)) == {}


def test_invalid_utf8_in_a_form_does_not_raise():
    request = SimpleNamespace(content_type="application/x-www-form-urlencoded", body=b"Body=caf%E9&From=x")
    assert inbound.webhook_params(request).get("Body") == "caf\ufffd"


def test_the_last_value_of_a_query_parameter_wins_and_blanks_are_kept():
    query = SimpleNamespace(query_string="step=menu&t=1&t=2&lang=")
    assert inbound.query_params(query) == {"step": "menu", "t": "2", "lang": ""}
    assert inbound.query_params(SimpleNamespace(query_string=None)) == {}


# --- the text ----------------------------------------------------------------------------------------

def test_clean_body_trims_normalises_and_drops_control_characters():
    assert inbound.clean_body(None) == ""
    assert inbound.clean_body("   ") == ""
    assert inbound.clean_body("  narcan\x00near\x1b98104 \n") == "narcan near 98104"
    assert inbound.clean_body("cafe\u0301") == "café"  # NFC: one character, as typed on another phone
    assert inbound.clean_body("need help 🙏🏽") == "need help 🙏🏽"


def test_clean_body_keeps_at_most_1600_characters():
    assert len(inbound.clean_body("a" * 1600)) == 1600
    assert inbound.clean_body("b" * 5000) == "b" * inbound.MAX_BODY_CHARS


@pytest.mark.parametrize("sender, expected", [
    ("+12065550142", "+12065550142"), ("(206) 555-0142", "+12065550142"),
    ("", None), ("Anonymous", None), ("12", None), ("🔥", None),
])
def test_phone_number_is_e164_or_none(sender, expected):
    assert inbound.phone_number(sender, "US") == expected


def test_a_number_written_in_a_text_reaches_rasa_as_its_stand_in(migrated_db):
    text = inbound.text_for_rasa("the person's number is 206-555-0147, call them", get_settings())
    assert "555" not in text and "0147" not in text and text.startswith("the person's number is tel:")
    assert inbound.text_for_rasa("narcan near 98104", get_settings()) == "narcan near 98104"


# --- once only -----------------------------------------------------------------------------------------

def test_a_message_sid_is_first_delivered_once(migrated_db):
    assert inbound.first_delivery("SM-a", "twilio_sms", "k" * 40) is True
    assert inbound.first_delivery("SM-a", "twilio_sms", "k" * 40) is False
    assert inbound.first_delivery("SM-a", "twilio_voice", "j" * 40) is False  # the same SID is the same message
    assert inbound.first_delivery("SM-b", "twilio_sms", "k" * 40) is True
    assert inbound_count() == 2


def test_a_message_sid_delivered_at_the_same_time_twice_is_taken_once(migrated_db):
    results = []

    def deliver():
        results.append(inbound.first_delivery("SM-race", "twilio_sms", "k" * 40))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_take_message_routes_stop_itself_and_hands_other_texts_to_rasa_with_stand_ins(migrated_db):
    settings = get_settings()
    stop = inbound.take_message("SM-1", "twilio_sms", "k" * 40, "+12065550142", "STOP", settings)
    assert not stop.duplicate and stop.routed.handled and stop.routed.replies and stop.text_for_rasa is None
    text = inbound.take_message("SM-2", "twilio_sms", "k" * 40, "+12065550142", "call 206-555-0147", settings)
    assert not text.duplicate and not text.routed.handled and "555" not in text.text_for_rasa
    empty = inbound.take_message("SM-3", "twilio_sms", "k" * 40, "+12065550142", "", settings)
    assert not empty.duplicate and not empty.routed.handled and empty.text_for_rasa is None
    again = inbound.take_message("SM-2", "twilio_sms", "k" * 40, "+12065550142", "call 206-555-0147", settings)
    assert again == inbound.Taken(True)
    assert inbound_count() == 3


# --- after the turn ------------------------------------------------------------------------------------------

def test_a_handoff_opened_during_the_turn_learns_the_number_and_no_other(migrated_db):
    with session_scope() as session:
        for key in ("k" * 40, "j" * 40):
            engine.create_handoff(session, source="community", person_key=key, consent_by="person",
                                  consent_text='Asked: "Connect you?" Answered: "yes"', area="98104", alert=False)
    inbound.attach_person_number("k" * 40, "+12065550142")
    with session_scope() as session:
        numbers = {h.person_key: h.person_number for h in session.scalars(select(Handoff))}
    assert numbers == {"k" * 40: "+12065550142", "j" * 40: None}


def test_the_911_steps_in_a_late_answer_go_ahead_of_the_queue(migrated_db):
    # Review 10: in a surge, a late answer with the steps must not wait behind relays and
    # hundreds of other late answers. The whole turn goes at priority 0, in order.
    from bot.notify.outbox import PRIORITY, claim_due
    from bot.safety import EMERGENCY_REPLIES

    settings = get_settings()
    with session_scope() as session:
        for purpose in (Purpose.RELAY, Purpose.NOTICE):
            enqueue(session, to_number="+12065550143", from_number="+12065550100", body=str(purpose), purpose=purpose)
    inbound.send_late_answer("+12065550144", ["an answer"], settings)
    inbound.send_late_answer("+12065550142", ["I hear you.", EMERGENCY_REPLIES["es"], "more"], settings)
    with session_scope() as session:
        order = [claim.body for claim in claim_due(session, limit=20)]
        purposes = {m.body: m.purpose for m in session.scalars(select(OutboxMessage))}
    assert order == ["I hear you.", EMERGENCY_REPLIES["es"], "more", "relay", "notice", "an answer"]
    assert PRIORITY[purposes["more"]] == 0 and purposes["an answer"] == Purpose.LATE_ANSWER


def test_late_answers_go_to_the_outbox_in_order(migrated_db):
    inbound.send_late_answer("+12065550142", ["first", "second"], get_settings())
    with session_scope() as session:
        rows = [(m.to_number, m.from_number, m.body, m.purpose)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert rows == [("+12065550142", "+12065550100", "first", Purpose.LATE_ANSWER),
                    ("+12065550142", "+12065550100", "second", Purpose.LATE_ANSWER)]
