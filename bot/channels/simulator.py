"""The simulator page, GET /webhooks/simulator/: three phones side by side (a community member,
a registered officer, a specialist) for trying the whole hotline without a Twilio account.

Nothing here talks to Rasa or the handoff engine directly. A message typed on the page is signed
as Twilio would sign it and posted over HTTP to this server's own SMS webhook, so it meets the
signature check, duplicate suppression, STOP, the relay and Rasa exactly as a real text would;
the TwiML answer comes back to the page as JSON. Proactive messages (alerts, relay, notices)
reach the page from the outbox once the worker has delivered them.

The simulator can sign a text from any number, so it serves only when `Settings.simulator_enabled`
says so (HUB_SIMULATOR); otherwise every route answers 404.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import run_blocking
from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.handoff.phone_summary import summarise_phone
from bot.notify.outbox import settled_after
from bot.privacy import InvalidPhoneNumber, sender_key, to_e164
from bot.sms_webhook.signed import WEBHOOK_PATH, parse_twiml_replies, signed_sms_request

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).with_name("simulator_page")
PAGE_FILES = {
    "index.html": "text/html; charset=utf-8",
    "simulator.css": "text/css; charset=utf-8",
    "simulator.js": "text/javascript; charset=utf-8",
}
# Everything the page needs comes from this server: no inline script, no CDN, no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_TEXT_CHARS = 1600  # Twilio's limit for one message body
WEBHOOK_TIMEOUT_SECONDS = 60  # one Rasa turn, action calls included


class SimulatorError(Exception):
    """A request the simulator refuses; `status` is the HTTP status, the message the reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def only_when_enabled(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """Answer 404, as if the route did not exist, unless the simulator is enabled."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            enabled = get_settings().simulator_enabled
        except ConfigError as exc:
            logger.error("simulator refused: %s", exc)
            return response.text("hotline is not configured", status=500)
        if not enabled:
            return response.text("Not Found", status=404)
        try:
            return await handler(request, *args, **kwargs)
        except SimulatorError as exc:
            return response.json({"error": str(exc)}, status=exc.status, headers={"Cache-Control": "no-store"})
        except ConfigError as exc:  # names the missing variable, never its value
            return response.json({"error": str(exc)}, status=500, headers={"Cache-Control": "no-store"})

    return guarded


def phone_number_from(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SimulatorError(400, f"{what}: a phone number is needed")
    try:
        return to_e164(value, get_settings().default_region)
    except InvalidPhoneNumber as exc:
        raise SimulatorError(400, f"{what}: {exc}") from None


def refuse_cross_site(request: Request) -> None:
    """The page posts JSON, which a form on another site cannot send without a CORS preflight
    that Rasa refuses; a browser's Origin, when there is one, must be this server itself."""
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        raise SimulatorError(415, "send JSON (Content-Type: application/json)")
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise SimulatorError(403, "the simulator only takes messages from its own page")


def own_webhook_url(request: Request) -> str:
    """This server's SMS webhook at the address the request arrived on. Taken from the socket,
    never from the Host header, so that a caller cannot send a signed request elsewhere."""
    info = request.conn_info
    if info is None or not info.server_port:
        raise SimulatorError(500, "the simulator needs the Rasa server listening on a TCP port")
    return f"{'https' if info.ssl else 'http'}://{info.server}{WEBHOOK_PATH}"


async def send_through_webhook(webhook_url: str, sender: str, text: str) -> list[str]:
    """Post one SMS as Twilio would (fresh MessageSid, signed over HUB_PUBLIC_URL) and return the
    TwiML replies."""
    params, signature = signed_sms_request(get_settings(), sender, text)
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.post(webhook_url, data=params, headers={"X-Twilio-Signature": signature}) as answer:
                status, body = answer.status, await answer.text()
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise SimulatorError(502, f"the SMS webhook did not answer: {exc or type(exc).__name__}") from None
    if status != 200:
        raise SimulatorError(502, f"the SMS webhook answered HTTP {status}: {body.strip()[:200]}")
    return parse_twiml_replies(body)


def phone_view(number: str, after_id: int | None) -> dict[str, Any]:
    """What the page shows beside one phone: roster role, handoffs, newly delivered messages."""
    settings = get_settings()
    key = sender_key(number, settings.require_secret_key(), settings.default_region)
    with session_scope() as session:
        summary = summarise_phone(session, number, key)
        rows, next_after = settled_after(session, number, after_id)
        messages = [
            {"id": row.id, "body": row.body, "purpose": row.purpose, "status": row.status,
             "at": row.created_at.isoformat(timespec="seconds") + "Z"}
            for row in rows
        ]
    return {"number": number, **summary.as_dict(), "messages": messages, "after": next_after}


class SimulatorInput(InputChannel):
    """The simulator page and its JSON endpoints; messages themselves go through twilio_sms."""

    @classmethod
    def name(cls) -> str:
        return "simulator"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # on_new_message is not used: the simulator's messages reach Rasa through twilio_sms.
        page = Blueprint("simulator_page", __name__)

        @page.route("/", methods=["GET"])
        @only_when_enabled
        async def index(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative links need the slash
                return response.redirect(request.path + "/")
            return await serve_page_file("index.html")

        @page.route("/simulator.css", methods=["GET"])
        @only_when_enabled
        async def stylesheet(request: Request) -> HTTPResponse:
            return await serve_page_file("simulator.css")

        @page.route("/simulator.js", methods=["GET"])
        @only_when_enabled
        async def script(request: Request) -> HTTPResponse:
            return await serve_page_file("simulator.js")

        @page.route("/hotline", methods=["GET"])
        @only_when_enabled
        async def hotline(request: Request) -> HTTPResponse:
            settings = get_settings()
            return response.json({"hotline_number": settings.hotline_number, "transport": settings.transport})

        @page.route("/phone", methods=["GET"])
        @only_when_enabled
        async def phone(request: Request) -> HTTPResponse:
            number = phone_number_from(request.args.get("number"), "number")
            after = request.args.get("after")
            if after is not None and not after.isdigit():
                raise SimulatorError(400, "after: a message id is needed")
            view = await run_blocking(phone_view, number, int(after) if after else None)
            return response.json(view, headers={"Cache-Control": "no-store"})

        @page.route("/send", methods=["POST"])
        @only_when_enabled
        async def send(request: Request) -> HTTPResponse:
            refuse_cross_site(request)
            payload = request.json if isinstance(request.json, dict) else {}
            sender = phone_number_from(payload.get("from"), "from")
            text = payload.get("text")
            if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
                raise SimulatorError(400, f"text: up to {MAX_TEXT_CHARS} characters are needed")
            replies = await send_through_webhook(own_webhook_url(request), sender, text)
            return response.json({"from": sender, "replies": replies}, headers={"Cache-Control": "no-store"})

        return page


async def serve_page_file(filename: str) -> HTTPResponse:
    return await response.file(PAGE_DIR / filename, mime_type=PAGE_FILES[filename], headers=PAGE_HEADERS)
