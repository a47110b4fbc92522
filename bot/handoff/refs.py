"""Handoff references: H- and digits only (they are read out on the phone), the last digit a Damm
check digit, which catches every single wrong digit and every swap of two neighbouring digits:
a typo is refused instead of landing on another open handoff.

References made before the check digit (H- and 4 random digits, rarely more) keep working: a
stored reference that fails the check can only be one of those, so an exact match still finds it.
"""
from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import damm

from bot.db.models import Handoff

PREFIX = "H-"
# Random digits before the check digit, widened only when the shorter ones are crowded.
_LENGTHS = (4, 4, 4, 4, 5, 5, 6, 6, 8)
# A reference as typed ("H-48213", "h 48213"), from the oldest (3 digits) to the longest new_ref
# makes: the commands that take one read it with this.
PATTERN = rf"\bH\s*-?\s*\d{{3,{max(_LENGTHS) + 1}}}\b"


def with_check_digit(digits: str) -> str:
    return digits + damm.calc_check_digit(digits)


def has_valid_check_digit(ref: str) -> bool:
    digits = digits_of(ref)
    return len(digits) >= 2 and damm.is_valid(digits)


def digits_of(ref: str) -> str:
    return "".join(ch for ch in ref or "" if ch.isdigit())


def normalise(ref: str) -> str:
    """'h 48213', 'H48213' and 'H-48213' all as H-48213."""
    return f"{PREFIX}{digits_of(ref)}"


def new_ref(session: Session) -> str:
    """A short reference such as H-48213, unique among all handoffs."""
    for length in _LENGTHS:
        ref = PREFIX + with_check_digit(str(random.randint(10 ** (length - 1), 10 ** length - 1)))
        if session.scalar(select(Handoff.id).where(Handoff.ref == ref)) is None:
            return ref
    raise RuntimeError("could not find a free handoff reference")
