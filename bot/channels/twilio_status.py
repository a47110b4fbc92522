"""Twilio's delivery receipts as a Rasa input channel: POST /webhooks/twilio_status/webhook.

Every outbound message names this endpoint as its status callback (bot/notify/receipts.py), with
its outbox row in the query string; Twilio signs the URL and fields like any webhook. The channel
checks the signature and hands the receipt to bot/handoff/delivery.py, which records it and
re-offers an alert that never arrived. Rasa itself never sees a receipt.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import run_blocking
from bot.channels.inbound import query_params, signature_is_valid, webhook_params
from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.handoff.delivery import take_receipt

logger = logging.getLogger(__name__)


def _take(outbox_id: int | None, message_sid: str, status: str, error_code: str | None) -> bool:
    with session_scope() as session:
        return take_receipt(session, outbox_id, message_sid, status, error_code) is not None


class TwilioStatusInput(InputChannel):
    """Signed delivery receipts in; an empty 204 out (Twilio reads nothing back)."""

    @classmethod
    def name(cls) -> str:
        return "twilio_status"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()  # the auth token comes from the environment (.env), never credentials.yml

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("twilio_status_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(request)

        return hook

    async def handle(self, request: Request) -> HTTPResponse:
        settings = get_settings()
        try:
            params = webhook_params(request)
            valid = signature_is_valid(settings, request.path, request.query_string, params, request.headers.get("X-Twilio-Signature"))
        except ConfigError as exc:
            logger.error("twilio_status receipt refused: %s", exc)
            return response.text("hotline is not configured", status=500)
        if not valid:
            logger.warning("twilio_status receipt with a missing or wrong X-Twilio-Signature refused")
            return response.text("invalid signature", status=403)
        message_sid = params.get("MessageSid") or params.get("SmsSid")
        status = params.get("MessageStatus") or params.get("SmsStatus")
        if not message_sid or not status:
            return response.text("MessageSid and MessageStatus are required", status=400)
        outbox = query_params(request).get("outbox") or ""
        error_code = params.get("ErrorCode") or None
        try:
            ours = await run_blocking(_take, int(outbox) if outbox.isdigit() else None, message_sid, status, error_code)
        except Exception:  # the database is down: say so, so Twilio's debugger shows it
            logger.exception("twilio_status receipt for outbox %s (%s) could not be recorded", outbox or "-", status)
            return response.text("receipt not recorded", status=503)
        if not ours:  # purged by retention, or not sent by this hotline: nothing to record
            logger.info("twilio_status receipt for a message the outbox does not hold (%s)", status)
        elif status in ("undelivered", "failed"):
            logger.warning("outbox message %s %s (Twilio error %s)", outbox or "-", status, error_code or "-")
        return response.empty()
