"""Twilio SMS as a Rasa input channel: POST /webhooks/twilio_sms/webhook.

Replies go back in the webhook's own TwiML response, one <Message> per bot message, in order.
Rasa only ever sees the HMAC of the sender's number.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.messaging_response import MessagingResponse

from bot.blocking import run_blocking
from bot.channels.admission import Admission, in_background, priority_of, shared_admission, within
from bot.channels.inbound import (
    after_turn,
    clean_body,
    overdose_signal_after_reply,
    phone_number,
    send_late_answer,
    signature_is_valid,
    take_message,
    webhook_params,
)
from bot.channels.rasa_hooks import watching_actions
from bot.config import ConfigError, Settings, get_settings
from bot.language import detect_language, phrase
from bot.metrics import turn_answered
from bot.privacy import sender_key
from bot.safety import emergency_first, emergency_reply, is_emergency_reply, mentions_overdose_in_progress
from bot.sms_texts import sms_text
from bot.sms_webhook.signed import ANSWER_FOLLOWS_HEADER

logger = logging.getLogger(__name__)

# The channel answers these before knowing the texter's language, so they say it in both.
EMPTY_BODY_REPLY = (
    "I can only read text. Tell me what you need and a ZIP code, for example: narcan 98104. "
    "If someone is not breathing, call 911 now. / Solo puedo leer texto. Escribe lo que necesitas "
    "y tu código postal. Si alguien no respira, llama al 911 ahora."
)
TROUBLE_REPLY = (
    "Sorry, the hotline had a problem answering. Please text again in a minute. "
    "If someone is not breathing, call 911 now. / Hubo un problema. Escribe de nuevo en un minuto. "
    "Si alguien no respira, llama al 911 ahora."
)

# The answer deadline passed (bot/channels/admission.py): the answer follows by text.
HOLDING_REPLIES = {
    "en": {"sms": "Got your message. The answer is on its way by text in a minute or two. "
                  "If someone is not breathing, call 911 now."},
    "es": {"sms": "Recibimos tu mensaje. La respuesta te llega por texto en un minuto o dos. "
                  "Si alguien no respira, llama al 911 ahora."},
}


def render_text(message: dict[str, Any]) -> str | None:
    """A bot message as plain SMS text; buttons become a 'Reply ...' line (SMS has no buttons)."""
    text = (message.get("text") or "").strip()
    buttons = message.get("buttons") or []
    if buttons:
        titles = " / ".join(str(button.get("title", "")).strip() for button in buttons if button.get("title"))
        if titles:
            text = f"{text}\nReply: {titles}" if text else f"Reply: {titles}"
    return text or None


def twiml(replies: list[str]) -> HTTPResponse:
    twiml_response = MessagingResponse()
    for reply in replies:
        twiml_response.message(reply)
    # Spanish replies: without a charset, clients may read the UTF-8 body as Latin-1.
    return response.text(str(twiml_response), content_type="text/xml; charset=utf-8")


class TwilioSmsInput(InputChannel):
    """Signed Twilio SMS webhooks in, TwiML out."""

    def __init__(self) -> None:
        self._background: set[asyncio.Task[Any]] = set()

    @classmethod
    def name(cls) -> str:
        return "twilio_sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # Secrets come from the environment (.env), not credentials.yml, so they are never committed.
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("twilio_sms_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        return hook

    async def handle(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        arrived = time.monotonic()
        settings = get_settings()
        try:
            secret = settings.require_secret_key()
            params = webhook_params(request)
            valid = signature_is_valid(
                settings, request.path, request.query_string, params, request.headers.get("X-Twilio-Signature")
            )
        except ConfigError as exc:
            logger.error("twilio_sms webhook refused: %s", exc)
            return response.text("hotline is not configured", status=500)
        if not valid:
            logger.warning("twilio_sms webhook with a missing or wrong X-Twilio-Signature refused")
            return response.text("invalid signature", status=403)

        message_sid = params.get("MessageSid") or params.get("SmsSid")
        sender = params.get("From")
        if not message_sid or not sender:
            return response.text("MessageSid and From are required", status=400)
        text = clean_body(params.get("Body"))
        language = detect_language(text)
        incoming = Incoming(message_sid, sender_key(sender, secret, settings.default_region),
                            phone_number(sender, settings.default_region), text)
        if mentions_overdose_in_progress(text):
            # The emergency fast path: the 911 steps at once, before the conversation's lock, the
            # queue, the database or Rasa, and again for a redelivery (repeating them harms no
            # one; silence might). The turn still reaches the conversation, and whatever more it
            # says follows through the outbox.
            in_background(self.answer(incoming, on_new_message, settings, Follow(by_outbox=True, steps_given=True)),
                          self._background)
            turn_answered("sms", time.monotonic() - arrived, holding=False)
            return twiml([emergency_reply(language)])
        follow = Follow()
        answer = in_background(self.answer(incoming, on_new_message, settings, follow), self._background)
        if await within(answer, settings.answer_deadline_seconds - (time.monotonic() - arrived), unless=follow.queued_past_bound):
            turn_answered("sms", time.monotonic() - arrived, holding=False)
            return twiml(answer.result())
        # Past the deadline, or queued behind more turns than Rasa can answer in time: a holding
        # reply now, and the answer by outbox, once, when it is ready.
        follow.by_outbox = True
        logger.info("twilio_sms message %s: holding reply (%s turns waiting)", message_sid, self.admission(settings).waiting)
        holding = twiml([phrase(HOLDING_REPLIES, language, "sms")])
        holding.headers[ANSWER_FOLLOWS_HEADER] = "outbox"  # for `hub sms`, which then watches the outbox
        turn_answered("sms", time.monotonic() - arrived, holding=True)
        return holding

    @staticmethod
    def admission(settings: Settings) -> Admission:
        """The queue in front of Rasa, shared with the voice channel."""
        return shared_admission(settings)

    async def answer(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]], settings: Settings,
                     follow: Follow) -> list[str]:
        """The replies to one text, in order, the sender's earlier texts answered first. When the
        webhook has not waited for them (`follow.by_outbox`), they go to the outbox before the
        sender's next text is taken, so that late answers keep their order."""
        admission = self.admission(settings)
        async with admission.sender(incoming.key):
            try:
                replies = await self.replies(incoming, on_new_message, settings, follow)
            except Exception:  # the texter must get an answer whatever broke behind the webhook
                logger.exception("twilio_sms message %s could not be answered", incoming.message_sid)
                replies = [TROUBLE_REPLY]
            if follow.by_outbox:
                await self.send_later(incoming, [r for r in replies if not (follow.steps_given and is_emergency_reply(r))],
                                      settings)
            if follow.steps_given or any(is_emergency_reply(reply) for reply in replies):
                in_background(overdose_signal_after_reply(incoming.key, incoming.text), self._background)
            return replies

    async def replies(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]], settings: Settings,
                      follow: Follow) -> list[str]:
        """The MessageSid recorded once, what the hotline answers itself (STOP, HELP, the relay,
        specialists' commands) at once, the rest by Rasa when the queue lets it in."""
        message_sid, key, number, text = incoming
        admission = self.admission(settings)
        try:
            taken = await run_blocking(take_message, message_sid, self.name(), key, number, text, settings)
        except Exception:  # the database is down, or a bug: the texter still gets plain words
            logger.exception("twilio_sms message %s could not be taken", message_sid)
            return emergency_first(text, [TROUBLE_REPLY], detect_language(text))
        if taken.duplicate:
            logger.info("twilio_sms duplicate delivery of %s ignored", message_sid)
            return []
        if not text:
            return [EMPTY_BODY_REPLY]
        if taken.routed.handled:  # type: ignore[union-attr]  # taken.routed is set whenever the delivery was taken
            return taken.routed.replies  # type: ignore[union-attr]  # as above

        collector = CollectingOutputChannel()
        if admission.crowded():
            follow.queued_past_bound.set()
        try:
            async with admission.turn(priority_of(follow.steps_given, key)):
                with watching_actions() as failed:
                    await on_new_message(
                        UserMessage(
                            taken.text_for_rasa,
                            collector,
                            key,
                            input_channel=self.name(),
                            metadata={"channel": "sms"},
                            message_id=message_sid,
                        )
                    )
        except Exception:  # the texter must get an answer whatever broke behind the webhook
            logger.exception("twilio_sms message %s could not be processed", message_sid)
            replies = [TROUBLE_REPLY]
        else:
            replies = [text_ for text_ in (render_text(m) for m in collector.messages) if text_]
            if failed:  # an answer built on a half-done turn would mislead: plain words instead
                logger.error("twilio_sms message %s: action(s) %s failed%s", message_sid, ", ".join(failed),
                             " (timed out)" if failed.timed_out else "")
                replies = [sms_text(detect_language(text), "action_timeout") if failed.timed_out else TROUBLE_REPLY]
        if number:
            try:  # a handoff opened during this message had the number from the start
                await run_blocking(after_turn, key, number)
            except Exception:  # held until the retention purge's next pass
                logger.exception("twilio_sms message %s: the number held for the turn could not be released", message_sid)
        return emergency_first(text, replies or [TROUBLE_REPLY], detect_language(text))

    @staticmethod
    async def send_later(incoming: Incoming, replies: list[str], settings: Settings) -> None:
        if not replies:
            return
        if not incoming.number:
            logger.error("twilio_sms message %s: a late answer has no number to go to", incoming.message_sid)
            return
        try:
            await run_blocking(send_late_answer, incoming.number, replies, settings)
        except Exception:
            logger.exception("twilio_sms message %s: the late answer could not be queued", incoming.message_sid)


@dataclass
class Follow:
    """How one text's answer reaches the texter: in the webhook's TwiML, or by outbox once the
    webhook stopped waiting (`by_outbox`, set by the webhook before the answer is ready, or from
    the start after the 911 steps, `steps_given`, which are then not sent again)."""

    by_outbox: bool = False
    steps_given: bool = False
    queued_past_bound: asyncio.Event = field(default_factory=asyncio.Event)


class Incoming(NamedTuple):
    """One text as the webhook read it."""

    message_sid: str
    key: str  # HMAC of the sender's number
    number: str | None  # E.164, None when the sender can't be read as a number
    text: str
