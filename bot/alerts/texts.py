"""What the hotline says about drug-supply alerts and reports, in English and Spanish: plain,
person-first, and every reply that signs someone up says how to stop."""
from __future__ import annotations

from bot.language import phrase

SAFETY_TIPS = {
    "en": "Stay safer: don't use alone, try a small amount first and go slow, test with fentanyl test strips, "
          "and keep naloxone (Narcan) close. If someone is not breathing, call 911.",
    "es": "Para cuidarte: no uses a solas, prueba primero una cantidad pequeña y ve despacio, usa tiras de prueba "
          "de fentanilo y ten naloxona (Narcan) a la mano. Si alguien no respira, llama al 911.",
}

PHRASES = {
    "en": {
        "subscribed": "You're signed up for drug-supply alerts near {area}. We text only when something dangerous "
                      "is going around. Text ALERTS OFF to stop alerts, or STOP to stop all messages. To tell us "
                      "about a bad batch, text REPORT and what you saw.",
        "moved": "Your drug-supply alerts are now for {area} instead of {before}. Text ALERTS OFF to stop alerts, "
                 "or STOP to stop all messages.",
        "already": "You're already signed up for drug-supply alerts near {area}. Text ALERTS OFF to stop alerts, "
                   "or STOP to stop all messages.",
        "unsubscribed": "You won't get drug-supply alerts anymore. Text ALERTS and your ZIP code to sign up again.",
        "not_subscribed": "You aren't signed up for drug-supply alerts. To sign up, text ALERTS and your ZIP code, "
                          "for example ALERTS 98104.",
        "how": "To get drug-supply alerts, text ALERTS and your ZIP code or neighborhood, for example ALERTS 98104. "
               "Text ALERTS OFF to stop them.",
        "unknown_zip": "{zip} isn't a ZIP code we know. Text ALERTS and your 5-digit ZIP code, for example "
                       "ALERTS 98104.",
        "unknown_place": "We don't know where \"{place}\" is. Text ALERTS and your 5-digit ZIP code, for example "
                         "ALERTS 98104.",
        "no_number": "We can't sign up this phone for alerts: we can't read its number.",
        "report_thanks": "Thank you for telling us. It goes to our team without your number. ",
        "report_how": "To tell us about a bad batch, text REPORT and what you saw and where, for example: REPORT "
                      "blue pills in Belltown, much stronger than usual. We don't keep your number with it.",
        "alert": "Health Hub alert: {text}",
    },
    "es": {
        "subscribed": "Te inscribiste para recibir alertas sobre drogas peligrosas cerca de {area}. Solo escribimos "
                      "cuando circula algo peligroso. Escribe ALERTAS NO para dejar de recibirlas, o ALTO para no "
                      "recibir ningún mensaje. Para avisarnos de un lote peligroso, escribe REPORTE y lo que viste.",
        "moved": "Tus alertas sobre drogas peligrosas ahora son para {area} en vez de {before}. Escribe ALERTAS NO "
                 "para dejar de recibirlas, o ALTO para no recibir ningún mensaje.",
        "already": "Ya estás inscrito/a para recibir alertas cerca de {area}. Escribe ALERTAS NO para dejar de "
                   "recibirlas, o ALTO para no recibir ningún mensaje.",
        "unsubscribed": "Ya no recibirás alertas sobre drogas peligrosas. Escribe ALERTAS y tu código postal para "
                        "inscribirte otra vez.",
        "not_subscribed": "No estás inscrito/a para recibir alertas. Para inscribirte, escribe ALERTAS y tu código "
                          "postal, por ejemplo ALERTAS 98104.",
        "how": "Para recibir alertas sobre drogas peligrosas, escribe ALERTAS y tu código postal o barrio, por "
               "ejemplo ALERTAS 98104. Escribe ALERTAS NO para dejar de recibirlas.",
        "unknown_zip": "No conocemos el código postal {zip}. Escribe ALERTAS y tu código postal de 5 dígitos, por "
                       "ejemplo ALERTAS 98104.",
        "unknown_place": "No sabemos dónde queda \"{place}\". Escribe ALERTAS y tu código postal de 5 dígitos, por "
                         "ejemplo ALERTAS 98104.",
        "no_number": "No podemos inscribir este teléfono para alertas: no podemos leer su número.",
        "report_thanks": "Gracias por avisarnos. Le llega a nuestro equipo sin tu número. ",
        "report_how": "Para avisarnos de un lote peligroso, escribe REPORTE y lo que viste y dónde, por ejemplo: "
                      "REPORTE pastillas azules en Belltown, mucho más fuertes que lo normal. No guardamos tu número.",
        "alert": "Alerta de Health Hub: {text}",
    },
}


def say(language: str, key: str, **values) -> str:
    return phrase(PHRASES, language, key, **values)


def report_thanks(language: str) -> str:
    """Thanks for a report, and the safety tips."""
    return say(language, "report_thanks") + SAFETY_TIPS.get(language, SAFETY_TIPS["en"])


def alert_body(text: str, language: str) -> str:
    """An alert as its subscribers read it: named as the hotline's, so that they know who sends it."""
    return say(language, "alert", text=text.strip())


def subscribers(count: int) -> str:
    """'1 subscriber', '140 subscribers': for the coordinator's texts."""
    return f"{count} subscriber" + ("" if count == 1 else "s")
