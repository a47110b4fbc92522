"""Emergency first on a call (DESIGN.md, principle 1): which turns are answered with 911 and the
naloxone steps at once, before the line looks anything up (who is calling, whether Twilio sent
the turn before, the conversation). The words of the steps are bot/voice/texts.py's."""
from __future__ import annotations

from enum import Enum

from bot.safety import mentions_overdose_in_progress
from bot.voice.texts import asks_repeat

EMERGENCY_STEP = "emergency"  # the prompt after the steps: press 1 or say repeat to hear them again


class StepsFirst(Enum):
    """Why a turn gets the steps at once."""

    AGAIN = "again"  # the caller asked to hear them again: nothing else to do
    OVERDOSE = "overdose"  # the speech names an overdose in progress: the turn still reaches the conversation


def steps_first(step: str, speech: str, digits: str) -> StepsFirst | None:
    """Whether the turn answering the prompt `step` (with what the caller said and keyed) is
    answered with the steps before anything else, and why."""
    if step == EMERGENCY_STEP and (digits == "1" or not speech or asks_repeat(speech)):
        return StepsFirst.AGAIN
    if names_overdose(speech):
        return StepsFirst.OVERDOSE
    return None


def names_overdose(speech: str | None) -> bool:
    """Whether a caller's speech names an overdose in progress (the same net as SMS)."""
    return mentions_overdose_in_progress(speech or "")
