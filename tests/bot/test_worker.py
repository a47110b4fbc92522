"""The outbox and its worker: stored locally, retried with backoff, never sent twice."""

from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.notify.outbox import MAX_ATTEMPTS, Delivery, enqueue
from bot.notify.transports import OutboxTransport
from bot.worker import deliver_due


class RecordingTransport:
    def __init__(self, *outcomes):
        self.outcomes, self.sent = list(outcomes), []

    def send(self, to_number, from_number, body):
        self.sent.append((to_number, body))
        return self.outcomes.pop(0) if self.outcomes else Delivery(ok=True, provider_sid="SM1")


def queue(body="alert"):
    with session_scope() as session:
        return enqueue(session, to_number="+12065550160", from_number="+12065550100", body=body, purpose="test").id


def row(row_id):
    with session_scope() as session:
        return session.get(OutboxMessage, row_id)


def test_the_local_transport_keeps_messages_in_the_outbox(migrated_db):
    row_id = queue()
    assert deliver_due(OutboxTransport()) == 1
    assert row(row_id).status == "stored" and row(row_id).sent_at is not None
    assert deliver_due(OutboxTransport()) == 0  # never handled twice


def test_a_delivered_message_is_never_sent_again(migrated_db):
    transport = RecordingTransport()
    row_id = queue()
    deliver_due(transport)
    deliver_due(transport)
    assert transport.sent == [("+12065550160", "alert")]
    assert row(row_id).status == "sent" and row(row_id).provider_sid == "SM1"


def test_a_retryable_failure_waits_and_retries(migrated_db):
    transport = RecordingTransport(Delivery(ok=False, error="Twilio 503", retryable=True))
    row_id = queue()
    deliver_due(transport)
    failed = row(row_id)
    assert failed.status == "pending" and failed.attempts == 1 and failed.last_error == "Twilio 503"
    assert failed.next_attempt_at > failed.created_at
    assert deliver_due(transport) == 0  # not due yet
    with session_scope() as session:
        session.get(OutboxMessage, row_id).next_attempt_at = failed.created_at
    deliver_due(transport)
    assert row(row_id).status == "sent" and len(transport.sent) == 2


def test_a_permanent_failure_is_not_retried(migrated_db):
    transport = RecordingTransport(Delivery(ok=False, error="Twilio 400 21610: unsubscribed", retryable=False))
    row_id = queue()
    deliver_due(transport)
    assert row(row_id).status == "failed"


def test_retries_stop_after_the_last_attempt(migrated_db):
    row_id = queue()
    with session_scope() as session:
        session.get(OutboxMessage, row_id).attempts = MAX_ATTEMPTS - 1
    deliver_due(RecordingTransport(Delivery(ok=False, error="timeout", retryable=True)))
    assert row(row_id).status == "failed" and row(row_id).attempts == MAX_ATTEMPTS


def test_nothing_is_sent_to_a_number_that_texted_stop(migrated_db):
    from bot.config import get_settings
    from bot.notify.optout import opt_in, opt_out
    from bot.privacy import sender_key

    key = sender_key("+12065550160", get_settings().require_secret_key())
    with session_scope() as session:
        opt_out(session, key)
    transport = RecordingTransport()
    blocked = queue("alert one")
    deliver_due(transport)
    assert transport.sent == [] and row(blocked).status == "blocked"
    with session_scope() as session:
        opt_in(session, key)
    allowed = queue("alert two")
    deliver_due(transport)
    assert transport.sent == [("+12065550160", "alert two")] and row(allowed).status == "sent"
