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

    def find_sent(self, to_number, from_number, body, since):
        return None


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


class InterruptedTransport(RecordingTransport):
    """A transport that can be asked whether an interrupted send got through."""

    def __init__(self, *outcomes, found=None):
        super().__init__(*outcomes)
        self.found, self.asked = found, []

    def find_sent(self, to_number, from_number, body, since):
        self.asked.append((body, since))
        return self.found


def interrupt(row_id):
    """As a worker killed mid-send leaves a row: 'sending', its lease run out."""
    from datetime import timedelta

    from bot.clock import utcnow
    from bot.notify.outbox import claim_due

    with session_scope() as session:
        claim_due(session)
        session.get(OutboxMessage, row_id).next_attempt_at = utcnow() - timedelta(seconds=1)


def test_an_interrupted_send_that_got_through_is_recorded_not_resent(migrated_db):
    row_id = queue()
    interrupt(row_id)
    transport = InterruptedTransport(found=Delivery(ok=True, provider_sid="SM-first"))
    assert deliver_due(transport) == 1
    assert transport.sent == [] and transport.asked[0][0] == "alert"
    done = row(row_id)
    assert (done.status, done.provider_sid, done.claimed_at, done.attempts) == ("sent", "SM-first", None, 2)


def test_an_interrupted_send_that_never_arrived_is_sent_once(migrated_db):
    row_id = queue()
    interrupt(row_id)
    transport = InterruptedTransport()
    deliver_due(transport)
    assert transport.sent == [("+12065550160", "alert")] and row(row_id).status == "sent"


def test_when_the_provider_cannot_be_asked_nothing_is_sent_and_the_doubt_is_kept(migrated_db):
    row_id = queue()
    interrupt(row_id)
    transport = InterruptedTransport(found=Delivery(ok=False, error="Twilio unreachable", retryable=True, maybe_sent=True))
    deliver_due(transport)
    waiting = row(row_id)
    assert transport.sent == [] and waiting.status == "pending" and waiting.claimed_at is not None


def test_a_timeout_leaves_the_next_attempt_to_ask_first(migrated_db):
    row_id = queue()
    deliver_due(RecordingTransport(Delivery(ok=False, error="Twilio unreachable: read timeout", retryable=True, maybe_sent=True)))
    assert row(row_id).claimed_at is not None
    with session_scope() as session:
        session.get(OutboxMessage, row_id).next_attempt_at = row(row_id).created_at
    transport = InterruptedTransport(found=Delivery(ok=True, provider_sid="SM-late"))
    deliver_due(transport)
    assert transport.sent == [] and row(row_id).provider_sid == "SM-late"
