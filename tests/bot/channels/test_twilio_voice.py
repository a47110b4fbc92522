"""The voice channel over real HTTP: the blueprint served by Sanic, Rasa replaced by a stand-in.
Every TwiML answer is parsed and its verbs and attributes checked."""
from __future__ import annotations

import asyncio
import time
import uuid
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.db import session_scope
from bot.db.models import Handoff, HandoffLog, OutboxMessage
from bot.handoff import engine
from bot.privacy import sender_key
from bot.safety import EMERGENCY_REPLY
from tests.bot.channels.conftest import VOICE_FORWARD as FORWARD
from tests.bot.channels.conftest import RasaCallingAnAction
from tests.bot.handoff.conftest import add
from tests.conftest import TEST_ENV

PUBLIC = TEST_ENV["HUB_PUBLIC_URL"]
WEBHOOK = PUBLIC + "/webhooks/twilio_voice/webhook"
TOKEN = TEST_ENV["TWILIO_AUTH_TOKEN"]
CALLER = "+12065550142"
VOUCHED = "TN-Validation-Passed-A"  # the carrier vouches for the caller's number (STIR/SHAKEN)


class FakeRasa:
    """Stands in for Rasa: records messages and answers with canned messages (text, buttons,
    custom json), or runs `effect` first (e.g. opening a handoff as the action would)."""

    def __init__(self, messages=({"text": "first reply"},), effect=None, delay=0.0):
        self.received, self.messages, self.effect, self.delay = [], list(messages), effect, delay

    async def __call__(self, message):
        self.received.append(message)
        if self.delay and not message.text.startswith("/restart"):
            await asyncio.sleep(self.delay)  # a stalled turn
        if self.effect:
            self.effect(message)
        for item in self.messages:
            if item.get("buttons"):
                await message.output_channel.send_text_with_buttons(message.sender_id, item["text"], item["buttons"])
            elif item.get("text"):
                await message.output_channel.send_text_message(message.sender_id, item["text"])
            if item.get("custom"):
                await message.output_channel.send_custom_json(message.sender_id, item["custom"])


def eventually(check, wait=5.0):
    deadline = time.monotonic() + wait
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def base_url(channels_base_url):
    return channels_base_url


class Call:
    """One caller's call: posts what Twilio would post, to the URL the last TwiML named."""

    def __init__(self, base_url, sender=CALLER, sid=None):
        self.base_url, self.sender = base_url, sender
        self.sid = sid or "CA" + uuid.uuid4().hex

    def post(self, url, rasa=None, signature="sign", **fields):
        if rasa is not None:
            FORWARD.current = rasa
        params = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.sender, "To": "+12065550100",
                  "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **fields}
        headers = {}
        if signature == "sign":
            headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(url, params)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        parts = urlsplit(url)
        local = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        reply = requests.post(local, data=params, headers=headers, timeout=30)
        return reply.status_code, (ElementTree.fromstring(reply.text) if reply.status_code == 200 else None)


@pytest.fixture
def call(base_url, migrated_db):
    FORWARD.current = FakeRasa()
    return Call(base_url)


def only(root, tag):
    (node,) = root.findall(tag)
    return node


def query(url):
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def said(node):
    return " ".join("".join(s.itertext()) for s in node.iter("Say"))


def test_a_call_is_greeted_with_a_gather_for_speech_and_keys(call):
    rasa = FakeRasa()
    status, root = call.post(WEBHOOK, rasa)
    # Only the restart of the conversation (a call starts afresh), nothing said yet.
    assert status == 200 and root.tag == "Response" and [m.text for m in rasa.received] == ["/restart"]
    gather = only(root, "Gather")
    assert gather.get("input") == "speech dtmf" and gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true" and gather.get("language") == "en-US" and gather.get("method") == "POST"
    assert gather.get("action").startswith(WEBHOOK + "?") and query(gather.get("action"))["step"] == "menu"
    say = only(gather, "Say")
    assert say.get("voice") == "Polly.Joanna" and "911" in say.text and "Health Hub" in say.text


@pytest.mark.parametrize("signature", [None, "", "forged", "another-url"])
def test_missing_or_forged_signatures_get_403_on_every_route(call, signature):
    rasa = FakeRasa()
    for route in ("webhook", "whisper?ref=H-1234&sp=1", "dial?ref=H-1234&sp=1"):
        url = f"{PUBLIC}/webhooks/twilio_voice/{route}"
        sig = RequestValidator(TOKEN).compute_signature(url.replace("https://", "http://"), {"x": "y"}) if signature == "another-url" else signature
        status, _ = call.post(url, rasa, signature=sig, SpeechResult="narcan 98104")
        assert status == 403
    assert rasa.received == []


def test_the_query_string_is_signed_too(call):
    status, root = call.post(WEBHOOK)
    action = only(root, "Gather").get("action")
    params = {"CallSid": call.sid, "From": CALLER}
    signature = RequestValidator(TOKEN).compute_signature(action, params)
    forged = action.replace("lang=en", "lang=es")
    local = call.base_url + urlsplit(forged).path + "?" + urlsplit(forged).query
    assert requests.post(local, data=params, headers={"X-Twilio-Signature": signature}, timeout=10).status_code == 403


def test_a_second_delivery_of_the_same_turn_does_not_reach_rasa_again(call):
    _, root = call.post(WEBHOOK)
    action = only(root, "Gather").get("action")
    rasa = FakeRasa()
    first = call.post(action, rasa, SpeechResult="narcan 98104")
    second = call.post(action, rasa, SpeechResult="narcan 98104")
    assert first[0] == second[0] == 200 and len(rasa.received) == 1
    assert "press 1" in said(second[1]).lower() and only(second[1], "Gather").get("numDigits") == "1"


def test_silence_gets_the_short_menu_then_the_call_ends(call):
    _, root = call.post(WEBHOOK)
    action = only(root, "Gather").get("action")
    for quiet in (1, 2):
        status, root = call.post(action, SpeechResult="")
        gather = only(root, "Gather")
        assert "To find services, press 1. To talk to a person, press 2. Para español, oprima 3." in said(gather)
        assert gather.get("numDigits") == "1" and query(gather.get("action"))["quiet"] == str(quiet)
        action = gather.get("action")
    _, root = call.post(action)
    assert [child.tag for child in root] == ["Say", "Hangup"] and "911" in said(root)


def test_speech_goes_to_rasa_keyed_by_hmac_and_the_reply_listens_for_the_next_turn(call):
    rasa = FakeRasa([{"text": "one"}, {"text": "two"}])
    _, root = call.post(WEBHOOK)
    status, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="where can I get narcan near 98104", Confidence="0.9")
    (message,) = rasa.received
    assert message.text == "where can I get narcan near 98104" and message.input_channel == "twilio_voice"
    assert message.sender_id == sender_key(CALLER, TEST_ENV["HUB_SECRET_KEY"])
    assert message.metadata == {"channel": "voice", "language": "en"} and "555" not in str(message.metadata)
    assert message.output_channel.name() == "twilio_voice"  # Rasa picks the voice variations of responses
    assert [child.tag for child in root] == ["Say", "Pause", "Gather"]
    gather = only(root, "Gather")
    assert root[0].text == "one" and said(gather) == "two"
    assert gather.get("input") == "speech dtmf" and gather.get("finishOnKey") == "#" and gather.get("numDigits") is None
    assert query(gather.get("action"))["step"] == "talk"


@pytest.mark.parametrize("digit, text", [("1", "/find_service"), ("2", "/request_human")])
def test_menu_keys_start_a_search_or_ask_for_a_person(call, digit, text):
    rasa = FakeRasa([{"text": "What are you looking for?"}])
    _, root = call.post(WEBHOOK)
    status, root = call.post(only(root, "Gather").get("action"), rasa, Digits=digit)
    assert rasa.received[0].text == text and rasa.received[0].metadata["keypad"] == digit
    assert status == 200 and said(only(root, "Gather")) == "What are you looking for?"


def test_keypad_3_switches_to_spanish_voice_and_recognition(call):
    _, root = call.post(WEBHOOK)
    _, root = call.post(only(root, "Gather").get("action"), Digits="3")
    gather = only(root, "Gather")
    assert gather.get("language") == "es-US" and query(gather.get("action"))["lang"] == "es"
    assert all(say.get("voice") == "Polly.Lupe" and say.get("language") == "es-US" for say in gather.iter("Say"))
    assert "Para buscar servicios, oprima 1" in said(gather)
    rasa = FakeRasa([{"text": "¿Qué buscas?"}])
    _, root = call.post(gather.get("action"), rasa, SpeechResult="naloxona cerca de 98104")
    assert rasa.received[0].metadata["language"] == "es"
    assert only(root, "Gather").get("language") == "es-US" and only(only(root, "Gather"), "Say").get("voice") == "Polly.Lupe"


def test_typed_digits_are_read_as_text_a_zip_code(call):
    rasa = FakeRasa([{"text": "ok"}])
    _, root = call.post(WEBHOOK)
    _, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan")
    call.post(only(root, "Gather").get("action"), rasa, Digits="98104")
    assert [m.text for m in rasa.received] == ["narcan", "98104"]


def test_buttons_become_keypad_choices(call):
    consent = FakeRasa([{"text": "Do you want me to connect you? Say yes or no.",
                         "buttons": [{"title": "yes", "payload": "/affirm"}, {"title": "no", "payload": "/deny"}]}])
    _, root = call.post(WEBHOOK)
    _, root = call.post(only(root, "Gather").get("action"), consent, SpeechResult="talk to someone")
    gather = only(root, "Gather")
    assert gather.get("numDigits") == "1" and query(gather.get("action"))["opts"] == "/affirm|/deny"
    assert "For yes, press 1. For no, press 2." in said(gather)
    rasa = FakeRasa([{"text": "OK"}])
    call.post(gather.get("action"), rasa, Digits="2")
    assert rasa.received[0].text == "/deny" and rasa.received[0].metadata["keypad"] == "2"


@pytest.mark.parametrize("speech, language, voice", [("he's not breathing", "en", "Polly.Joanna"), ("mi amigo no respira", "es", "Polly.Lupe")])
def test_an_overdose_is_answered_with_911_first_then_the_steps_slowly(call, speech, language, voice):
    rasa = FakeRasa([{"text": "something else"}])  # the keyword net works even when the model misses it
    _, root = call.post(WEBHOOK)
    _, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult=speech)
    first = root[0]
    assert first.tag == "Say" and "911" in "".join(first.itertext()) and first.get("voice") == voice
    assert first.find("prosody").get("rate") == "slow"
    tags = [child.tag for child in root]
    assert tags.count("Pause") >= 7 and tags[-1] == "Gather"
    steps = " ".join("".join(s.itertext()) for s in root.findall("Say"))
    assert ("naloxone" in steps and "rescue breaths" in steps) if language == "en" else ("naloxona" in steps and "respiración de rescate" in steps)
    # At once, not after the assistant: its turn still reaches the conversation, behind the steps.
    assert "something else" not in steps
    assert eventually(lambda: [m.text for m in rasa.received] == [speech])
    gather = root[-1]
    assert query(gather.get("action"))["step"] == "emergency" and gather.get("language") == f"{language}-US"
    _, again = call.post(gather.get("action"), Digits="1")
    assert "911" in "".join(again[0].itertext())


def test_the_emergency_response_from_rasa_is_read_as_steps(call):
    rasa = FakeRasa([{"text": EMERGENCY_REPLY}])
    _, root = call.post(WEBHOOK)
    _, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="my friend took something help")
    assert root[0].find("prosody") is not None and EMERGENCY_REPLY not in said(root)


def test_results_are_followed_by_the_offer_to_text_the_list(call, demo_db):
    offer = {"service_type": "naloxone", "location": "98104", "open_first": False, "offset": 0}
    rasa = FakeRasa([{"text": "Here are the closest places."}, {"custom": {"voice": {"offer_sms_list": offer}}}])
    _, root = call.post(WEBHOOK, StirVerstat=VOUCHED)
    _, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan near 98104")
    assert root[0].tag == "Say" and root[0].text == "Here are the closest places."
    gather = only(root, "Gather")
    assert query(gather.get("action")) == {"step": "list", "lang": "en", "t": "2", "type": "naloxone", "place": "98104",
                                           "vouched": "1"}
    assert "text you this list" in said(gather)
    _, root = call.post(gather.get("action"), SpeechResult="yes please")
    assert "on its way" in said(root)
    with session_scope() as session:
        (sms,) = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == CALLER)).all()
        assert sms.purpose == "directory" and sms.body.startswith("Naloxone (Narcan) near 98104") and "1) " in sms.body


@pytest.mark.parametrize("speech", ["not sure", "please don't", "don't text me", "no estoy seguro"])
def test_a_doubt_or_a_no_to_the_offer_texts_nothing(call, demo_db, speech):
    # Before: "not sure" and "please don't" held "sure" and "please", and the list went to the phone.
    offer = {"service_type": "naloxone", "location": "98104", "open_first": False, "offset": 0}
    rasa = FakeRasa([{"text": "Here are the closest places."}, {"custom": {"voice": {"offer_sms_list": offer}}}])
    _, root = call.post(WEBHOOK, StirVerstat=VOUCHED)
    _, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan near 98104")
    _, root = call.post(only(root, "Gather").get("action"), FakeRasa([{"text": "Anything else?"}]), SpeechResult=speech)
    assert "on its way" not in said(root)
    with session_scope() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == CALLER)).all() == []


def open_voice_handoff(message):
    with session_scope() as session:
        engine.create_handoff(session, source="community", person_key=message.sender_id, consent_by="person",
                              consent_text='Asked: "connect?" Answered: "yes"', area="98104", alert=False)


def transfer_rasa():
    def effect(message):
        open_voice_handoff(message)

    class Rasa(FakeRasa):
        async def __call__(self, message):
            self.received.append(message)
            effect(message)
            with session_scope() as session:
                ref = session.scalars(select(Handoff.ref).order_by(Handoff.id.desc())).first()
            await message.output_channel.send_custom_json(message.sender_id, {"voice": {"transfer": ref}})

    return Rasa()


def handoff_log():
    with session_scope() as session:
        handoff = session.scalars(select(Handoff).order_by(Handoff.id.desc())).first()
        return handoff, [(row.event, row.specialist_id) for row in
                         session.scalars(select(HandoffLog).where(HandoffLog.handoff_id == handoff.id).order_by(HandoffLog.id))]


@pytest.fixture
def specialists(migrated_db):
    return {"ana": add("Ana", "+12065550111", languages="en,es"), "ben": add("Ben", "+12065550112"),
            "coordinator": add("Coordinator", "+12065550119", zips="", coordinator=True)}


def ask_for_transfer(call, **first):
    _, root = call.post(WEBHOOK, **{"StirVerstat": VOUCHED, **first})
    _, root = call.post(only(root, "Gather").get("action"), transfer_rasa(), SpeechResult="yes")
    return root


def test_a_yes_dials_the_specialist_with_a_whisper_and_pressing_1_connects(call, specialists):
    root = ask_for_transfer(call)
    assert [child.tag for child in root] == ["Say", "Dial"]
    dial = root[1]
    assert dial.get("callerId") == "+12065550100" and dial.get("timeout") == "20" and dial.get("answerOnBridge") == "true"
    assert dial.get("action").startswith(PUBLIC + "/webhooks/twilio_voice/dial?")
    number = only(dial, "Number")
    assert number.text == "+12065550111" and number.get("url").startswith(PUBLIC + "/webhooks/twilio_voice/whisper?")
    handoff, _ = handoff_log()
    assert handoff.person_number == CALLER  # attached for the callback, never given to Rasa

    leg = Call(call.base_url, sender="+12065550100", sid="CA" + uuid.uuid4().hex)
    _, whisper = leg.post(number.get("url"), To="+12065550111")
    gather = only(whisper, "Gather")
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf" and "Press 1" in said(gather) and "555" not in said(gather)
    assert [child.tag for child in whisper] == ["Gather", "Say", "Hangup"]
    _, accepted = leg.post(gather.get("action"), To="+12065550111", Digits="1")
    assert accepted.find("Hangup") is None and "Connecting" in said(accepted)
    handoff, events = handoff_log()
    assert handoff.state == "accepted" and events[-1] == ("accepted", specialists["ana"])

    _, done = call.post(dial.get("action"), DialCallStatus="completed", CallStatus="completed")
    assert done[-1].tag == "Hangup"
    assert handoff_log()[0].state == "accepted"


def test_no_answer_rings_the_next_then_alerts_by_sms_and_promises_a_callback(call, specialists):
    root = ask_for_transfer(call)
    dial = root.find("Dial")
    # Ana's whisper: nothing pressed, so her leg hangs up and the Dial falls through.
    _, root = call.post(dial.get("action"), DialCallStatus="no-answer")
    assert [child.tag for child in root] == ["Say", "Dial"] and only(root[1], "Number").text == "+12065550112"
    _, root = call.post(root[1].get("action"), DialCallStatus="busy")
    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]
    assert "call or text you back" in said(root) and "911" in said(root)
    handoff, events = handoff_log()
    assert [event for event, _ in events] == ["created", "call_dialed", "call_no_answer", "call_dialed", "call_busy", "alerted"]
    assert handoff.state == "alerted"
    with session_scope() as session:
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).all()
        assert len(alerts) == 1 and handoff.ref in alerts[0].body and "0142" not in alerts[0].body


def test_a_whisper_answered_with_another_key_hangs_up_the_specialist(call, specialists):
    root = ask_for_transfer(call)
    number = only(root.find("Dial"), "Number")
    leg = Call(call.base_url, sender="+12065550100")
    _, whisper = leg.post(number.get("url"), To="+12065550111")
    _, answer = leg.post(only(whisper, "Gather").get("action"), To="+12065550111", Digits="9")
    assert [child.tag for child in answer] == ["Hangup"]
    assert handoff_log()[0].state == "alerted"


def test_a_forged_whisper_for_a_specialist_never_rung_accepts_nothing(call, specialists):
    ask_for_transfer(call)
    handoff, _ = handoff_log()
    url = f"{PUBLIC}/webhooks/twilio_voice/whisper?ref={handoff.ref}&sp={specialists['ben']}&step=answer"
    _, root = Call(call.base_url, sender="+12065550100").post(url, To="+12065550112", Digits="1")
    assert root[-1].tag == "Hangup" and handoff_log()[0].state == "alerted"


def test_when_the_database_is_down_the_caller_hears_plain_words_not_a_5xx(call, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("INSERT INTO inbound_message", {}, Exception("could not connect to server"))

    monkeypatch.setattr("bot.channels.twilio_voice.first_delivery", down)
    status, root = call.post(WEBHOOK, FakeRasa())  # the greeting whatever: what the caller says next is heard
    assert status == 200 and "Health Hub" in said(root) and "911" in said(root)
    status, root = call.post(only(root, "Gather").get("action"), FakeRasa(), SpeechResult="narcan near 98104")
    assert status == 200 and "call again in a minute" in said(root) and "911" in said(root)
    assert [child.tag for child in root] == ["Say", "Hangup"]


# --- never silent: a turn past the answer deadline holds the line, never dead air -------------

@pytest.fixture
def deadline(monkeypatch):
    from bot.config import get_settings

    monkeypatch.setenv("HUB_ANSWER_DEADLINE", "1s")
    get_settings.cache_clear()
    return 1.0


def test_a_stalled_turn_holds_the_line_then_says_the_answer_once(call, deadline):
    rasa = FakeRasa([{"text": "Here are the closest places."}], delay=2.5)
    _, root = call.post(WEBHOOK)
    started = time.monotonic()
    status, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan near 98104")
    assert status == 200 and time.monotonic() - started < deadline + 0.5
    assert [child.tag for child in root] == ["Say", "Redirect"]
    assert "One moment" in said(root) and "911" in said(root)
    redirect = root.find("Redirect")
    assert redirect.get("method") == "POST" and query(redirect.text)["step"] == "wait"
    answers = []
    for _ in range(5):  # Twilio follows each Redirect; the answer comes when it is ready
        status, root = call.post(redirect.text)
        assert status == 200
        if root.find("Redirect") is None:
            answers.append(root)
            break
        assert "Still working on it" in said(root)
        redirect = root.find("Redirect")
    (answer,) = answers
    assert said(only(answer, "Gather")) == "Here are the closest places."
    assert [m.text for m in rasa.received] == ["narcan near 98104"]  # one turn, said once


def test_an_overdose_said_while_a_turn_stalls_gets_911_at_once(call, deadline):
    rasa = FakeRasa([{"text": "Here are the closest places."}], delay=3)
    _, root = call.post(WEBHOOK)
    _, held = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan near 98104")
    other = Call(call.base_url, sender="+12065550143")
    _, root = other.post(WEBHOOK)
    started = time.monotonic()
    _, root = other.post(only(root, "Gather").get("action"), rasa, SpeechResult="he's not breathing")
    assert time.monotonic() - started < 0.5 and "911" in "".join(root[0].itertext())


def test_a_wait_for_an_answer_this_server_does_not_hold_keeps_the_call_going(call, deadline):
    _, root = call.post(WEBHOOK)
    status, root = call.post(f"{WEBHOOK}?step=wait&lang=en&t=1&w=1")
    assert status == 200 and root.find("Hangup") is None
    assert "couldn't get that answer in time" in said(root) and only(root, "Gather") is not None


def test_a_held_turn_whose_caller_hung_up_is_not_kept_forever(call, deadline, monkeypatch):
    # The caller hangs up while held: nobody follows the Redirect, so only a later hold (of any
    # call) can drop the entry; before the fix, every such turn stayed in memory for good.
    monkeypatch.setattr("bot.channels.twilio_voice.HELD_TURN_KEPT_SECONDS", 0.5)
    rasa = FakeRasa([{"text": "Here are the closest places."}], delay=1.5)
    _, root = call.post(WEBHOOK)
    _, held = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="narcan near 98104")
    assert held.find("Redirect") is not None  # held, and then the caller hangs up
    time.sleep(0.6)
    other = Call(call.base_url, sender="+12065550143")
    _, root = other.post(WEBHOOK)
    _, other_held = other.post(only(root, "Gather").get("action"), rasa, SpeechResult="shelter near 98104")
    assert other_held.find("Redirect") is not None
    # The first call's turn is gone: were it to come back after all, the call goes on without it.
    _, root = call.post(held.find("Redirect").text)
    assert "couldn't get that answer in time" in said(root) and root.find("Hangup") is None
    # The turn held within the time is still collected.
    time.sleep(1.0)
    _, answer = other.post(other_held.find("Redirect").text)
    assert said(only(answer, "Gather")) == "Here are the closest places."


def test_an_action_server_that_never_answers_is_said_plainly_and_the_caller_can_say_it_again(
        call, silent_action_server, action_timeout):
    from bot.channels import admission

    rasa = RasaCallingAnAction(silent_action_server.url)
    _, root = call.post(WEBHOOK)
    started = time.monotonic()
    status, root = call.post(only(root, "Gather").get("action"), rasa, SpeechResult="where can I get narcan near 98104",
                             Confidence="0.9")
    assert status == 200 and time.monotonic() - started < action_timeout + 2
    gather = only(root, "Gather")  # listening for the caller to say it again
    assert said(gather) == ("That took too long on our side. Please say it again, or text STATUS to this number "
                            "if you asked for a person.")
    assert query(gather.get("action"))["step"] == "talk"
    queue = admission._shared
    assert rasa.free_inside == queue.in_flight - 1 and queue._free == queue.in_flight
