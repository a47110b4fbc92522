"""What every Twilio webhook needs before Rasa sees it: the signature, a one-time MessageSid,
a bounded clean text, and the sender's HMAC key."""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from sanic.request import Request, RequestParameters
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.alerts.signals import SignalKind, area_of, record_signal
from bot.blocking import run_blocking
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.db.models import InboundMessage
from bot.handoff import engine
from bot.handoff.inbound import Routed, route
from bot.notify.optout import number_opted_out
from bot.notify.outbox import Purpose, enqueue
from bot.phonebook import hold_sender_number, release_sender_number, stand_in_numbers
from bot.privacy import InvalidPhoneNumber, to_e164
from bot.safety import is_emergency_reply

logger = logging.getLogger(__name__)

MAX_BODY_CHARS = 1600  # Twilio's own limit for one message body
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def signature_is_valid(settings: Settings, path: str, query_string: str, params: Mapping, signature: str | None) -> bool:
    """Twilio signs the full public URL it called plus the POST parameters with the auth token."""
    if not signature:
        return False
    url = settings.public_url + path + (f"?{query_string}" if query_string else "")
    return RequestValidator(settings.require_auth_token()).validate(url, params, signature)


def webhook_params(request: Request) -> RequestParameters:
    """The POST fields exactly as Twilio signed them. Sanic drops blank values (an MMS without text
    has Body=, a Gather without speech SpeechResult=), which would break the signature, so the
    body is parsed here."""
    if request.content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return RequestParameters()
    return RequestParameters(parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))


def query_params(request: Request) -> dict[str, str]:
    """The query string of a callback URL the hotline gave Twilio (signed with it), last value wins."""
    return {name: values[-1] for name, values in parse_qs(request.query_string or "", keep_blank_values=True).items()}


def clean_body(raw: str | None) -> str:
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL.sub(" ", text).strip()
    return text[:MAX_BODY_CHARS]


class _Duplicate(Exception):
    """The MessageSid was already recorded: a Twilio retry or a replay."""


def _record_delivery(session: Session, message_sid: str, channel: str, sender_key: str) -> None:
    """Record the MessageSid as the transaction's first write; the primary key makes this atomic
    across processes and servers, so a second delivery raises _Duplicate."""
    try:
        session.execute(insert(InboundMessage).values(message_sid=message_sid, channel=channel, sender_key=sender_key,
                                                      received_at=utcnow()))
    except IntegrityError:
        raise _Duplicate() from None


def first_delivery(message_sid: str, channel: str, sender_key: str) -> bool:
    """Record the MessageSid; False when it was already recorded (a Twilio retry or replay)."""
    try:
        with session_scope() as session:
            _record_delivery(session, message_sid, channel, sender_key)
    except _Duplicate:
        return False
    return True


@dataclass(frozen=True)
class Taken:
    """A text message as the hotline took it, before Rasa: a duplicate; or handled here (STOP,
    HELP, a specialist's command, the relay), with the replies; or the text for Rasa."""

    duplicate: bool
    routed: Routed | None = None
    text_for_rasa: str | None = None


def take_message(message_sid: str, channel: str, key: str, number: str | None, text: str, settings: Settings) -> Taken:
    """One transaction: the MessageSid recorded, what the hotline answers itself routed, and the
    text Rasa may see (numbers as stand-ins). Nothing of it is written unless all of it is."""
    try:
        with session_scope() as session:
            _record_delivery(session, message_sid, channel, key)
            if number and settings.previous_secret_keys:  # seen again: an old-key STOP moves to the current key
                number_opted_out(session, number, settings)
            if not text:
                return Taken(False, Routed(False))
            routed = route(session, number, key, text)
            if routed.handled:
                return Taken(False, routed)
            if number:  # for a handoff this turn may open (released by `after_turn`)
                hold_sender_number(session, key, number)
            return Taken(False, routed, stand_in_numbers(session, text, settings.require_secret_key(), settings.default_region))
    except _Duplicate:
        return Taken(True)


def phone_number(sender: str, region: str) -> str | None:
    try:
        return to_e164(sender, region)
    except InvalidPhoneNumber:
        return None


def text_for_rasa(text: str, settings: Settings) -> str:
    """The text Rasa may see and keep: phone numbers written in it become stand-ins (an officer's
    referral names the person's number; the tracker store must never hold it)."""
    with session_scope() as session:
        return stand_in_numbers(session, text, settings.require_secret_key(), settings.default_region)


def attach_person_number(key: str, number: str) -> None:
    with session_scope() as session:
        engine.attach_number(session, key, number)


def after_turn(key: str, number: str) -> None:
    """A text's turn with the assistant is over: its number is no longer held, and a handoff of
    this texter's opened without it (its turn overlapped another's of the same number) gets it."""
    with session_scope() as session:
        engine.attach_number(session, key, number)
        release_sender_number(session, key)


def send_late_answer(number: str, replies: list[str], settings: Settings) -> None:
    """A turn's replies that missed the answer deadline, to the outbox in order, in one
    transaction (the webhook gave only the holding reply). The worker delivers them once, and
    never to a number that texted STOP. A turn that gives the 911 steps goes ahead of every
    other message, the whole turn in order (a surge is when the steps must not wait)."""
    purpose = Purpose.LATE_EMERGENCY if any(is_emergency_reply(reply) for reply in replies) else Purpose.LATE_ANSWER
    with session_scope() as session:
        for reply in replies:
            enqueue(session, to_number=number, from_number=settings.hotline_number, body=reply, purpose=purpose)


# An overdose signal (bot/alerts/signals.py) waits this long after its turn was answered, so that
# it is counted after the 911 reply has gone, never before it, and never holds it up.
SIGNAL_AFTER_SECONDS = 1.0


def record_overdose_signal(number_key: str, text: str) -> bool:
    """Count an overdose in progress named by a texter or caller, where it is (signals.area_of)."""
    with session_scope() as session:
        return record_signal(session, number_key, SignalKind.OVERDOSE, area_of(session, number_key, text))


async def overdose_signal_after_reply(number_key: str, text: str) -> None:
    """For a channel's background: the signal, once the reply is out; a failure is logged only
    (a count missed never costs a texter an answer)."""
    await asyncio.sleep(SIGNAL_AFTER_SECONDS)
    try:
        await run_blocking(record_overdose_signal, number_key, text)
    except Exception:
        logger.exception("an overdose signal could not be counted")
