"""Call control at Twilio, through its REST API: what TwiML cannot do from inside one call, that is
place a call to a third person and move a live call leg somewhere else. The voice line's three-way
introduction needs both (bot/channels/voice_introduction.py).

There is call control only where a Twilio account is configured (TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN; TWILIO_API_BASE_URL points the client at a stand-in). Without one the voice line
still connects an officer with a specialist, and the person hears from the specialist by text.
"""
from __future__ import annotations

import functools
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.config import Settings
from bot.notify.transports import twilio_client

# How long the person's phone rings before Twilio gives up (then the status callback says no-answer).
PERSON_RING_SECONDS = 25


class CallControlError(RuntimeError):
    """Twilio refused or could not be reached. The message gives Twilio's status and error code,
    not its words, which can quote the number dialled."""


class CallControl(Protocol):
    def place(self, to_number: str, from_number: str, url: str, status_callback: str) -> str:
        """Ring `to_number` from the hotline; Twilio asks `url` for TwiML when it is answered (with
        answering-machine detection: `AnsweredBy` says by whom) and posts the call's final status
        to `status_callback`. Returns the new call's SID."""

    def redirect(self, call_sid: str, url: str) -> None:
        """Take a live call leg out of what it is doing and run the TwiML at `url` instead."""


class TwilioCallControl:
    def __init__(self, client: Client):
        self.client = client

    def place(self, to_number: str, from_number: str, url: str, status_callback: str) -> str:
        try:
            call = self.client.calls.create(
                to=to_number, from_=from_number, url=url, method="POST", status_callback=status_callback,
                status_callback_method="POST", timeout=PERSON_RING_SECONDS,
                # Twilio answers `url` only once it knows who picked up (AnsweredBy): the person,
                # or a voicemail that others may hear, which must not be told who asked and why.
                machine_detection="Enable",
            )
        except TwilioRestException as exc:
            raise CallControlError(f"Twilio {exc.status} {exc.code} placing a call") from None
        except (TwilioException, OSError) as exc:
            raise CallControlError(f"Twilio unreachable placing a call: {type(exc).__name__}") from None
        return call.sid

    def redirect(self, call_sid: str, url: str) -> None:
        try:
            self.client.calls(call_sid).update(url=url, method="POST")
        except TwilioRestException as exc:  # 21220: the leg is no longer in progress
            raise CallControlError(f"Twilio {exc.status} {exc.code} redirecting call {call_sid}") from None
        except (TwilioException, OSError) as exc:
            raise CallControlError(f"Twilio unreachable redirecting call {call_sid}: {type(exc).__name__}") from None


@functools.lru_cache(maxsize=4)
def call_control_for(settings: Settings) -> CallControl | None:
    """One client per configuration, so that its connections to Twilio are kept between calls
    (the specialist waits on `place` after pressing 1)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return TwilioCallControl(twilio_client(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url))
