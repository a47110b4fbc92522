"""The base of every stored word of the hotline's vocabulary (handoff states, sources, referrer
kinds, outbox purposes): named once as an enum member, stored and compared as its bare string."""
from __future__ import annotations

from enum import Enum


class Word(str, Enum):
    """A stored word: str() and formatting give the bare value, as the database holds it."""

    def __str__(self) -> str:
        return self.value
