"""Emergency first (DESIGN.md, principle 1): recognising an overdose in progress and what to say.

The NLU answers emergencies through a rule; this keyword net is the guarantee underneath it, used
by the channels so that the 911 text goes out even when the model is unsure or unreachable.
"""
from __future__ import annotations

import re

from bot.language import in_language

EMERGENCY_REPLY = (
    "If someone may be overdosing, call 911 now. Give naloxone (Narcan) if you have it: "
    "lay them on their back, spray once into one nostril, and give a second dose after "
    "2-3 minutes if they don't respond. Give rescue breaths: tilt the head back, pinch the "
    "nose, 1 breath every 5 seconds. If they are breathing, roll them on their side "
    "(recovery position). Stay with them. Good Samaritan laws in most states, Washington "
    "included, protect you and them from drug possession charges when you call 911 for an overdose."
)
EMERGENCY_REPLY_ES = (
    "Si alguien puede tener una sobredosis, llama al 911 ahora. Dale naloxona (Narcan) si tienes: "
    "acuesta a la persona boca arriba, pon 1 spray en una fosa nasal y da otra dosis a los 2-3 "
    "minutos si no responde. Dale respiración de rescate: inclina su cabeza hacia atrás, tápale la "
    "nariz, 1 respiración cada 5 segundos. Si respira, ponla de lado (posición de recuperación). "
    "Quédate con ella. Las leyes del Buen Samaritano de casi todos los estados, incluido Washington, "
    "te protegen a ti y a ella de cargos por posesión de drogas cuando llamas al 911 por una sobredosis."
)

_PAST = (
    r"(?:last (?:night|week|weekend|month|year|time|summer|winter|spring|fall)|yesterday|(?:days?|weeks?|months?|years?) ago|a while back|"
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|december)|"
    r"el (?:año|mes|fin de semana) pasado|la semana pasada|anoche|ayer|hace (?:un|una|dos|tres|unos|unas|\d+) (?:d[ií]as?|semanas?|mes|meses|años?))"
)

_EMERGENCY = re.compile(
    r"\b("
    r"not breathing|(?:not|isn'?t|isnt|is not|stopped|stop|barely) (?:breath|breeth|breth)\w*|can'?t breathe|"
    r"(?:breathing|breaths?) (?:is |are )?(?:super |really |very )?(?:slow|shallow)|(?:isn'?t|is not) moving|\blimp|still out|"
    r"get (?:him|her|them) to (?:wake|respond|breathe)|(?:he|she|someone|they) (?:is )?od\b|^\W*(?:help\W*)?(?:an? )?(?:od|overdose)\W*$|"
    r"ovr?e?r?dos(?:ing|in)\b|"
    r"turning (?:blue|gray|grey|purple)|(?:lips|face|skin|fingertips|nails) (?:are |is |r |look |looks )?(?:turning )?(?:blue|gray|grey|purple)|"
    r"(?:he|she|they)'?(?:s|re| is| are) (?:turning |going )?(?:blue|gray|grey|purple)|"
    r"won'?t (?:wake|respond|breathe|move)(?: up)?|will not (?:wake|respond)|can'?t wake|cannot wake|not waking|"
    r"unresponsive|passed out|not responding|not moving|fell out|falling out|gurgl\w*|death rattle|eyes rolled|"
    r"(?:is|'s|s|are) dying|"
    r"o\.?d'?(?:ing|in|-ing)|o\.?d'?d|is (?:od|o\.d\.)|overdosing|overdosed|having an overdose|"
    r"(?:od|overdose) (?:happening|right now|now)|(?:it'?s|its|this is) an? (?:od|overdose)|sobredosis|no respira\w*|no despierta|no (?:lo |la )?puedo despertar|sin despertar|no reacciona|"
    r"inconsciente|labios (?:morados|azules)|no abre los ojos|sin respirar|no rr?espira|no se despierta|nose despierta|fl[aá]cid[oa]|no (?:se )?(?:mueve|responde)|gárgaras|gargaras|se (?:est[aá] )?muriendo|"
    r"(?:se )?(?:est[aá] )?poniendo (?:azul|morad[oa]|gris)|"
    # Signs said in other words, from the held-out sets (issue 22): breaths counted a minute, the
    # snore of a blocked airway, nodding past waking, a person who can't be roused or won't answer.
    r"(?:breathing|breaths?|breathes)(?: like| only| about| maybe)? (?:\d+|once|twice|one|two|three) (?:times? |breaths? )?(?:a|per|every) min\w*|"
    r"snoring (?:sound|noise|weird|funny|strange)\w*|(?:making|makes) (?:\w+ ){0,2}snor\w*|"
    r"nodding (?:out )?(?:way |really |super )?(?:too )?(?:hard|bad)|"
    r"(?:trying|tryna|trynna) to wake (?:him|her|them|my \w+)|(?:tratando|intentando) de despertar\w*|"
    r"(?:can'?t|cant|cannot|couldn'?t) get (?:him|her|them) to (?:answer|talk|open)"
    r")\b",
    re.IGNORECASE,
)
# Past or general mentions ("post OD", "overdose kit", "risk of overdose", "OD'd last week") are
# not an overdose in progress; they are removed before looking.
_NOT_IN_PROGRESS = re.compile(
    r"\b(?:post[- ]?(?:od|overdose)|after (?:an? |the |his |her )?(?:od|overdose)|non[- ]?fatal (?:od|overdose)|"
    r"(?:risk|prevention|kit|kits|reversal|awareness|training) (?:of |for )?(?:an? )?(?:od|overdose)s?|"
    r"(?:od|overdose) (?:risk|prevention|kits?|reversal|awareness|training)|for overdoses?|"
    r"(?:od'?d|overdosed) (?:last|yesterday|earlier|before|a (?:while|week|month))\w*|"
    r"despu[eé]s de (?:una |la |su )?sobredosis|(?:riesgo|prevenci[oó]n|kits?) (?:de |contra )?(?:una )?sobredosis|"
    r"por (?:una )?sobredosis|para (?:una |la )?sobredosis|sobredosis no fatal|(?:evit\w*|no tener) (?:una )?sobredosis|"
    r"(?:avoid|prevent)\w* (?:an? )?(?:od\w*|overdos\w+)|who (?:overdosed|od'?d)|"
    r"(?:weren'?t|werent|wasn'?t|wasnt|aren'?t|isn'?t|not) (?:od'?ing|overdosing)|"
    # Questions about avoiding one, and fears of one: "how can i keep from overdosing", "so i
    # don't OD", "scared of overdosing", "sin tener una sobredosis".
    r"(?:keep|keeps|keeping|stop|stops|stopping|save|saves)(?: \w+){0,2}? from (?:od'?ing|overdosing|an? (?:od|overdose))|"
    r"(?:without|of|about) (?:od'?ing|overdosing)|(?:not|don'?t|dont|won'?t|wont|never)(?: to)? (?:od|overdose)|"
    r"(?:sin|miedo (?:de|a)) (?:tener )?(?:una )?sobredosis|"
    # An overdose told as past: "overdosed a couple weeks ago", "died of an od last year",
    # "tuvo una sobredosis el año pasado". Signs happening now elsewhere in the text still count.
    r"(?:od'?d|od'?ed|overdosed|(?:an? |una )?(?:od|overdose|sobredosis))(?:\W+\w+){0,6}?\W+" + _PAST + r"|"
    + _PAST + r"(?:\W+\w+){0,5}?\W+(?:od'?d|overdosed|had an? (?:od|overdose)|(?:tuvo|tuve) una sobredosis)|"
    r"(?:died|passed|lost \w+|murió|muri[oó]|perd[ií] a \w+) (?:of|from|to|de|por) (?:an? |una )?(?:od|overdose|sobredosis))\b",
    re.IGNORECASE,
)
# Any mention of an overdose, to tell a past one ("my friend OD'd last month, where can I get
# narcan") from none at all.
_OVERDOSE_WORD = re.compile(r"\b(?:o\.?d\.?'?(?:d|ed|ing|in)?|overdos\w*|sobredosis)\b", re.IGNORECASE)


# One per language of bot/language.py.
EMERGENCY_REPLIES = {"en": EMERGENCY_REPLY, "es": EMERGENCY_REPLY_ES}


def emergency_reply(language: str | None) -> str:
    return in_language(EMERGENCY_REPLIES, language or "")


def mentions_overdose_in_progress(text: str) -> bool:
    return bool(_EMERGENCY.search(_NOT_IN_PROGRESS.sub(" ", text or "")))


def mentions_past_overdose(text: str) -> bool:
    """Whether a message mentions an overdose that is not happening now (a story, a loss, a fear):
    worth one gentle line about naloxone beside the answer, not the emergency steps."""
    return bool(_OVERDOSE_WORD.search(text or "")) and not mentions_overdose_in_progress(text)


# What may follow the emergency steps (after_emergency_steps).
ANSWER = "answer"  # the education answer the model found for the text
SEARCH = "search"  # the directory search the text asks for (it adds the past-overdose line itself)
AFTER_OVERDOSE = "after_overdose"  # the gentle line about naloxone after a past overdose


def after_emergency_steps(text: str, answer_found: bool, search_asked: bool) -> tuple[str, ...]:
    """What the hotline says after the emergency steps, which always go first, when the model read
    `text` as an emergency. An overdose in progress gets the steps alone, the quickest to read and
    act on. A text that names an overdose and shows none in progress (a story of a past one, a
    question about the law) gets its answer, its search, or at least the line for after an
    overdose. A text that names no overdose at all gets the search it asks for ("she needs
    methadone near 98104", told at length), and nothing else: it may be an emergency in words this
    module does not know, where an education answer would be beside the point."""
    if mentions_overdose_in_progress(text):
        return ()
    # No overdose named at all: mentions_past_overdose's question, without looking again for one
    # in progress.
    if not _OVERDOSE_WORD.search(text or ""):
        return (SEARCH,) if search_asked else ()
    after = [ANSWER] if answer_found else []
    if search_asked:
        after.append(SEARCH)
    elif not answer_found:
        after.append(AFTER_OVERDOSE)
    return tuple(after)


def is_emergency_reply(reply: str) -> bool:
    """Whether a reply is the emergency steps (utter_emergency, or this module's safety net), in
    either language."""
    return reply.strip() in EMERGENCY_REPLIES.values()


def emergency_first(text: str, replies: list[str], language: str | None = None) -> list[str]:
    """The replies to `text`, with the emergency steps first when it suggests an overdose in
    progress: moved to the front if the assistant gave them later, added if it did not (the model
    may have missed it, or not been reached at all). A reply that only says "call 911" (the
    fallback menu's last line) is not the steps."""
    if not mentions_overdose_in_progress(text):
        return replies
    given = [reply for reply in replies if is_emergency_reply(reply)]
    first = given[0] if given else emergency_reply(language)
    return [first, *(reply for reply in replies if not is_emergency_reply(reply))]
