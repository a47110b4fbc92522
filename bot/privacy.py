"""Phone numbers: normalised to E.164 where a message must be delivered, a keyed HMAC everywhere else."""
from __future__ import annotations

import hashlib
import hmac

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(raw: str, default_region: str = "US") -> str:
    """Normalise a phone number as typed or as Twilio sends it to E.164 (+12065550142)."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def for_display(e164: str) -> str:
    """A number as people write it in their own country: +12065550100 -> (206) 555-0100."""
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)


def sender_key(address: str, secret_key: str, default_region: str = "US") -> str:
    """The stand-in for a sender everywhere but the delivery tables: HMAC-SHA256 of the E.164 number.

    Addresses that are not phone numbers (a Twilio Client identity, a short code) are keyed as
    given, so that one sender always maps to one key.
    """
    try:
        canonical = to_e164(address, default_region)
    except InvalidPhoneNumber:
        canonical = address.strip()
    digest = hmac.new(secret_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return f"h{digest[:40]}"


def key_id(secret_key: str) -> str:
    """A short one-way name for a secret key, stored beside what was keyed with it (an opt-out) so
    that the line knows which key of the ring wrote it; it reveals nothing of the key."""
    return hmac.new(secret_key.encode(), b"hub key id", hashlib.sha256).hexdigest()[:12]
