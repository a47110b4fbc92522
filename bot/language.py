"""The languages the hotline speaks (one table: LANGUAGES), the phrase tables every user-facing
text goes through (phrase), and English or Spanish read from a text message (detect_language).

A general language detector was tried first (lingua, restricted to English and Spanish): on this
line's messages it read "narcan 98104" as Spanish (0.85), "thx" as Spanish and "hola" as only
0.66 Spanish, because drug names, slang and place names dominate a short SMS. Words of the two
languages that texters actually use decide better: the message is Spanish when it has more
Spanish words than English ones, English in the opposite case, and otherwise the conversation
keeps the language it had ("98104", "narcan", "ok").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Language:
    """One language the hotline speaks: every place that depends on the language reads it here.
    Adding one is a row below and its phrases in each table (docs/referrers.md)."""

    code: str  # what handoffs, slots and query strings store ("es")
    name: str  # what an English-speaking specialist reads in an alert ("Spanish")
    speech: str  # Twilio's speech recognition and <Say> language ("es-US")
    voice_setting: str  # the Settings field naming the Twilio voice that speaks it (HUB_VOICE_ES)
    keypad: str  # the key that chooses it in the voice menu of another language


LANGUAGES = {
    "en": Language("en", "English", "en-US", "voice_en", "3"),
    "es": Language("es", "Spanish", "es-US", "voice_es", "3"),
}
DEFAULT = "en"


def language(code: str | None) -> Language:
    """The language of a stored or received code; English for an unknown or missing one."""
    return LANGUAGES.get(code or "", LANGUAGES[DEFAULT])


def name_of(code: str | None) -> str:
    """'Spanish' for 'es'; an unknown code as it is (a specialist can still read it)."""
    return LANGUAGES[code].name if code in LANGUAGES else (code or LANGUAGES[DEFAULT].name)


def voice_of(settings: Any, code: str | None) -> str:
    """The Twilio voice (e.g. Polly.Lupe) the line speaks this language with."""
    return getattr(settings, language(code).voice_setting)


def chosen_by_key(digit: str, current: str) -> str | None:
    """The language a key chooses in the voice menu of `current`, or None for no language."""
    return next((code for code, lang in LANGUAGES.items() if code != current and lang.keypad == digit), None)

# Function words and the hotline's everyday vocabulary; words both languages share ("no", "a",
# "me", "mi", "ok", "taco") are left out of both lists.
_SPANISH = frozenset("""
    hola buenas buenos dias tardes noches gracias porfa favor adios adiós chao ciao hasta luego
    si sí claro dale vale bueno sale órale orale simón simon nel nop tampoco
    donde dónde hay tienen tiene puedo puede pueden podemos conseguir consigo consigue busco buscando
    necesito necesita necesitamos quiero quiere queremos hablar alguien persona gente ayuda ayudame ayúdame
    cerca estoy estamos vivo vive está esta estan están soy somos eres es son ser tengo tienes tenemos
    el la los las un una unos unas del al de en con sin para por que qué cual cuál como cómo cuando cuándo
    quien quién mas más otro otros otra otras lugares lugar sitio ahora hoy mañana noche abierto abierta
    mío mía amigo amiga hermano hermana hijo hija mamá papá novio novia esposo esposa tío tía primo prima
    respira despierta despertar responde reacciona azul labios sobredosis desmayó desmayo inconsciente
    jeringas agujas naloxona tiras prueba pruebas metadona buprenorfina heridas absceso albergue refugio
    ducha comida cama medicinas viejas vencidas tratamiento desintoxicación consumo seguro pares apoyo
    también tambien pero pues entonces aquí aqui allí alli ya muy nada algo todo todos mucho poco
    sabes sé saber puedes usar uso usa uso funciona cuánto cuanto cuesta gratis policía policia
    llamar llama llamo llamé dijo dicen hacer hago hace pasa pasó nos vemos cuidate cuídate
    siguiente hable habla español ahorita señor señora tirado emergencia muriendo urgente pastillas
""".split())

_ENGLISH = frozenset("""
    hi hello hey hiya yo sup morning evening thanks thank thx ty bye goodbye later
    yes yeah yep yup sure okay nope nah the an of to for with without and but or in on at near around
    where whats what's how who when which why is are was were be been am i im i'm i'll ive i've you u your ur
    he she they them him her his it its it's this that there here my me mine we our us
    can could would will should do does did don't dont doesn't cant can't won't wont isn't not
    need needs want wants get got find looking look help please pls plz talk someone somebody person
    anyone anybody real human call text tell know think give gave use using used
    open now tonight today tomorrow right more other others next place places somewhere close closest nearby
    breathing breathe wake waking blue lips overdosing overdose passed out unresponsive friend brother sister
    needles syringes strips test testing shower bed shelter meds old wound care treatment
    free safe cops police arrested about just just really much many some any all
""".split())

_WORD = re.compile(r"[a-zñáéíóúü']+")
_SPANISH_MARKS = re.compile(r"[¿¡ñ]|[áéíóú]")


_STRETCHED = re.compile(r"(.)\1+$")


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text.lower()))


def _known(word: str, vocabulary: frozenset) -> bool:
    # Texters stretch words ("holaa", "graciass", "heyyy").
    return word in vocabulary or _STRETCHED.sub(r"\1", word) in vocabulary


def detect_language(text: str, previous: str | None = None) -> str:
    """'es' or 'en' for `text`; `previous` (or English) when the text says neither."""
    words = _words(text or "")
    spanish = sum(_known(word, _SPANISH) for word in words) + (1 if _SPANISH_MARKS.search(text or "") else 0)
    english = sum(_known(word, _ENGLISH) for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return previous if previous in LANGUAGES else DEFAULT


def phrase(phrases: dict, language: str, key: str, **values) -> str:
    """`key` from a table of phrases by language ({"en": {...}, "es": {...}}), in `language`, or
    in English where the table has no such language; `values` filled in. Every table holds the
    same keys in every language (tests/bot/test_language.py checks each table it lists)."""
    return phrases.get(language, phrases[DEFAULT])[key].format(**values)


def in_language(texts: dict, language: str) -> Any:
    """A whole text (or list of texts) by language, {"en": ..., "es": ...}: English where the table
    has no such language."""
    return texts.get(language, texts[DEFAULT])
