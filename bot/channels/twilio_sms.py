"""Twilio SMS as a Rasa input channel: POST /webhooks/twilio_sms/webhook.

Replies go back in the webhook's own TwiML response, one <Message> per bot message, in order.
Rasa only ever sees the HMAC of the sender's number.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.inbound import (
    attach_person_number,
    clean_body,
    phone_number,
    run_blocking,
    signature_is_valid,
    take_message,
    webhook_params,
)
from bot.channels.rasa_hooks import watching_actions
from bot.config import ConfigError, get_settings
from bot.privacy import sender_key
from bot.language import detect_language
from bot.safety import emergency_first

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


def render_text(message: Dict[str, Any]) -> Optional[str]:
    """A bot message as plain SMS text; buttons become a 'Reply ...' line (SMS has no buttons)."""
    text = (message.get("text") or "").strip()
    buttons = message.get("buttons") or []
    if buttons:
        titles = " / ".join(str(button.get("title", "")).strip() for button in buttons if button.get("title"))
        if titles:
            text = f"{text}\nReply: {titles}" if text else f"Reply: {titles}"
    return text or None


def twiml(replies: List[str]) -> HTTPResponse:
    twiml_response = MessagingResponse()
    for reply in replies:
        twiml_response.message(reply)
    # Spanish replies: without a charset, clients may read the UTF-8 body as Latin-1.
    return response.text(str(twiml_response), content_type="text/xml; charset=utf-8")


class TwilioSmsInput(InputChannel):
    """Signed Twilio SMS webhooks in, TwiML out."""

    @classmethod
    def name(cls) -> Text:
        return "twilio_sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
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
        key = sender_key(sender, secret, settings.default_region)
        text = clean_body(params.get("Body"))
        number = phone_number(sender, settings.default_region)
        try:
            taken = await run_blocking(take_message, message_sid, self.name(), key, number, text, settings)
        except Exception:  # the database is down, or a bug: the texter still gets plain words
            logger.exception("twilio_sms message %s could not be taken", message_sid)
            return twiml(emergency_first(text, [TROUBLE_REPLY], detect_language(text)))
        if taken.duplicate:
            logger.info("twilio_sms duplicate delivery of %s ignored", message_sid)
            return twiml([])
        if not text:
            return twiml([EMPTY_BODY_REPLY])
        if taken.routed.handled:
            return twiml(taken.routed.replies)

        collector = CollectingOutputChannel()
        try:
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
                logger.error("twilio_sms message %s: action(s) %s failed", message_sid, ", ".join(failed))
                replies = [TROUBLE_REPLY]
        if number:
            try:  # a handoff opened during this message learns where to reach the person
                await run_blocking(attach_person_number, key, number)
            except Exception:
                logger.exception("twilio_sms message %s: the number could not be attached to a new handoff", message_sid)
        return twiml(emergency_first(text, replies or [TROUBLE_REPLY], detect_language(text)))
