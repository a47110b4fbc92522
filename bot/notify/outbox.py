"""The durable outbox: every proactive message is a row first, delivered by the worker later,
so that a Twilio outage or a restart loses nothing."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import OutboxMessage
from bot.words import Word

MAX_ATTEMPTS = 8
# How long a message waits while an operator alarm (a refused auth token, a full queue) stands,
# retried every few minutes; past it, it fails and is counted in `hub status`.
ALARM_HOLD = timedelta(hours=24)


class Purpose(Word):
    """Why a message is in the outbox: what the worker sends first (PRIORITY), what `hub status`
    counts apart, and what a delivery failure tells a person about."""

    ALERT = "alert"  # a handoff alert to a specialist
    ESCALATION = "escalation"  # the same alert to the next specialist or the coordinator
    RELAY = "relay"  # words between a person and their specialist
    NOTICE = "notice"  # a person or specialist told where a handoff stands
    LATE_ANSWER = "late_answer"  # a turn's answer that missed the webhook's deadline (bot/channels)
    LATE_EMERGENCY = "late_emergency"  # the same, for a turn whose answer carries the 911 steps
    DIRECTORY = "directory"  # a voice caller's list of places, by text
    REMINDER = "reminder"  # a specialist reminded to close a handoff
    FOLLOW_UP = "follow_up"  # a check-in after a handoff (issue 20)
    AREA_ALERT = "area_alert"  # a drug-supply alert to an area's subscribers (bot/alerts)


# Which due messages the worker sends first, lowest first, since HUB_SEND_RATE lets only so many
# out a second: a specialist's alert and the words of a conversation in progress must never wait
# behind an alert to ten thousand subscribers. Defined here only; the claim query orders by it.
PRIORITY = {
    Purpose.LATE_EMERGENCY: 0,  # the 911 steps (and the rest of their turn, in order)
    Purpose.ALERT: 0,
    Purpose.ESCALATION: 0,
    Purpose.RELAY: 1,
    Purpose.NOTICE: 1,
    Purpose.LATE_ANSWER: 2,
    Purpose.DIRECTORY: 2,
    Purpose.REMINDER: 2,
    Purpose.FOLLOW_UP: 3,
    Purpose.AREA_ALERT: 9,
}
# A purpose not named above goes after those named and before area alerts.
DEFAULT_PRIORITY = 5
# A turn's answer sent by text after the webhook's deadline (what `hub sms` waits for).
LATE_ANSWERS = (Purpose.LATE_EMERGENCY, Purpose.LATE_ANSWER)


def priority_order() -> Any:  # a SQLAlchemy CASE (SQLAlchemy 1.4 ships no types)
    """The claim query's ORDER BY term for PRIORITY."""
    return case({purpose.value: rank for purpose, rank in PRIORITY.items()}, value=OutboxMessage.purpose,
                else_=DEFAULT_PRIORITY)


def enqueue(session: Session, *, to_number: str, from_number: str, body: str, purpose: str,
            handoff_id: int | None = None) -> OutboxMessage:
    now = utcnow()
    message = OutboxMessage(
        to_number=to_number,
        from_number=from_number,
        body=body,
        purpose=purpose,
        handoff_id=handoff_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


# How long a claim holds. Past it, the worker that claimed the row is taken to be gone (killed
# mid-send) and another may take the row over.
CLAIM_LEASE = timedelta(seconds=60)
# Before an attempt, a claim younger than this is still the worker's for certain: nobody may take
# a row before its lease ends, and the attempt (a lookup and a send, each given up after 15 s)
# ends before it does. An older claim is checked, and renewed, in the database first (`renew`):
# a batch of slow sends outlasts one lease.
RENEW_AFTER = CLAIM_LEASE - timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    """One row claimed for delivery, under `token`, at `claimed`. `interrupted_since` is set when
    an earlier attempt may have reached the provider without its outcome being recorded (the
    worker died mid-send, or the request timed out): the provider must be asked before sending
    again, never blindly resent."""

    id: int
    to_number: str
    from_number: str
    body: str
    interrupted_since: datetime | None
    token: str = ""
    claimed: datetime | None = None


def claim_due(session: Session, limit: int = 20) -> list[Claim]:
    """Claim the rows that are due, in the caller's transaction: pending rows whose time has come,
    and rows still 'sending' whose claim has lapsed, the most urgent purposes first (PRIORITY),
    then oldest first. Each claim carries a fresh token; a row taken over from a worker whose
    lease lapsed gets a new one, and the old claim is void.

    FOR UPDATE SKIP LOCKED lets several workers share the table on PostgreSQL, each claiming rows
    the others have not locked; SQLite ignores it and has a single writer anyway.
    """
    now = utcnow()
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
            .order_by(priority_order(), OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    claims = []
    for row in rows:
        token = secrets.token_hex(16)
        # Taken only if nobody took it since it was read: on SQLite the read above runs outside
        # any transaction (pysqlite begins one at the first write), so two workers can read the
        # same rows, and without this each would claim and send them.
        unchanged = (OutboxMessage.claim_token.is_(None) if row.claim_token is None
                     else OutboxMessage.claim_token == row.claim_token)
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == row.status, unchanged,
                   OutboxMessage.next_attempt_at <= now)
            .values(status="sending", claim_token=token, attempts=OutboxMessage.attempts + 1,
                    claimed_at=row.claimed_at or now, next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            claims.append(Claim(row.id, row.to_number, row.from_number, row.body, row.claimed_at, token, now))
    session.expire_all()  # the rows read above are stale now
    return claims


def unclaim(session: Session, claims: list[Claim]) -> int:
    """Give back rows claimed but never attempted, as they were before the claim (due now, the
    attempt not counted), each only while the claim still holds it; how many went back."""
    given_back = 0
    for claim in claims:
        given_back += session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token, OutboxMessage.status == "sending")
            .values(status="pending", claim_token=None, attempts=OutboxMessage.attempts - 1,
                    claimed_at=claim.interrupted_since, next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    return given_back


def needs_renewal(claim: Claim) -> bool:
    return claim.claimed is None or utcnow() - claim.claimed >= RENEW_AFTER


def renew(session: Session, claim: Claim) -> bool:
    """Whether the row is still this claim's, and if so a fresh lease on it, in one conditional
    UPDATE (atomic against a worker taking the row over). False: another worker holds it now,
    and this one must leave it alone."""
    renewed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token, OutboxMessage.status == "sending")
        .values(next_attempt_at=utcnow() + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    return renewed == 1


def still_held(row: OutboxMessage | None, claim: Claim) -> bool:
    return row is not None and row.status == "sending" and row.claim_token == claim.token


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
    # The request may have reached the provider (a timeout, a dropped connection): whoever tries
    # next must ask the provider first.
    maybe_sent: bool = False
    # Only a person can fix this (bot/notify/alarms.py names): the message waits for them, up to
    # ALARM_HOLD, however many attempts that takes.
    alarm: str | None = None


def record(row: OutboxMessage, delivery: Delivery) -> None:
    if delivery.ok:
        row.status = delivery.final_status
        row.sent_at = utcnow()
        row.provider_sid = delivery.provider_sid
        row.last_error = None
    elif delivery.blocked:
        row.status = "blocked"
        row.last_error = delivery.error
    elif delivery.retryable and (row.attempts < MAX_ATTEMPTS or (delivery.alarm and utcnow() - row.created_at < ALARM_HOLD)):
        row.status = "pending"
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        row.last_error = delivery.error
    else:
        row.status = "failed"
        row.last_error = delivery.error
    row.claim_token = None
    if not delivery.maybe_sent:
        row.claimed_at = None  # the outcome is known


def block_waiting(session: Session, to_number: str, purpose: str, why: str) -> int:
    """Never send the copies of `purpose` still waiting for `to_number` (its owner asked for no
    more of them), held ones too: 'blocked', with why, in the caller's transaction; how many. A
    copy being sent this very moment ('sending') is left to its attempt."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.to_number == to_number, OutboxMessage.purpose == purpose,
               OutboxMessage.status.in_(("pending", HELD)))
        .values(status="blocked", last_error=why, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def list_messages(session: Session, to_number: str | None = None, limit: int = 200,
                  status: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to_number:
        query = query.where(OutboxMessage.to_number == to_number)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(reversed(list(session.scalars(query))))


UNSETTLED = ("pending", "sending")
# Waiting for a person: a message that was waiting when a backup was taken, found again by a
# restore. The old line may have sent it since, and it may be stale: the worker leaves it until
# an operator releases it (`hub outbox release`), and `hub status` counts it until then.
HELD = "held"


class ReleaseError(ValueError):
    """Held messages that cannot be released as asked; nothing was released. The message says why."""


def hold_waiting(session: Session, before: datetime) -> int:
    """Hold every message created before `before` still waiting to be sent (a restored backup's),
    in the caller's transaction; how many. Each keeps the time from which it may have been sent,
    so that once released the worker asks the provider before sending it (as after an
    interrupted attempt), never sending twice what the old line sent after the backup."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_(UNSETTLED), OutboxMessage.created_at < before)
        .values(status=HELD, claim_token=None,
                claimed_at=func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at))
        .execution_options(synchronize_session=False)
    ).rowcount


def release_held(session: Session, ids: list[int] | None) -> list[int]:
    """Release held messages to the worker (`ids`, or every held one with None), in the caller's
    transaction: their ids. Raises ReleaseError, releasing nothing, for an id that does not exist
    or is not held, or when nothing is held at all."""
    if ids is None:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == HELD).order_by(OutboxMessage.id)))
        if not rows:
            raise ReleaseError("no message is held: nothing was released")
    else:
        rows = []
        for row_id in ids:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                raise ReleaseError(f"outbox message #{row_id} does not exist: nothing was released")
            if row.status != HELD:
                raise ReleaseError(f"outbox message #{row_id} is not held (it is {row.status}): nothing was released")
            rows.append(row)
    for row in rows:
        row.status, row.next_attempt_at = "pending", utcnow()
    session.flush()
    return [row.id for row in rows]


def settled_after(session: Session, to_number: str, after_id: int | None, limit: int = 100) -> tuple[list[OutboxMessage], int]:
    """For someone watching one number's messages arrive (the simulator page): the rows after
    `after_id` that the worker has finished with (delivered, blocked by STOP, or failed), and
    the id to ask after next time. That id stops short of any row still waiting, so a message
    delivered late, after a retry, is not skipped; rows past it may come again, and the watcher
    tells them apart by id. Without `after_id`, nothing yet: just where the number stands now.
    """
    if after_id is None:
        return [], session.scalar(select(func.max(OutboxMessage.id)).where(OutboxMessage.to_number == to_number)) or 0
    rows = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_number == to_number, OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id).limit(limit)
    ))
    waiting = [row.id for row in rows if row.status in UNSETTLED]
    settled = [row for row in rows if row.status not in UNSETTLED]
    next_after = waiting[0] - 1 if waiting else (rows[-1].id if rows else after_id)
    return settled, next_after
