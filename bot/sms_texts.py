"""What the SMS channel says itself when a turn could not be answered from the conversation, in
plain words and every language of bot/language.py (tests/bot/test_language.py checks the table)."""
from __future__ import annotations

from bot.language import phrase

# One entry per language, each with the same keys.
_TEXTS = {
    "en": {
        # An action call ran past HUB_ACTION_TIMEOUT. The action may still have run (a handoff
        # opened), so the words claim nothing about what happened: the texter sends it again, or
        # asks STATUS whether a person has their request.
        "action_timeout": "That took too long on our side. Please send it again, or text STATUS if you asked for a person.",
    },
    "es": {
        "action_timeout": "Eso tardó demasiado de nuestro lado. Por favor, envíalo de nuevo, o escribe STATUS si pediste hablar con una persona.",
    },
}


def sms_text(language: str, key: str) -> str:
    return phrase(_TEXTS, language, key)
