"""English or Spanish, read from a text message.

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

LANGUAGES = ("en", "es")

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
    return previous if previous in LANGUAGES else "en"


def phrase(phrases: dict, language: str, key: str, **values) -> str:
    """`key` from a table of phrases by language ({"en": {...}, "es": {...}}), in `language`, or
    in English where the table has no such language; `values` filled in."""
    return phrases.get(language, phrases["en"])[key].format(**values)
