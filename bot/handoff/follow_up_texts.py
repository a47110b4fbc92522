"""What the follow-up check-ins say, in English and Spanish. The check-in itself names no drug,
service or place: others may see the phone's screen."""
from __future__ import annotations

_TEXTS = {
    "question": (
        "May we check in with you in a day or two? Reply YES or NO.",
        "¿Podemos escribirte en uno o dos días para saber cómo estás? Responde SÍ o NO.",
    ),
    "check_in": (
        "Checking in from the hotline: did you get connected? Reply 1 yes, 2 not yet, 3 talk to someone.",
        "Te escribimos de la línea de ayuda: ¿pudiste conectarte? Responde 1 sí, 2 todavía no, 3 hablar con alguien.",
    ),
    "consent_yes": (
        "Thanks. We'll text you in a day or two to check in. Text STOP any time to stop all messages.",
        "Gracias. Te escribiremos en uno o dos días para saber cómo estás. Escribe ALTO cuando quieras para no recibir más mensajes.",
    ),
    "consent_no": (
        "OK, we won't check in. Text this number any time you need something.",
        "De acuerdo, no te escribiremos. Escribe a este número cuando necesites algo.",
    ),
    "connected": (
        "Thanks for letting us know. Text this number any time you need something.",
        "Gracias por contarnos. Escribe a este número cuando necesites algo.",
    ),
    "still_open": (
        "Your request ({ref}) is still open: someone will text you here. If someone is not breathing, call 911.",
        "Tu solicitud ({ref}) sigue abierta: alguien te escribirá aquí. Si alguien no respira, llama al 911.",
    ),
}


def say(key: str, language: str, **values: str) -> str:
    english, spanish = _TEXTS[key]
    return (spanish if language == "es" else english).format(**values)


def all_texts() -> list[str]:
    """Every text in both languages (the person-first check reads this module's source too)."""
    return [text for pair in _TEXTS.values() for text in pair]
