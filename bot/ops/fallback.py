"""`hub twilio fallback sms|voice`: the TwiML Twilio serves from a TwiML Bin when the hotline's
own webhook fails or times out, so that even a dead server never leaves a texter or a caller in
silence. Static (Twilio hosts it), in English and Spanish, since the language is not known: the
911 steps first (principle 1), then that the line is having trouble."""
from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Pause, Say, VoiceResponse

from bot.config import Settings
from bot.language import LANGUAGES, voice_of
from bot.safety import EMERGENCY_REPLIES
from bot.voice.texts import EMERGENCY_STEPS, LANGUAGE_TAGS

SMS_TROUBLE = {
    "en": "The Health Hub Hotline is having trouble right now and could not read your message. Please text again soon.",
    "es": "La Health Hub Hotline tiene problemas en este momento y no pudo leer tu mensaje. Escribe de nuevo pronto.",
}
VOICE_OPENING = {
    "en": "Health Hub Hotline. If someone may be overdosing, hang up and call 911 now. The line is having trouble "
          "right now; please call again soon. The naloxone steps follow, in English, then in Spanish.",
    "es": "Línea Health Hub. Si alguien puede tener una sobredosis, cuelga y llama al 911 ahora. La línea tiene "
          "problemas en este momento; llama de nuevo pronto. Los pasos de naloxona siguen, en inglés y después en español.",
}
EMERGENCY_SMS = EMERGENCY_REPLIES


def sms_fallback() -> str:
    """One message per language: the 911 steps, then the trouble notice."""
    twiml = MessagingResponse()
    for language in LANGUAGES:
        twiml.message(f"{EMERGENCY_SMS[language]} {SMS_TROUBLE[language]}")
    return str(twiml)


def voice_fallback(settings: Settings) -> str:
    """The 911 line and the trouble notice in both languages, then the naloxone steps read slowly
    in each, with the voices the line itself speaks with."""
    voices = {language: voice_of(settings, language) for language in LANGUAGES}
    twiml = VoiceResponse()
    for language in LANGUAGES:
        twiml.say(VOICE_OPENING[language], voice=voices[language], language=LANGUAGE_TAGS[language])
    for language in LANGUAGES:
        twiml.append(Pause(length=1))
        for step in EMERGENCY_STEPS[language]:
            say = Say(voice=voices[language], language=LANGUAGE_TAGS[language])
            say.prosody(step, rate="slow")
            twiml.append(say)
    twiml.hangup()
    return str(twiml)
