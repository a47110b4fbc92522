"""The SMS channel over real HTTP: the blueprint served by Sanic, Rasa replaced by a stand-in."""
from __future__ import annotations

import asyncio
import time
import uuid
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.channels.twilio_sms import EMPTY_BODY_REPLY, TROUBLE_REPLY
from bot.db import session_scope
from bot.db.models import InboundMessage
from bot.privacy import sender_key
from bot.safety import EMERGENCY_REPLY, EMERGENCY_REPLY_ES
from tests.bot.channels.conftest import FORWARD, RasaCallingAnAction
from tests.conftest import TEST_ENV

PUBLIC_URL = TEST_ENV["HUB_PUBLIC_URL"] + "/webhooks/twilio_sms/webhook"
TOKEN = TEST_ENV["TWILIO_AUTH_TOKEN"]


class FakeRasa:
    """Stands in for Rasa's message handler: records messages, answers with canned replies, after
    `delay` seconds (a stalled turn) when given."""

    def __init__(self, replies=("first reply", "second reply"), error=None, buttons=None, delay=0.0):
        self.received = []
        self.replies, self.error, self.buttons, self.delay = replies, error, buttons, delay
        self.busy = self.most_busy = 0  # turns in progress at once

    async def __call__(self, message):
        self.received.append(message)
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.busy -= 1
        if self.error:
            raise self.error
        if self.replies == "echo":
            await message.output_channel.send_text_message(message.sender_id, f"answer to {message.text}")
            return
        for reply in self.replies:
            await message.output_channel.send_text_message(message.sender_id, reply)
        if self.buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, "Pick one", self.buttons)


def sms_params(body="where can I get narcan near 98104", sender="+12065550142", sid=None):
    sid = sid or "SM" + uuid.uuid4().hex
    return {
        "MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender,
        "To": "+12065550100", "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01",
    }


def sign(params, url=PUBLIC_URL, token=TOKEN):
    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture(scope="module")
def channel_url(channels_base_url):
    return channels_base_url + "/webhooks/twilio_sms/webhook"


@pytest.fixture
def post_all(channel_url, migrated_db):
    def post_all_(rasa, requests_):
        """POST each (params, headers) in turn; return the (status, body) of each."""
        FORWARD.current = rasa
        results = []
        for params, headers in requests_:
            reply = requests.post(channel_url, data=params, headers=headers, timeout=30)
            results.append((reply.status_code, reply.text))
        return results

    return post_all_


@pytest.fixture
def post(post_all):
    def post_(rasa, params, signature="sign"):
        headers = {} if signature is None else {"X-Twilio-Signature": sign(params) if signature == "sign" else signature}
        return post_all(rasa, [(params, headers)])[0]

    return post_


def replies(body):
    return [m.text for m in ElementTree.fromstring(body).iter("Message")]


def inbound_count():
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


def test_signed_message_reaches_rasa_keyed_by_hmac_and_replies_come_back_in_order(post):
    rasa = FakeRasa()
    status, body = post(rasa, sms_params(sender="(206) 555-0142"))
    assert status == 200
    assert replies(body) == ["first reply", "second reply"]
    (message,) = rasa.received
    assert message.text == "where can I get narcan near 98104"
    assert message.sender_id == sender_key("+12065550142", TEST_ENV["HUB_SECRET_KEY"])
    assert "555" not in message.sender_id and "555" not in str(message.metadata)
    assert message.input_channel == "twilio_sms"


@pytest.mark.parametrize(
    "signature",
    [None, "", "not-a-signature", sign(sms_params(sid="SMother"))],
    ids=["missing", "empty", "garbage", "another-message's"],
)
def test_a_missing_or_wrong_signature_gets_403_and_nothing_happens(post, signature):
    rasa = FakeRasa()
    status, body = post(rasa, sms_params(), signature=signature)
    assert status == 403 and "Message" not in body
    assert rasa.received == [] and inbound_count() == 0


def test_a_signature_over_another_url_or_token_is_refused(post):
    params = sms_params()
    for signature in (sign(params, url="http://localhost:5005/webhooks/twilio_sms/webhook"), sign(params, token="other-token")):
        assert post(FakeRasa(), params, signature=signature)[0] == 403


def test_a_body_changed_after_signing_is_refused(post):
    params = sms_params(body="narcan 98104")
    signature = sign(params)
    status, _ = post(FakeRasa(), {**params, "Body": "narcan 98122"}, signature=signature)
    assert status == 403


def test_a_second_delivery_of_the_same_message_sid_is_ignored(post_all):
    rasa = FakeRasa()
    params = sms_params(sid="SMduplicate0001")
    headers = {"X-Twilio-Signature": sign(params)}
    (first_status, first), (second_status, second) = post_all(rasa, [(params, headers), (params, headers)])
    assert first_status == second_status == 200
    assert replies(first) == ["first reply", "second reply"] and replies(second) == []
    assert len(rasa.received) == 1 and inbound_count() == 1


@pytest.mark.parametrize("body", ["", "   ", "\x00\x01"])
def test_an_empty_body_gets_a_plain_answer_without_rasa(post, body):
    rasa = FakeRasa()
    status, reply = post(rasa, sms_params(body=body))
    assert status == 200 and replies(reply) == [EMPTY_BODY_REPLY] and rasa.received == []


def test_a_body_longer_than_1600_characters_is_cut_to_1600(post):
    rasa = FakeRasa()
    status, _ = post(rasa, sms_params(body="narcan " * 400))
    assert status == 200 and len(rasa.received[0].text) == 1600


def test_emoji_and_quotes_pass_through(post):
    rasa = FakeRasa()
    text = "need narcan 🙏 near 98104 — \"asap\" <now> & ' ; DROP TABLE service;--"
    status, _ = post(rasa, sms_params(body=text))
    assert status == 200 and rasa.received[0].text == text


def test_missing_message_sid_or_from_is_a_bad_request(post):
    for missing in ("MessageSid", "From"):
        params = sms_params()
        params.pop(missing)
        params.pop("SmsSid")
        assert post(FakeRasa(), params)[0] == 400


def test_when_rasa_fails_the_texter_still_gets_a_plain_answer(post):
    status, body = post(FakeRasa(error=RuntimeError("action server down")), sms_params())
    assert status == 200 and replies(body) == [TROUBLE_REPLY]


def test_when_rasa_says_nothing_the_texter_still_gets_a_plain_answer(post):
    status, body = post(FakeRasa(replies=()), sms_params())
    assert status == 200 and replies(body) == [TROUBLE_REPLY]


def late_answers(number="+12065550142", expect=1, wait=10.0):
    """The late answers queued in the outbox for `number`, once at least `expect` are there."""
    from bot.notify.outbox import Purpose, list_messages

    deadline = time.monotonic() + wait
    while True:
        with session_scope() as session:
            bodies = [row.body for row in list_messages(session, number) if row.purpose == Purpose.LATE_ANSWER]
        if len(bodies) >= expect or time.monotonic() > deadline:
            return bodies
        time.sleep(0.05)


def test_an_overdose_message_gets_911_at_once_even_when_the_bot_misses_it(post):
    status, body = post(FakeRasa(replies=("You're welcome.",)), sms_params(body="my friend is not breathing"))
    assert status == 200 and replies(body) == [EMERGENCY_REPLY]
    assert late_answers() == ["You're welcome."]  # the rest of the turn follows by text


def test_the_safety_net_speaks_the_language_of_the_message(post):
    status, body = post(FakeRasa(replies=("De nada.",)), sms_params(body="ayuda mi amigo no respira"))
    assert status == 200 and replies(body) == [EMERGENCY_REPLY_ES]
    assert late_answers() == ["De nada."]


def test_the_steps_are_not_sent_twice_when_the_bot_gives_them_too(post):
    rasa = FakeRasa(replies=(EMERGENCY_REPLY,))
    status, body = post(rasa, sms_params(body="she won't wake up"))
    assert replies(body) == [EMERGENCY_REPLY]
    deadline = time.monotonic() + 5
    while not rasa.received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert len(rasa.received) == 1 and late_answers(expect=0, wait=0) == []


def test_a_reply_that_only_says_call_911_is_not_the_steps(post):
    status, body = post(FakeRasa(replies=("Sorry, I didn't get that. If someone is not breathing, call 911 now.",)),
                        sms_params(body="she won't wake up"))
    assert replies(body) == [EMERGENCY_REPLY]
    assert late_answers() == ["Sorry, I didn't get that. If someone is not breathing, call 911 now."]


def test_when_the_database_is_down_the_texter_gets_plain_words_and_an_overdose_the_steps(post, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("INSERT INTO inbound_message", {}, Exception("could not connect to server"))

    monkeypatch.setattr("bot.channels.twilio_sms.take_message", down)
    rasa = FakeRasa()
    status, body = post(rasa, sms_params(body="narcan 98104"))
    assert status == 200 and replies(body) == [TROUBLE_REPLY] and rasa.received == []
    status, body = post(rasa, sms_params(body="he's not breathing"))
    assert status == 200 and replies(body) == [EMERGENCY_REPLY]


def test_buttons_become_a_reply_line(post):
    rasa = FakeRasa(replies=(), buttons=[{"title": "yes", "payload": "/affirm"}, {"title": "no", "payload": "/deny"}])
    _, body = post(rasa, sms_params())
    assert replies(body) == ["Pick one\nReply: yes / no"]


def test_a_non_phone_sender_is_keyed_too(post):
    rasa = FakeRasa()
    status, _ = post(rasa, sms_params(sender="client:trainer"))
    assert status == 200 and rasa.received[0].sender_id.startswith("h")


def test_invalid_utf8_in_a_signed_body_does_not_break_the_channel(post_all):
    # Twilio always sends UTF-8; a body that is not has been tampered with, so it is refused.
    params = sms_params(body="narcan")
    headers = {"X-Twilio-Signature": sign(params), "Content-Type": "application/x-www-form-urlencoded"}
    raw = urlencode(params)
    corrupted = raw.replace("Body=narcan", "Body=narc%FF%FEan")
    rasa = FakeRasa()
    (status, _), = post_all(rasa, [(corrupted.encode(), headers)])
    assert status == 403 and rasa.received == []
    (status, _), = post_all(rasa, [(raw.encode(), headers)])  # the same request, uncorrupted
    assert status == 200 and len(rasa.received) == 1


def test_a_json_body_is_refused(post_all):
    rasa = FakeRasa()
    (status, _), = post_all(rasa, [(b'{"Body": "hi"}', {"X-Twilio-Signature": "x", "Content-Type": "application/json"})])
    assert status == 403 and rasa.received == []


def test_a_phone_number_in_a_message_reaches_rasa_only_as_its_stand_in(post):
    from bot.phonebook import number_for

    rasa = FakeRasa()
    body = "Referral: consented, 206-555-0142, post OD"
    status, _ = post(rasa, sms_params(body=body, sender="+12065550181"))
    (message,) = rasa.received
    assert status == 200 and "555" not in message.text and "0142" not in message.text
    assert message.text.startswith("Referral: consented, tel:h") and message.text.endswith(", post OD")
    with session_scope() as session:
        assert number_for(session, message.text) == "+12065550142"


# --- never silent: the answer deadline, the emergency fast path, one sender's turns in order ---

@pytest.fixture
def deadline(monkeypatch):
    """A one-second answer deadline, so that a stalled turn is seen quickly."""
    from bot.config import get_settings

    monkeypatch.setenv("HUB_ANSWER_DEADLINE", "1s")
    get_settings.cache_clear()
    return 1.0


def timed_post(post, rasa, params):
    started = time.monotonic()
    status, body = post(rasa, params)
    return status, body, time.monotonic() - started


def test_a_stalled_turn_gets_the_holding_reply_by_the_deadline_and_its_answer_once_by_outbox(post, deadline):
    from bot.metrics import deadline_misses, turn_seconds

    rasa = FakeRasa(delay=3)
    misses, turns = deadline_misses.labels("sms")._value.get(), turn_seconds.labels("sms")._sum.get()
    status, body, took = timed_post(post, rasa, sms_params(body="narcan 98104"))
    assert status == 200 and took < deadline + 0.5
    assert deadline_misses.labels("sms")._value.get() == misses + 1  # counted for /webhooks/metrics/
    assert turn_seconds.labels("sms")._sum.get() - turns >= deadline - 0.1
    (holding,) = replies(body)
    assert holding.startswith("Got your message. The answer is on its way") and "911" in holding
    assert late_answers(expect=2) == ["first reply", "second reply"]
    time.sleep(0.5)
    assert late_answers(expect=3, wait=0) == ["first reply", "second reply"]  # once


def test_the_holding_reply_speaks_the_texters_language(post, deadline):
    status, body = post(FakeRasa(delay=2), sms_params(body="necesito jeringas cerca de 98104"))
    assert replies(body)[0].startswith("Recibimos tu mensaje") and "911" in replies(body)[0]
    assert late_answers(expect=2) == ["first reply", "second reply"]


def test_an_overdose_text_during_a_stall_gets_911_at_once_from_the_same_number(post_all, deadline):
    import threading

    rasa = FakeRasa(delay=3)
    stalled = sms_params(body="narcan 98104")
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("stalled", post_all(rasa, [(stalled, {"X-Twilio-Signature": sign(stalled)})])))
    first.start()
    time.sleep(0.3)
    overdose = sms_params(body="he's not breathing")
    started = time.monotonic()
    (status, body), = post_all(rasa, [(overdose, {"X-Twilio-Signature": sign(overdose)})])
    assert status == 200 and replies(body) == [EMERGENCY_REPLY] and time.monotonic() - started < 0.5
    first.join(10)
    assert replies(results["stalled"][0][1])[0].startswith("Got your message")
    # Both turns still reach the conversation, in the order sent, one at a time.
    assert late_answers(expect=4) == ["first reply", "second reply"] * 2
    assert [m.text for m in rasa.received] == ["narcan 98104", "he's not breathing"] and rasa.most_busy == 1


def test_a_redelivered_overdose_text_gets_911_again(post_all):
    rasa = FakeRasa(replies=())
    params = sms_params(body="she won't wake up", sid="SMredelivered0001")
    headers = {"X-Twilio-Signature": sign(params)}
    (first_status, first), (second_status, second) = post_all(rasa, [(params, headers), (params, headers)])
    assert first_status == second_status == 200
    assert replies(first) == replies(second) == [EMERGENCY_REPLY]
    time.sleep(0.5)
    assert len(rasa.received) == 1 and inbound_count() == 1  # the conversation sees it once


def test_twenty_texts_from_one_number_in_a_burst_are_taken_in_order_one_turn_at_a_time(post_all, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from bot.channels import twilio_sms

    arrived = []  # the order the webhook read them in (threads and the network may reorder what is sent)
    read = twilio_sms.clean_body

    def reading(raw):
        arrived.append(raw)
        return read(raw)

    monkeypatch.setattr(twilio_sms, "clean_body", reading)
    rasa = FakeRasa(replies=("ok",), delay=0.05)
    burst = [sms_params(body=f"message {i}") for i in range(20)]

    def send(params):
        return post_all(rasa, [(params, {"X-Twilio-Signature": sign(params)})])[0]

    with ThreadPoolExecutor(20) as pool:
        futures = []
        for params in burst:
            futures.append(pool.submit(send, params))
            time.sleep(0.01)  # sent in this order, as a phone sends them
        answers = [future.result() for future in futures]
    assert all(status == 200 and replies(body) == ["ok"] for status, body in answers)
    assert sorted(arrived) == sorted(f"message {i}" for i in range(20))
    assert [m.text for m in rasa.received] == arrived
    assert rasa.most_busy == 1


def test_a_1600_character_text_keeps_the_deadline(post, deadline):
    body = ("narcan near 98104 please " * 70)[:1600]
    status, answer, took = timed_post(post, FakeRasa(delay=3), sms_params(body=body))
    assert status == 200 and took < deadline + 0.5 and replies(answer)[0].startswith("Got your message")
    assert late_answers(expect=2) == ["first reply", "second reply"]


def test_invalid_utf8_is_refused_within_the_deadline(post_all, deadline):
    params = sms_params(body="narcan")
    headers = {"X-Twilio-Signature": sign(params), "Content-Type": "application/x-www-form-urlencoded"}
    corrupted = urlencode(params).replace("Body=narcan", "Body=%FF%FE%FD")
    started = time.monotonic()
    (status, _), = post_all(FakeRasa(delay=3), [(corrupted.encode(), headers)])
    assert status == 403 and time.monotonic() - started < deadline


def test_stop_from_a_texter_waiting_behind_a_crowd_is_still_answered_at_once(post, deadline, monkeypatch):
    """STOP, HELP, the relay and specialists' commands are answered before Rasa's queue."""
    from bot.channels.admission import Admission

    crowd = Admission(in_flight=1, bound=0)  # always crowded
    monkeypatch.setattr("bot.channels.twilio_sms.TwilioSmsInput.admission", lambda self, settings: crowd)
    status, body, took = timed_post(post, FakeRasa(), sms_params(body="STOP", sender="+12065550143"))
    assert replies(body)[0].startswith("You won't get more messages") and took < deadline
    status, body, took = timed_post(post, FakeRasa(delay=2), sms_params(body="narcan 98104", sender="+12065550144"))
    assert replies(body)[0].startswith("Got your message") and took < deadline  # past the bound: holding at once
    assert late_answers("+12065550144", expect=2) == ["first reply", "second reply"]


def test_late_answers_to_one_texter_arrive_in_the_order_of_their_texts(post, deadline):
    rasa = FakeRasa(replies="echo", delay=1.5)
    for body in ("first question", "second question", "third question"):
        status, answer = post(rasa, sms_params(body=body))
        assert replies(answer)[0].startswith("Got your message")
    assert late_answers(expect=3, wait=15) == ["answer to first question", "answer to second question", "answer to third question"]


# --- a limit on one action call (HUB_ACTION_TIMEOUT) ---

@pytest.mark.parametrize(("body", "expected"), [
    ("where can I get narcan near 98104", "That took too long on our side. Please send it again, "
                                          "or text STATUS if you asked for a person."),
    ("donde consigo naloxona cerca de 98104", "Eso tardó demasiado de nuestro lado. Por favor, envíalo de nuevo, "
                                              "o escribe STATUS si pediste hablar con una persona."),
])
def test_an_action_server_that_never_answers_gets_plain_words_and_frees_the_turns_place(
        post, silent_action_server, action_timeout, body, expected):
    from bot.channels import admission

    rasa = RasaCallingAnAction(silent_action_server.url)
    started = time.monotonic()
    status, reply = post(rasa, sms_params(body=body))
    took = time.monotonic() - started
    assert status == 200 and replies(reply) == [expected]  # not the answer built on the half-done turn
    assert took < action_timeout + 2 < 8  # within the limit, not Rasa's 300 s, and inside the answer deadline
    assert silent_action_server.calls == 1
    queue = admission._shared
    assert rasa.free_inside == queue.in_flight - 1  # the turn held a place while it waited...
    assert queue._free == queue.in_flight and queue.idle()  # ...and gave it back when the limit ran out


def signals_counted(expect: int, wait: float = 5.0) -> list[tuple]:
    from bot.db.models import SignalCount

    deadline = time.monotonic() + wait
    while True:
        with session_scope() as session:
            rows = [tuple(r) for r in session.execute(select(SignalCount.area, SignalCount.kind, SignalCount.count))]
        if sum(r[2] for r in rows) >= expect or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_an_overdose_text_is_counted_once_after_its_911_reply(post):
    """Issue 35: the signal is recorded off the hot path, SIGNAL_AFTER_SECONDS (1 s) after the
    turn's reply; the same texter's redelivery and second text in the hour count once, and the
    count holds the area only."""
    status, body = post(FakeRasa(replies=("You're welcome.",)), sms_params(body="my friend is not breathing at 98104", sid="SMsignal1"))
    assert status == 200 and replies(body) == [EMERGENCY_REPLY]
    assert signals_counted(expect=1, wait=0) == []  # the 911 steps went first
    assert signals_counted(expect=1) == [("98104", "overdose", 1)]
    post(FakeRasa(replies=("You're welcome.",)), sms_params(body="my friend is not breathing at 98104", sid="SMsignal1"))
    post(FakeRasa(replies=("ok",)), sms_params(body="still not breathing 98104"))
    time.sleep(0.6)
    assert signals_counted(expect=2, wait=0) == [("98104", "overdose", 1)]
    post(FakeRasa(replies=("ok",)), sms_params(body="he won't wake up, 98104", sender="+12065550143"))
    assert signals_counted(expect=2) == [("98104", "overdose", 2)]
