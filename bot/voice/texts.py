"""What the voice line says outside Rasa's responses, in English and Spanish: short sentences,
ZIP codes and references digit by digit, 911 in every prompt where a caller could be waiting."""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from bot.directory.taxonomy import SERVICE_TYPES
from bot.handoff import referrers
from bot.handoff.consent import Consent, ReadAs, read_consent
from bot.language import LANGUAGES, language, name_of, phrase

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.db.models import Handoff

# Twilio's language tag for each language the line speaks (bot/language.py).
LANGUAGE_TAGS = {code: spoken.speech for code, spoken in LANGUAGES.items()}


def spoken_language(value: str | None) -> str:
    """A language the voice line speaks (from a callback's query string), English otherwise."""
    return language(value).code


# One entry per language of bot/language.py, each with the same keys (tests/bot/test_language.py).
_TEXTS = {
    "en": {
        "greeting": "Hi, this is the Health Hub Hotline. Tell me what you need and your ZIP code, or say: talk to someone. If someone is not breathing, hang up and call 911.",
        "menu": "To find services, press 1. To talk to a person, press 2. Para español, oprima 3.",
        "menu_again": "Sorry, I didn't hear anything.",
        "goodbye_quiet": "I can't hear you. Call or text this number any time. If someone is not breathing, call 911.",
        "still_there": "Anything else? Tell me what you need, or say: talk to someone.",
        "trouble": "Sorry, the hotline had a problem. Please call again in a minute. If someone is not breathing, hang up and call 911.",
        "press": "For {title}, press {digit}.",
        "offer_list": "I can text you this list, with phone numbers. Say yes or press 1. Or tell me what else you need.",
        "list_sent": "Done. The list is on its way to your phone by text message.",
        "list_not_sent": "I couldn't text this number, sorry. You can text the hotline what you need and your ZIP code.",
        # The line texts only a number the carrier vouches for (bot/voice/caller_id.py).
        "list_text_us": "To get this list by text, text this number what you need and your ZIP code.",
        "no_list": "OK.",
        "connecting": "Connecting you with a harm reduction specialist now. Please stay on the line.",
        "next_specialist": "Still trying. Calling another specialist now. Please stay on the line.",
        "connected_done": "Thank you for calling the Health Hub Hotline. Take care.",
        "callback_alerted": "Nobody could pick up right now, sorry. A harm reduction specialist will call or text you back at this number soon. Your reference is {ref}.",
        "callback_escalated": "Nobody could pick up right now, sorry. Our coordinator has your request and will call or text you back at this number as soon as they can. Your reference is {ref}.",
        "callback_saved": "Nobody is on call right now, sorry. We saved your request, and someone will call or text you back at this number as soon as someone is available. Your reference is {ref}.",
        "callback_no_number": " We can't call or text the number you're calling from, so please text this number, or call us again.",
        "if_not_breathing": "If someone is not breathing, hang up and call 911.",
        "emergency_911": "If someone may be overdosing, hang up and call 911 now. Then give naloxone. Here are the steps.",
        "emergency_repeat": "To hear the steps again, press 1 or say repeat. Call 911 now if you haven't.",
        # The answer deadline passed (bot/channels/admission.py): the call waits for the answer.
        "holding": "One moment, I'm looking that up. Please stay on the line. If someone is not breathing, hang up and call 911.",
        "still_holding": "Still working on it. Please stay on the line.",
        "trouble_continue": "Sorry, I couldn't get that answer in time.",
        # An action call ran past HUB_ACTION_TIMEOUT; it may have run, so nothing is claimed.
        "action_timeout": "That took too long on our side. Please say it again, or text STATUS to this number if you asked for a person.",
        # An officer's referral by voice (bot/channels/twilio_voice.py, voice_introduction.py).
        "referral_connecting": "Referral received. Your reference is {ref}. Connecting you with a harm reduction specialist now, so that you can tell them about the person. Please stay on the line. If you hang up, a specialist will still contact the person.",
        "referral_connecting_intro": "Referral received. Your reference is {ref}. Connecting you with a harm reduction specialist now. Please stay on the line: once they take it, we will call the person so that you can introduce them. If you hang up, a specialist will still contact the person.",
        "referral_alerted": "Nobody could pick up right now, sorry. A harm reduction specialist has the referral by text and will contact the person. Your reference is {ref}. Text STATUS and the reference to follow it.",
        "referral_escalated": "Nobody could pick up right now, sorry. Our coordinator has the referral and will see that someone contacts the person. Your reference is {ref}. Text STATUS and the reference to follow it.",
        "referral_saved": "Nobody is on call right now, sorry. We saved the referral, and someone will contact the person as soon as someone is available. Your reference is {ref}. Text STATUS and the reference to follow it.",
        "intro_officer_joining": "The person is joining the call now.",
        # The person an officer referred, called by the hotline to join the introduction.
        "intro_greeting": "Hello, this is the Health Hub Hotline, a free harm reduction service. {who} asked us, with your OK, to connect you with one of our specialists. The specialist and {the} are on the line now. To join them, press 1. If now is not a good time, hang up, and the specialist will text you instead.",
        "intro_joining": "Thank you. Joining you now.",
        "intro_later": "OK. The specialist will text you at this number instead. Take care. If someone is not breathing, call 911.",
        "intro_gone": "Sorry, the specialist is no longer on the line. They will text you at this number soon. If someone is not breathing, call 911.",
    },
    "es": {
        "greeting": "Hola, esta es la línea Health Hub. Dime lo que necesitas y tu código postal, o di: hablar con alguien. Si alguien no respira, cuelga y llama al 911.",
        "menu": "Para buscar servicios, oprima 1. Para hablar con una persona, oprima 2. For English, press 3.",
        "menu_again": "Perdona, no escuché nada.",
        "goodbye_quiet": "No te escucho. Llama o escribe a este número cuando quieras. Si alguien no respira, llama al 911.",
        "still_there": "¿Algo más? Dime lo que necesitas, o di: hablar con alguien.",
        "trouble": "Perdona, la línea tuvo un problema. Llama de nuevo en un minuto. Si alguien no respira, cuelga y llama al 911.",
        "press": "Para {title}, oprima {digit}.",
        "offer_list": "Puedo mandarte esta lista por mensaje de texto, con los teléfonos. Di sí u oprima 1. O dime qué más necesitas.",
        "list_sent": "Listo. La lista va a tu teléfono por mensaje de texto.",
        "list_not_sent": "Perdona, no puedo escribir a este número. Puedes escribir a la línea lo que necesitas y tu código postal.",
        "list_text_us": "Para recibir esta lista por mensaje de texto, escribe a este número lo que necesitas y tu código postal.",
        "no_list": "Está bien.",
        "connecting": "Te comunico ahora con una persona especialista en reducción de daños. No cuelgues, por favor.",
        "next_specialist": "Sigo intentando. Llamo a otra persona especialista. No cuelgues, por favor.",
        "connected_done": "Gracias por llamar a la línea Health Hub. Cuídate.",
        "callback_alerted": "Perdona, nadie pudo contestar ahora. Una persona especialista en reducción de daños te llamará o te escribirá pronto a este número. Tu referencia es {ref}.",
        "callback_escalated": "Perdona, nadie pudo contestar ahora. Nuestra coordinadora tiene tu solicitud y te llamará o te escribirá a este número en cuanto pueda. Tu referencia es {ref}.",
        "callback_saved": "Perdona, ahora no hay nadie de guardia. Guardamos tu solicitud y alguien te llamará o te escribirá a este número en cuanto esté disponible. Tu referencia es {ref}.",
        "callback_no_number": " No podemos llamar ni escribir al número desde el que llamas, así que por favor escribe a este número, o llámanos de nuevo.",
        "if_not_breathing": "Si alguien no respira, cuelga y llama al 911.",
        "emergency_911": "Si alguien puede tener una sobredosis, cuelga y llama al 911 ahora. Después dale naloxona. Estos son los pasos.",
        "emergency_repeat": "Para escuchar los pasos otra vez, oprima 1 o di repite. Llama al 911 ahora si todavía no lo hiciste.",
        "holding": "Un momento, lo estoy buscando. No cuelgues, por favor. Si alguien no respira, cuelga y llama al 911.",
        "still_holding": "Sigo buscando. No cuelgues, por favor.",
        "trouble_continue": "Perdona, no pude conseguir esa respuesta a tiempo.",
        "action_timeout": "Eso tardó demasiado de nuestro lado. Por favor, dilo de nuevo, o escribe STATUS a este número si pediste hablar con una persona.",
        "referral_connecting": "Referencia recibida. Tu referencia es {ref}. Te comunico ahora con una persona especialista en reducción de daños, para que le cuentes de la persona. No cuelgues, por favor. Si cuelgas, una persona especialista igual se comunicará con la persona.",
        "referral_connecting_intro": "Referencia recibida. Tu referencia es {ref}. Te comunico ahora con una persona especialista en reducción de daños. No cuelgues, por favor: cuando conteste, llamaremos a la persona para que puedas presentarlos. Si cuelgas, una persona especialista igual se comunicará con la persona.",
        "referral_alerted": "Perdona, nadie pudo contestar ahora. Una persona especialista tiene la referencia por mensaje de texto y se comunicará con la persona. Tu referencia es {ref}. Escribe STATUS y la referencia para seguirla.",
        "referral_escalated": "Perdona, nadie pudo contestar ahora. Nuestra coordinadora tiene la referencia y se asegurará de que alguien se comunique con la persona. Tu referencia es {ref}. Escribe STATUS y la referencia para seguirla.",
        "referral_saved": "Perdona, ahora no hay nadie de guardia. Guardamos la referencia y alguien se comunicará con la persona en cuanto esté disponible. Tu referencia es {ref}. Escribe STATUS y la referencia para seguirla.",
        "intro_officer_joining": "La persona se está uniendo a la llamada.",
        "intro_greeting": "Hola, esta es la línea Health Hub, un servicio gratuito de reducción de daños. {who} nos pidió, con tu permiso, conectarte con una de nuestras personas especialistas. La persona especialista y {the} están en la línea ahora. Para unirte, oprima 1. Si ahora no es buen momento, cuelga, y la persona especialista te escribirá.",
        "intro_joining": "Gracias. Te uno a la llamada ahora.",
        "intro_later": "Está bien. La persona especialista te escribirá a este número. Cuídate. Si alguien no respira, llama al 911.",
        "intro_gone": "Perdona, la persona especialista ya no está en la línea. Te escribirá pronto a este número. Si alguien no respira, llama al 911.",
    },
}

# The naloxone steps, one breath each, read slowly with a pause between them.
EMERGENCY_STEPS = {
    "en": [
        "Lay them on their back.",
        "Spray the naloxone once into one nostril.",
        "Give rescue breaths. Tilt the head back, pinch the nose, and give 1 breath every 5 seconds.",
        "If they don't respond after 2 to 3 minutes, give a second dose.",
        "If they are breathing, roll them on their side.",
        "Stay with them until help arrives.",
        "Good Samaritan laws in most states, Washington included, protect you and them from drug possession charges when you call 911 for an overdose.",
    ],
    "es": [
        "Acuesta a la persona boca arriba.",
        "Pon 1 spray de naloxona en una fosa nasal.",
        "Dale respiración de rescate. Inclina su cabeza hacia atrás, tápale la nariz y dale 1 respiración cada 5 segundos.",
        "Si no responde en 2 a 3 minutos, dale otra dosis.",
        "Si respira, ponla de lado.",
        "Quédate con ella hasta que llegue la ayuda.",
        "Las leyes del Buen Samaritano de casi todos los estados, incluido Washington, te protegen a ti y a ella de cargos por posesión de drogas cuando llamas al 911 por una sobredosis.",
    ],
}

# The specialist's leg of a warm transfer: in English, as every message to specialists.
_TO_SPECIALIST = {
    "whisper_no_answer": "No answer. We'll ask someone else.",
    "whisper_gone": "Sorry, this call was already taken or has ended. Thank you.",
    "whisper_taken": "Connecting you now. The reference {ref} is also in a text message.",
    "whisper_calling_person": " We are calling the person now. They will join you and {the} when they answer.",
    "whisper_person_not_called": " We could not call the person, so they have a text from us. You can text them from your phone.",
}


def to_specialist(key: str, **values) -> str:
    return _TO_SPECIALIST[key].format(**values)


def whisper(handoff: Handoff, introduction: bool = False) -> str:
    """What the specialist hears before deciding: who, where, what, which language, the
    reference, and whether the person will be called in. Never a number or the caller's words."""
    kind = referrers.kind_of(handoff)
    who = f"{referrers.who(kind, 'en')} is calling to refer a person" if kind else "A person is calling the hotline and asked for a specialist"
    where = f" near {' '.join(handoff.area)}" if handoff.area and handoff.area.isdigit() else (f" near {handoff.area}" if handoff.area else "")
    needs = ", ".join(SERVICE_TYPES.get(c, c) for c in (handoff.needs or "").split(",") if c)
    return (
        f"Health Hub call. {who}{where}."
        + (f" They need {needs}." if needs else "")
        + f" They speak {name_of(handoff.language)}."
        + f" Reference {spell(handoff.ref)}."
        + (f" If you take it, we will then call the person, so that {referrers.the(kind, 'en')} can introduce you." if introduction else "")
        + " Press 1 to take the call. To pass, hang up."
    )


# "Text me", "send it": a yes to the offer to text the list when that is all the caller said (a yes
# or a please around it). The consent reader does not count them, since they are no consent to be
# contacted by a person; "don't text me" is not all a caller said.
_SEND_IT = re.compile(
    r"(?:(?:yes|yeah|ok|okay|sure|si|claro)\s+)?(?:please\s+)?"
    r"(?:text (?:it )?(?:to )?me(?: the list)?|text it|send (?:it|me it|it to me|me the list)|mandamela|enviala|mandala|enviamela)"
    r"(?:\s+(?:please|por favor))?")
_DONT_SEND_IT = re.compile(
    r"(?:no\s+)*(?:please\s+)?(?:dont|do not|no)\s+(?:text|send|me la mandes|la mandes|me la envies|la envies|mandes|envies)\b.*")
_REPEAT = re.compile(r"\b(repeat|again|what|repite|repetir|otra vez|de nuevo)\b", re.I)


def say(language: str, key: str, **values) -> str:
    return phrase(_TEXTS, language, key, **values)


def list_answer(speech: str) -> Consent:
    """The caller's answer to "I can text you this list": the consent reader's direct-answer mode,
    so that "not sure", "please don't" or "don't text me" never send a text about drug services to
    the phone; anything else it cannot place is unclear (the call goes on with it)."""
    reading = read_consent(speech, ReadAs.DIRECT_ANSWER)
    plain = " ".join(re.findall(r"[^\W_]+", "".join(
        c for c in unicodedata.normalize("NFD", (speech or "").lower().replace("'", "").replace("\u2019", ""))
        if not unicodedata.combining(c))))
    if reading is Consent.UNCLEAR and _SEND_IT.fullmatch(plain):
        return Consent.YES
    if reading is Consent.UNCLEAR and _DONT_SEND_IT.fullmatch(plain):
        return Consent.NO
    return reading


def asks_repeat(speech: str) -> bool:
    return bool(_REPEAT.search(speech or ""))


def spell(ref: str) -> str:
    """H-4821 as a voice reads it best: 'H, 4 8 2 1'."""
    return "H, " + " ".join(ch for ch in ref if ch.isdigit())
