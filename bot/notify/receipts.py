"""Delivery receipts: Twilio posts each outbound message's status to a signed callback
(bot/channels/twilio_status.py); what it says is recorded on the outbox row."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings
from bot.db.models import OutboxMessage

STATUS_CALLBACK_PATH = "/webhooks/twilio_status/webhook"


def status_callback_url(settings: Settings, outbox_id: int) -> str:
    """Where Twilio reports on one outbox message. The row's id rides in the query string, which
    Twilio signs with the rest, so a receipt that comes before the worker has recorded the
    MessageSid still finds its row."""
    return f"{settings.public_url}{STATUS_CALLBACK_PATH}?outbox={outbox_id}"


# Twilio's message statuses in the order a message goes through them; a receipt never moves a
# row backwards (Twilio does not promise to post them in order), and a final one stays.
_ORDER = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
          "delivered": 4, "undelivered": 4, "failed": 4}
FINAL = ("delivered", "undelivered", "failed")
UNDELIVERABLE = ("undelivered", "failed")


def record_receipt(session: Session, outbox_id: int | None, message_sid: str, status: str,
                   error_code: str | None) -> tuple[OutboxMessage | None, bool]:
    """Record a receipt on its row: (the row, or None when it is not one of ours or was purged;
    whether it has just become undeliverable)."""
    status = (status or "").strip().lower()
    if status not in _ORDER:
        return None, False
    row = session.get(OutboxMessage, outbox_id, with_for_update=True) if outbox_id else None
    if row is None:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == message_sid).with_for_update())
    if row is None or (row.provider_sid and row.provider_sid != message_sid):
        return None, False
    if row.delivery_status in FINAL or _ORDER[status] < _ORDER.get(row.delivery_status or "", -1):
        return row, False
    row.delivery_status = status
    row.delivery_error_code = error_code if error_code and error_code.isdigit() and len(error_code) <= 8 else None
    row.delivery_updated_at = utcnow()
    return row, status in UNDELIVERABLE
