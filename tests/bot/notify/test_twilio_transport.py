"""The Twilio transport against a mock built from Twilio's official OpenAPI description
(../shared/twilio/twilio_api_v2010.json, served by Stoplight Prism: the `twilio_mock` fixture of
tests/conftest.py): a request Twilio would reject is rejected here too."""
from __future__ import annotations

from datetime import UTC

import requests
from twilio.rest import Client

from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.notify.outbox import enqueue
from bot.notify.transports import BaseUrlHttpClient, TwilioTransport, twilio_client
from bot.worker import deliver_due

ACCOUNT = "AC" + "0" * 32
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def test_the_mock_rejects_a_message_twilio_would_reject(twilio_mock):
    # No To: Twilio answers 400, the mock 422. This proves the mock checks requests at all.
    reply = requests.post(twilio_mock + MESSAGES, data={"From": "+12065550100", "Body": "hi"}, auth=(ACCOUNT, "token"), timeout=10)
    assert reply.status_code >= 400


def test_a_message_sent_the_way_the_worker_sends_it_is_accepted(twilio_mock):
    delivery = TwilioTransport(twilio_client(ACCOUNT, "token", twilio_mock)).send("+12065550111", "+12065550100", "Health Hub H-1234: test")
    assert delivery.ok and delivery.provider_sid.startswith("SM")


def test_a_4xx_is_final_and_an_unreachable_api_is_retried(twilio_mock):
    # Prism answers a forced, undeclared status with 404: a client error, never worth retrying.
    client = Client(ACCOUNT, "token", http_client=BaseUrlHttpClient(twilio_mock, {"Prefer": "code=500"}))
    refused = TwilioTransport(client).send("+12065550111", "+12065550100", "hi")
    assert not refused.ok and not refused.retryable and refused.error.startswith("Twilio 4")
    down = TwilioTransport(twilio_client(ACCOUNT, "token", "http://127.0.0.1:9")).send("+12065550111", "+12065550100", "hi")
    assert not down.ok and down.retryable


def test_the_worker_delivers_the_outbox_through_twilio(twilio_mock, migrated_db):
    with session_scope() as session:
        row_id = enqueue(session, to_number="+12065550111", from_number="+12065550100", body="alert", purpose="alert").id
    assert deliver_due(TwilioTransport(twilio_client(ACCOUNT, "token", twilio_mock))) == 1
    with session_scope() as session:
        row = session.get(OutboxMessage, row_id)
        assert row.status == "sent" and row.provider_sid.startswith("SM")


def test_looking_up_an_interrupted_send_is_a_request_twilio_accepts(twilio_mock):
    from datetime import datetime

    # The mock answers with the specification's example messages, none of them ours: not found.
    found = TwilioTransport(twilio_client(ACCOUNT, "token", twilio_mock)).find_sent(
        "+12065550111", "+12065550100", "Health Hub H-1234: test", datetime(2026, 11, 23, 18, 0))
    assert found is None


def test_an_interrupted_send_is_found_among_twilio_s_messages():
    from datetime import datetime

    from tests.bot.notify.twilio_double import TwilioDouble

    with TwilioDouble() as double:
        transport = TwilioTransport(twilio_client(ACCOUNT, "token", double.url))
        since = datetime.utcnow()
        sent = transport.send("+12065550111", "+12065550100", "Health Hub H-1234: test")
        transport.send("+12065550111", "+12065550100", "another message")
        assert transport.find_sent("+12065550111", "+12065550100", "Health Hub H-1234: test", since).provider_sid == sent.provider_sid
        assert transport.find_sent("+12065550112", "+12065550100", "Health Hub H-1234: test", since) is None
    down = TwilioTransport(twilio_client(ACCOUNT, "token", "http://127.0.0.1:9")).find_sent("+12065550111", "+12065550100", "x", since)
    assert not down.ok and down.retryable and down.maybe_sent


def test_an_interrupted_send_is_never_matched_to_an_earlier_identical_message():
    # Review 15: "ok" relayed at 10:00:00 and delivered; "ok" again at 10:00:30, and that send
    # timed out. The first one is not the second's proof of delivery.
    from datetime import datetime, timedelta
    from email.utils import format_datetime

    from tests.bot.notify.twilio_double import TwilioDouble

    with TwilioDouble() as double:
        transport = TwilioTransport(twilio_client(ACCOUNT, "token", double.url))
        transport.send("+12065550111", "+12065550100", "ok")
        double.messages[0]["date_created"] = format_datetime(datetime.now(UTC) - timedelta(seconds=30))
        since = datetime.utcnow()
        assert transport.find_sent("+12065550111", "+12065550100", "ok", since) is None
        second = transport.send("+12065550111", "+12065550100", "ok")  # this one did reach Twilio
        assert transport.find_sent("+12065550111", "+12065550100", "ok", since).provider_sid == second.provider_sid


class _Refusing:
    """A Twilio client whose Messages API refuses with Twilio's own wording, which quotes the number."""

    def __init__(self):
        from types import SimpleNamespace

        from twilio.base.exceptions import TwilioRestException

        def create(**_):
            raise TwilioRestException(400, f"https://api.twilio.com{MESSAGES}",
                                      msg="The 'To' number +12065550111 is not a valid phone number.", code=21211)
        self.messages = SimpleNamespace(create=create)


def test_a_refusal_is_recorded_and_logged_as_codes_not_twilio_s_wording(migrated_db, caplog):
    with session_scope() as session:
        row_id = enqueue(session, to_number="+12065550111", from_number="+12065550100", body="alert", purpose="alert").id
    with caplog.at_level("INFO"):
        deliver_due(TwilioTransport(_Refusing()))
    with session_scope() as session:
        row = session.get(OutboxMessage, row_id)
        assert row.status == "failed" and row.last_error == "Twilio 400 error 21211"
    assert "21211" in caplog.text and "+12065550111" not in caplog.text and "valid phone number" not in caplog.text


def test_no_request_to_twilio_logs_a_number(caplog):
    """Twilio's HTTP client logs each request's query string at INFO; looking up an interrupted send
    puts the recipient there (To=+1...)."""
    from datetime import datetime

    from tests.bot.notify.twilio_double import TwilioDouble

    caplog.set_level("INFO")  # the level the worker logs at
    with TwilioDouble() as double:
        transport = TwilioTransport(twilio_client(ACCOUNT, "token", double.url))
        transport.send("+12065550111", "+12065550100", "Health Hub H-1234: see you at the library")
        transport.find_sent("+12065550111", "+12065550100", "x", datetime.utcnow())
    assert "5550111" not in caplog.text and "library" not in caplog.text
    down = TwilioTransport(twilio_client(ACCOUNT, "token", "http://127.0.0.1:9")).find_sent("+12065550111", "+12065550100", "x", datetime.utcnow())
    assert "5550111" not in down.error and "127.0.0.1" not in down.error


def test_a_message_with_its_status_callback_is_a_request_twilio_accepts(twilio_mock):
    delivery = TwilioTransport(twilio_client(ACCOUNT, "token", twilio_mock)).send(
        "+12065550111", "+12065550100", "Health Hub H-1234: test",
        status_callback="https://hotline.example.org/webhooks/twilio_status/webhook?outbox=12")
    assert delivery.ok and delivery.provider_sid.startswith("SM")


def test_twilio_s_refusals_read_as_what_they_mean():
    from bot.notify.transports import delivery_for_error

    assert delivery_for_error(401, 20003).alarm == "twilio_auth" and delivery_for_error(401, 20003).retryable
    assert delivery_for_error(403, 20005).alarm == "twilio_auth"
    assert delivery_for_error(400, 21611).alarm == "twilio_queue_full" and delivery_for_error(400, 21611).retryable
    assert delivery_for_error(400, 21610).blocked and not delivery_for_error(400, 21610).retryable
    assert delivery_for_error(429, 20429).retryable and delivery_for_error(429, 20429).alarm is None
    assert delivery_for_error(503, None).retryable
    assert not delivery_for_error(400, 21211).retryable and delivery_for_error(400, 21211).error == "Twilio 400 error 21211"
