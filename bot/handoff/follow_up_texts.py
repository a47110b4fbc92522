"""What the follow-up check-ins say, in English and Spanish. The check-in itself names no drug,
service or place: others may see the phone's screen."""
from __future__ import annotations

from bot.language import phrase

# One entry per language of bot/language.py, each with the same keys (tests/bot/test_language.py).
_TEXTS = {
    "en": {
        "question": "May we check in with you in a day or two? Reply YES or NO.",
        "check_in": "Checking in from the hotline: did you get connected? Reply 1 yes, 2 not yet, 3 talk to someone.",
        "consent_yes": "Thanks. We'll text you in a day or two to check in. Text STOP any time to stop all messages.",
        "consent_no": "OK, we won't check in. Text this number any time you need something.",
        "connected": "Thanks for letting us know. Text this number any time you need something.",
        "still_open": "Your request ({ref}) is still open: someone will text you here. If someone is not breathing, call 911.",
        # A reply of 2 ("not yet") opens nothing until the person says yes to this (review 18).
        "recontact_question": "Sorry you're not connected yet. Would you like a specialist to text you here? Reply YES or NO.",
        "recontact_no": "OK, nobody will contact you. Text this number any time you need something. If someone is not breathing, call 911.",
    },
    "es": {
        "question": "¿Podemos escribirte en uno o dos días para saber cómo estás? Responde SÍ o NO.",
        "check_in": "Te escribimos de la línea de ayuda: ¿pudiste conectarte? Responde 1 sí, 2 todavía no, 3 hablar con alguien.",
        "consent_yes": "Gracias. Te escribiremos en uno o dos días para saber cómo estás. Escribe ALTO cuando quieras para no recibir más mensajes.",
        "consent_no": "De acuerdo, no te escribiremos. Escribe a este número cuando necesites algo.",
        "connected": "Gracias por contarnos. Escribe a este número cuando necesites algo.",
        "still_open": "Tu solicitud ({ref}) sigue abierta: alguien te escribirá aquí. Si alguien no respira, llama al 911.",
        "recontact_question": "Lamentamos que todavía no. ¿Quieres que una persona especialista te escriba aquí? Responde SÍ o NO.",
        "recontact_no": "De acuerdo, nadie te va a contactar. Escribe a este número cuando necesites algo. Si alguien no respira, llama al 911.",
    },
}


def say(key: str, language: str, **values: str) -> str:
    return phrase(_TEXTS, language, key, **values)


def all_texts() -> list[str]:
    """Every text in both languages (the person-first check reads this module's source too)."""
    return [text for texts in _TEXTS.values() for text in texts.values()]
