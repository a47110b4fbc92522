"""What marks a Rasa turn as part of a voice call: the voice channel puts it in the message's
metadata, and the actions read it to answer for the ear (a transfer instead of an alert, a list
offered by text instead of read out)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

VOICE_CHANNEL = "voice"


def voice_metadata(language: str) -> dict[str, Any]:
    """The metadata the voice channel sends with each caller's turn."""
    return {"channel": VOICE_CHANNEL, "language": language}


def is_voice_call(metadata: Mapping[str, Any] | None) -> bool:
    """Whether this turn is a voice call (the message's metadata says so)."""
    return (metadata or {}).get("channel") == VOICE_CHANNEL
