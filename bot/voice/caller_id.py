"""Whether the line may act on the number a call comes from. Caller ID is easy to spoof, so the
line texts or calls back a caller (the list read out, a specialist's callback, the check-ins)
only when the carrier that placed the call vouches for the number (STIR/SHAKEN): Twilio says so
in the call's first webhook (`StirVerstat`), and the call remembers it (later webhooks need not
carry it). Otherwise the caller is asked to text the line. Being an officer asks more: full
attestation (A) or the officer's PIN (bot/handoff/officer_check.py)."""
from __future__ import annotations

from enum import Enum


class Attestation(str, Enum):
    """Twilio's StirVerstat for a call whose signature verified."""

    FULL = "TN-Validation-Passed-A"  # the carrier knows the caller and that the number is theirs
    PARTIAL = "TN-Validation-Passed-B"  # the carrier knows the caller, who may use the number


# Attestation C, a failed or missing verification, or none at all: not vouched for.
VOUCHED = frozenset({Attestation.FULL.value, Attestation.PARTIAL.value})


def fully_attested(stir_verstat: str | None) -> bool:
    return (stir_verstat or "").strip() == Attestation.FULL.value


def number_vouched_for(stir_verstat: str | None, remembered: bool = False) -> bool:
    """Whether texts and callbacks may go to the caller's number: vouched for by this webhook's
    StirVerstat, or (`remembered`) by the call's first."""
    return remembered or (stir_verstat or "").strip() in VOUCHED
