"""Transports: the Twilio REST API, or the local outbox when no Twilio credentials are set."""
from __future__ import annotations

from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.config import ConfigError, Settings
from bot.notify.outbox import Delivery


class Transport(Protocol):
    def send(self, to_number: str, from_number: str, body: str) -> Delivery: ...


class OutboxTransport:
    """Local delivery: the message stays in the outbox, marked 'stored', for `hub outbox` to show."""

    def send(self, to_number: str, from_number: str, body: str) -> Delivery:
        return Delivery(ok=True, final_status="stored")


class TwilioTransport:
    def __init__(self, client: Client):
        self.client = client

    def send(self, to_number: str, from_number: str, body: str) -> Delivery:
        try:
            message = self.client.messages.create(to=to_number, from_=from_number, body=body)
        except TwilioRestException as exc:
            # 429 and 5xx are Twilio's to recover from; other 4xx (invalid number, recipient
            # opted out with STOP) will fail the same way every time.
            retryable = exc.status == 429 or exc.status >= 500
            return Delivery(ok=False, error=f"Twilio {exc.status} {exc.code}: {exc.msg}", retryable=retryable)
        except (TwilioException, OSError) as exc:
            return Delivery(ok=False, error=f"Twilio unreachable: {exc}", retryable=True)
        return Delivery(ok=True, provider_sid=message.sid)


def transport_for(settings: Settings) -> Transport:
    if settings.transport == "twilio":
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ConfigError("HUB_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        return TwilioTransport(client)
    return OutboxTransport()
