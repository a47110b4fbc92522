"""The durable outbox: every proactive message is a row first, delivered by the worker later,
so that a Twilio outage or a restart loses nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import OutboxMessage

MAX_ATTEMPTS = 8


def enqueue(session: Session, *, to_number: str, from_number: str, body: str, purpose: str) -> OutboxMessage:
    now = utcnow()
    message = OutboxMessage(
        to_number=to_number,
        from_number=from_number,
        body=body,
        purpose=purpose,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def claim_due(session: Session, limit: int = 20) -> list[OutboxMessage]:
    """Claim pending rows that are due by marking them 'sending' in the caller's transaction.

    SKIP LOCKED lets several workers share the table on PostgreSQL; SQLite ignores it and has a
    single writer anyway.
    """
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.status = "sending"
        row.attempts += 1
    session.flush()
    return rows


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Delivery:
    """What a transport did with one message."""

    ok: bool
    provider_sid: str | None = None
    error: str | None = None
    retryable: bool = False
    final_status: str = "sent"
    blocked: bool = False  # the recipient texted STOP


def record(row: OutboxMessage, delivery: Delivery) -> None:
    if delivery.ok:
        row.status = delivery.final_status
        row.sent_at = utcnow()
        row.provider_sid = delivery.provider_sid
        row.last_error = None
    elif delivery.blocked:
        row.status = "blocked"
        row.last_error = delivery.error
    elif delivery.retryable and row.attempts < MAX_ATTEMPTS:
        row.status = "pending"
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        row.last_error = delivery.error
    else:
        row.status = "failed"
        row.last_error = delivery.error


def list_messages(session: Session, to_number: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to_number:
        query = query.where(OutboxMessage.to_number == to_number)
    return list(reversed(list(session.scalars(query))))
