"""Transports: the Twilio REST API, or the local outbox when no Twilio credentials are set."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.config import ConfigError, Settings
from bot.notify.outbox import Delivery


class Transport(Protocol):
    def send(self, to_number: str, from_number: str, body: str, status_callback: str | None = None) -> Delivery:
        """Send one message; `status_callback` is where the provider reports on its delivery."""

    def find_sent(self, to_number: str, from_number: str, body: str, since: datetime) -> Delivery | None:
        """The message, if the provider has it from an attempt made since `since` (naive UTC);
        None when it has not; a retryable failure when the provider cannot be asked."""


class OutboxTransport:
    """Local delivery: the message stays in the outbox, marked 'stored', for `hub outbox` to show."""

    def send(self, to_number: str, from_number: str, body: str, status_callback: str | None = None) -> Delivery:
        return Delivery(ok=True, final_status="stored")

    def find_sent(self, to_number: str, from_number: str, body: str, since: datetime) -> Delivery | None:
        return None  # storing again is the same as storing once


TWILIO_API = "https://api.twilio.com"
SEND_TIMEOUT_SECONDS = 15.0
LOOKUP_LIMIT = 50  # an interrupted send is looked for among this many latest messages to the number


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with api.twilio.com replaced by another base URL (a mock server built
    from Twilio's OpenAPI description, or a staging proxy)."""

    def __init__(self, base_url: str, extra_headers: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(timeout=SEND_TIMEOUT_SECONDS, **kwargs)
        self.base_url, self.extra_headers = base_url.rstrip("/"), extra_headers or {}

    def request(self, method: str, url: str, params: Any = None, data: Any = None, headers: Any = None, auth: Any = None,
                timeout: Any = None, allow_redirects: bool = False) -> Any:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, params, data, {**(headers or {}), **self.extra_headers}, auth, timeout, allow_redirects)


def twilio_client(account_sid: str, auth_token: str, api_base_url: str | None = None) -> Client:
    # Twilio's HTTP client logs every request's query string at INFO, and looking up a message
    # puts the recipient's number there (To=...).
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    http_client = BaseUrlHttpClient(api_base_url) if api_base_url else TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS)
    return Client(account_sid, auth_token, http_client=http_client)


def twilio_error(exc: Exception, doing: str = "") -> str:
    """Twilio's status and error code (twilio.com/docs/api/errors/<code>), or the kind of network
    failure: never Twilio's wording, which quotes the number ("The 'To' number +1206... is not a
    valid phone number"), nor a connection error's, which quotes the URL with its query string."""
    where = f" {doing}" if doing else ""
    if isinstance(exc, TwilioRestException):
        return f"Twilio {exc.status} error {exc.code}{where}"
    return f"Twilio unreachable{where}: {type(exc).__name__}"


# Twilio's answers that are about the hotline's account, not the message: nothing sends until a
# person fixes it, so they are retried with backoff and raise an operator alarm (`hub status`).
ACCOUNT_STATUSES = {401: "twilio_auth", 403: "twilio_auth"}  # a rotated auth token, a suspended account
ACCOUNT_CODES = {21611: "twilio_queue_full"}  # the sending number's queue of messages is full
ALARM_DETAILS = {
    "twilio_auth": "Twilio refuses the account's credentials (a rotated TWILIO_AUTH_TOKEN, or a suspended account)",
    "twilio_queue_full": "Twilio's queue for the hotline's number is full (error 21611)",
}
# Temporary at Twilio's end: retried with backoff, no alarm (429 and 5xx too).
TEMPORARY_CODES = {20429, 14107}  # too many requests, the number's send rate exceeded
OPTED_OUT_CODE = 21610  # the recipient texted STOP to Twilio itself


def delivery_for_error(status: int, code: int | None) -> Delivery:
    """What one of Twilio's refusals means for the message. The error names Twilio's status and
    code, never its words, which can quote the number."""
    error = f"Twilio {status} error {code}"  # as twilio_error() names it
    if code == OPTED_OUT_CODE:
        return Delivery(ok=False, blocked=True, error=f"{error}: the recipient texted STOP to Twilio")
    alarm = ACCOUNT_CODES.get(code) or ACCOUNT_STATUSES.get(status)  # type: ignore[arg-type]  # dict.get(None) is None, as wanted for a receipt without a code
    if alarm:
        return Delivery(ok=False, error=error, retryable=True, alarm=alarm)
    # 429, 5xx and the temporary codes are Twilio's to recover from; any other 4xx (an invalid
    # number, a landline) will fail the same way every time.
    retryable = status == 429 or status >= 500 or code in TEMPORARY_CODES
    return Delivery(ok=False, error=error, retryable=retryable)


class TwilioTransport:
    def __init__(self, client: Client):
        self.client = client

    def send(self, to_number: str, from_number: str, body: str, status_callback: str | None = None) -> Delivery:
        try:
            extra = {"status_callback": status_callback} if status_callback else {}
            message = self.client.messages.create(to=to_number, from_=from_number, body=body, **extra)
        except TwilioRestException as exc:
            return delivery_for_error(exc.status, exc.code)
        except (TwilioException, OSError) as exc:
            # A timeout or a dropped connection may come after Twilio took the message.
            return Delivery(ok=False, error=twilio_error(exc), retryable=True, maybe_sent=True)
        return Delivery(ok=True, provider_sid=message.sid)

    def find_sent(self, to_number: str, from_number: str, body: str, since: datetime) -> Delivery | None:
        """Twilio's most recent messages from the hotline to this number, searched for this body
        created since the interrupted attempt began. Twilio dates a message to the second, so the
        attempt's own second counts; a message dated earlier is an earlier one, perhaps with the
        same words ("ok" relayed twice), never this attempt's proof of delivery."""
        after = since.replace(tzinfo=UTC, microsecond=0)
        try:
            recent = self.client.messages.list(to=to_number, from_=from_number, limit=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            return Delivery(ok=False, error=twilio_error(exc, "while looking up an interrupted send"), retryable=True, maybe_sent=True)
        except (TwilioException, OSError) as exc:
            return Delivery(ok=False, error=twilio_error(exc, "while looking up an interrupted send"), retryable=True, maybe_sent=True)
        for message in recent:
            if message.body == body and message.date_created and message.date_created >= after:
                return Delivery(ok=True, provider_sid=message.sid)
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.transport == "twilio":
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ConfigError("HUB_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        return TwilioTransport(twilio_client(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url))
    return OutboxTransport()
