"""Who is calling the voice line, as Rasa is to know them: the key their conversation is kept
under, and the number a text or a callback may go to.

- A withheld caller ID (Anonymous, Restricted, or one of the placeholder numbers Twilio puts in
  `From` for them) is nobody's number: each such call is its own conversation, keyed by its
  CallSid, and no callback number is attached to anything it opens.
- A registered officer's number is the officer only when the carrier vouches for it (STIR/SHAKEN
  attestation A, Twilio's `StirVerstat`) or the caller keys the officer's PIN when the call begins
  (bot/handoff/officer_check.py). Otherwise the caller is a community member, in a conversation of
  this call alone, so that a spoofed caller ID never reaches the officer's referrals or role.
- Everyone else is keyed by the HMAC of their number, as their texts are.
- A caller's number is one to text or call back only when the carrier vouches for it
  (bot/voice/caller_id.py); otherwise nothing the call opens has a number to reach them at.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

from bot.channels.inbound import phone_number
from bot.config import Settings
from bot.db import session_scope
from bot.handoff import officer_check
from bot.privacy import sender_key
from bot.voice import caller_id, texts

WITHHELD_NAMES = {"", "anonymous", "restricted", "unknown", "unavailable", "private", "blocked", "withheld"}
# What Twilio puts in From when a caller's ID is withheld or unavailable (they look like numbers).
WITHHELD_NUMBERS = {"+266696687", "+86282452253", "+8656696", "+7378742833", "+2562533"}
ATTESTATION_A = caller_id.Attestation.FULL.value
PIN_STEP = "pin"
PIN_TIMEOUT = 8  # seconds to start keying the PIN; silence goes on as anyone
PIN_PROMPT = "Health Hub Hotline. Officers, key your PIN, then the pound key. Anyone else, press the pound key."
PIN_REFUSED = "That PIN was not accepted."


@dataclass(frozen=True)
class Caller:
    key: str  # what Rasa sees
    number: str | None  # E.164 for a text or callback; None when withheld or not vouched for
    wants_pin: bool = False  # a registered officer's number, unverified, with a PIN set
    pin_refused: bool = False  # a PIN was keyed and was wrong


def caller_id_withheld(sender: str | None) -> bool:
    value = (sender or "").strip()
    return value.lower() in WITHHELD_NAMES or re.sub(r"[^\d+]", "", value) in WITHHELD_NUMBERS


def call_key(call_sid: str, settings: Settings) -> str:
    """A key of this call alone (the HMAC, like every key Rasa sees)."""
    return sender_key(f"call:{call_sid}", settings.require_secret_key(), settings.default_region)


def identify(call_sid: str, sender: str | None, stir_verstat: str | None, settings: Settings, pin: str | None = None,
             vouched: bool = False) -> Caller:
    """Who is calling (blocking: reads the roster). `pin`: the digits keyed at the PIN prompt;
    `vouched`: whether the carrier vouches for the number (caller_id.number_vouched_for)."""
    if caller_id_withheld(sender):
        return Caller(call_key(call_sid, settings), None)
    key = sender_key(sender, settings.require_secret_key(), settings.default_region)  # type: ignore[arg-type]  # Twilio signs every voice webhook with From
    number = phone_number(sender, settings.default_region) if vouched else None  # type: ignore[arg-type]  # as above
    with session_scope() as session:
        refused = pin is not None and bool(pin) and not officer_check.check_pin(session, key, call_sid, pin)
        officer, verified = officer_check.officer_calling(session, key, call_sid, attested=caller_id.fully_attested(stir_verstat))
        if officer is None or verified:
            return Caller(key, number)
        return Caller(call_key(call_sid, settings), number, wants_pin=officer_check.asks_for_pin(officer), pin_refused=refused)


def pin_prompt(settings: Settings, action_url: str) -> VoiceResponse:
    """Before the greeting, on a registered officer's number: key the PIN (or just #)."""
    twiml = VoiceResponse()
    gather = twiml.gather(input="dtmf", finish_on_key="#", timeout=PIN_TIMEOUT, method="POST", action=action_url,
                          action_on_empty_result=True)
    gather.say(PIN_PROMPT, voice=settings.voice_en, language=texts.LANGUAGE_TAGS["en"])
    return twiml
