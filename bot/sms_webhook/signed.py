"""An SMS webhook exactly as Twilio sends it (form fields and X-Twilio-Signature), and the
TwiML replies read back. Shared by `hub sms`, the simulator page and the latency benchmark,
so that every local sender goes through the same signed path as Twilio itself."""
from __future__ import annotations

import secrets
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from bot.config import Settings

WEBHOOK_PATH = "/webhooks/twilio_sms/webhook"
# Set on a webhook's answer that is only the holding reply: the answer follows through the outbox
# (bot/channels/twilio_sms.py). Twilio ignores it; local senders watch the outbox when they see it.
ANSWER_FOLLOWS_HEADER = "X-Hub-Answer-Follows"
# Where Rasa mounts the simulator channel's blueprint (bot/channels/simulator.py), which posts its
# texts to WEBHOOK_PATH; here so that `hub simulator` can say where it is without loading Rasa.
SIMULATOR_PAGE_PATH = "/webhooks/simulator/"


def signed_sms_request(settings: Settings, sender: str, text: str, message_sid: str | None = None, to: str | None = None) -> tuple[dict[str, str], str]:
    """The form fields and X-Twilio-Signature of an SMS webhook as Twilio would send it."""
    account_sid = settings.twilio_account_sid or "AC" + "0" * 32
    message_sid = message_sid or "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "US",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "SmsSid": message_sid,
        "SmsStatus": "received",
        "Body": text,
        "To": to or settings.hotline_number,
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(settings.require_auth_token()).compute_signature(settings.public_url + WEBHOOK_PATH, params)
    return params, signature


def parse_twiml_replies(body: str) -> list[str]:
    """The text of each <Message> of a TwiML messaging response, in order."""
    root = ElementTree.fromstring(body)
    return [(message.text or "") for message in root.iter("Message")]
