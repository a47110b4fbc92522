"""Officers' voice-line PINs, as stored on their record: scrypt hashes (hashlib, from OpenSSL: no
dependency beyond the standard library), each with its own salt, and a count of wrong PINs in a
row that locks the PIN until it is set again (bot/handoff/officer_check.py checks a call's PIN)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.db.models import Officer

PIN_PATTERN = re.compile(r"^\d{4,8}$")
MAX_PIN_FAILURES = 5
# scrypt's cost: 2**14 blocks of 8 x 128 bytes (16 MiB), a few tens of milliseconds per check.
_N, _R, _P = 2**14, 8, 1


class InvalidPin(ValueError):
    pass


def hash_pin(pin: str) -> str:
    if not PIN_PATTERN.match(pin or ""):
        raise InvalidPin("a PIN is 4 to 8 digits, to be keyed on a phone")
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def pin_matches(stored: str | None, pin: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
    except ValueError:
        return False
    if scheme != "scrypt" or not pin:
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def set_pin(officer: Officer, pin: str) -> None:
    officer.pin_hash, officer.pin_failures = hash_pin(pin), 0


def asks_for_pin(officer: Officer | None) -> bool:
    """Whether to ask the caller for the officer's PIN (one is set, and not locked by failures)."""
    return officer is not None and bool(officer.pin_hash) and officer.pin_failures < MAX_PIN_FAILURES
