"""Delivery receipts over real HTTP: the worker sends through the real `twilio` client to the
recording double of Twilio (tests/bot/notify/twilio_double.py), which keeps the status callback
each message named; the test then plays Twilio and posts signed receipts to that URL."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Handoff, HandoffLog, OutboxMessage
from bot.handoff import engine
from bot.notify.transports import TwilioTransport, twilio_client
from bot.worker import deliver_due
from tests.bot.handoff.conftest import add
from tests.bot.notify.twilio_double import TwilioDouble
from tests.conftest import TEST_ENV, TWILIO_ACCOUNT

TOKEN = TEST_ENV["TWILIO_AUTH_TOKEN"]
ANA, BEN, COORDINATOR = "+12065550111", "+12065550112", "+12065550119"


@pytest.fixture
def twilio():
    with TwilioDouble() as double:
        yield double


@pytest.fixture
def deliver(twilio, migrated_db):
    transport = TwilioTransport(twilio_client(TWILIO_ACCOUNT, "token", twilio.url))
    return lambda: deliver_due(transport)


@pytest.fixture
def post_receipt(channels_base_url, twilio):
    def post(to, status, error_code=None, signature="sign", sid=None, callback=None):
        """Post Twilio's receipt for the last message sent to `to`, to the URL it named."""
        message = [m for m in twilio.messages if m["to"] == to][-1]
        callback = callback or message["status_callback"]
        params = {"MessageSid": sid or message["sid"], "SmsSid": sid or message["sid"], "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": TWILIO_ACCOUNT, "From": message["from"], "To": to, "ApiVersion": "2010-04-01"}
        if error_code:
            params["ErrorCode"] = str(error_code)
        headers = {} if signature is None else {
            "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(callback, params) if signature == "sign" else signature}
        parts = urlsplit(callback)
        return requests.post(f"{channels_base_url}{parts.path}?{parts.query}", data=params, headers=headers, timeout=30)

    return post


def handoff_to(area="98104") -> str:
    with session_scope() as session:
        return engine.create_handoff(session, source="community", person_key="k1", consent_by="person",
                                     consent_text="yes please", area=area, person_number="+12065550142").ref


def state(ref):
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        events = [e for e in session.scalars(select(HandoffLog.event).where(HandoffLog.handoff_id == handoff.id).order_by(HandoffLog.id))]
        return handoff.state, handoff.specialist_id, events


def outbox(to):
    with session_scope() as session:
        return [(m.purpose, m.status, m.delivery_status, m.delivery_error_code)
                for m in session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == to).order_by(OutboxMessage.id))]


def test_every_message_names_the_signed_status_callback(deliver, twilio):
    add("Ana", ANA)
    handoff_to()
    deliver()
    (message,) = twilio.messages
    with session_scope() as session:
        row_id = session.scalar(select(OutboxMessage.id))
    assert message["status_callback"] == f"{TEST_ENV['HUB_PUBLIC_URL']}/webhooks/twilio_status/webhook?outbox={row_id}"


def test_an_undelivered_alert_goes_to_the_next_specialist_at_once(deliver, post_receipt, twilio, capsys):
    ana, ben = add("Ana", ANA), add("Ben", BEN)
    ref = handoff_to()
    deliver()
    assert state(ref)[:2] == ("alerted", ana)
    reply = post_receipt(ANA, "undelivered", 30003)  # Ana's phone is off
    assert reply.status_code == 204
    assert outbox(ANA) == [("alert", "sent", "undelivered", "30003")]
    assert state(ref) == ("alerted", ben, ["created", "alerted", "undelivered", "alerted"])
    deliver()
    assert [m["to"] for m in twilio.messages] == [ANA, BEN] and outbox(BEN) == [("alert", "sent", None, None)]
    # Twilio posting the same receipt again, or a late 'sent', changes nothing.
    assert post_receipt(ANA, "undelivered", 30003).status_code == 204
    assert post_receipt(ANA, "sent").status_code == 204
    assert state(ref)[1] == ben and outbox(ANA) == [("alert", "sent", "undelivered", "30003")]
    # What the operator sees.
    assert main(["outbox", "--to", ANA]) == 0
    assert "[alert, sent, undelivered, error 30003]" in capsys.readouterr().out
    assert main(["outbox", "--to", ANA, "--json"]) == 0
    (shown,) = json.loads(capsys.readouterr().out)["messages"]
    assert (shown["delivery"], shown["delivery_error_code"]) == ("undelivered", "30003")


def test_a_failed_alert_is_re_offered_too_and_a_delivered_one_is_not(deliver, post_receipt):
    add("Ana", ANA)
    ben = add("Ben", BEN)
    ref = handoff_to()
    deliver()
    post_receipt(ANA, "failed", 30005)  # unknown number
    deliver()
    assert state(ref)[1] == ben
    assert post_receipt(BEN, "sent").status_code == 204
    assert post_receipt(BEN, "delivered").status_code == 204
    assert state(ref)[:2] == ("alerted", ben) and outbox(BEN) == [("alert", "sent", "delivered", None)]


def test_an_alert_accepted_before_its_receipt_stays_accepted(deliver, post_receipt):
    ana = add("Ana", ANA)
    add("Ben", BEN)
    ref = handoff_to()
    deliver()
    with session_scope() as session:
        engine.accept(session, session.get(engine.Specialist, ana), ref)
    post_receipt(ANA, "undelivered", 30007)  # a carrier's late word on a message that did arrive
    assert state(ref)[:2] == ("accepted", ana)


def test_an_undelivered_coordinator_alert_is_recorded_for_an_operator(deliver, post_receipt):
    add("Coordinator", COORDINATOR, zips="", coordinator=True)
    ref = handoff_to()  # nobody on call: the coordinator
    deliver()
    post_receipt(COORDINATOR, "undelivered", 30003)
    assert state(ref)[0] == "escalated" and state(ref)[2][-1] == "undelivered"
    assert outbox(COORDINATOR) == [("escalation", "sent", "undelivered", "30003")]


def test_forged_malformed_and_unknown_receipts(deliver, post_receipt, twilio):
    ana, _ben = add("Ana", ANA), add("Ben", BEN)
    ref = handoff_to()
    deliver()
    assert post_receipt(ANA, "undelivered", 30003, signature=None).status_code == 403
    assert post_receipt(ANA, "undelivered", 30003, signature="forged").status_code == 403
    assert state(ref)[1] == ana and outbox(ANA)[0][2] is None  # nothing recorded, nobody re-offered
    assert post_receipt(ANA, "").status_code == 400
    callback = twilio.messages[0]["status_callback"]
    # A receipt for a message the outbox does not hold (purged, or another sender's): accepted, ignored.
    unknown = callback.replace("outbox=1", "outbox=999")
    assert post_receipt(ANA, "delivered", sid="SM" + "f" * 32, callback=unknown).status_code == 204
    assert post_receipt(ANA, "bogus-status").status_code == 204


def test_a_receipt_whose_signature_covers_another_row_is_refused(deliver, channels_base_url, twilio):
    add("Ana", ANA)
    handoff_to()
    deliver()
    message = twilio.messages[0]
    params = {"MessageSid": message["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003", "AccountSid": TWILIO_ACCOUNT}
    signature = RequestValidator(TOKEN).compute_signature(message["status_callback"], params)
    reply = requests.post(f"{channels_base_url}/webhooks/twilio_status/webhook?outbox=2", data=params,
                          headers={"X-Twilio-Signature": signature}, timeout=30)
    assert reply.status_code == 403
    assert outbox(ANA) == [("alert", "sent", None, None)]
