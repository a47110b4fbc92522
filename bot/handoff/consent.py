"""The consent a handoff rests on (DESIGN.md, principle 2), in one place for both ways a handoff
starts: reading a yes (`read_consent`, for every question whose yes opens something), and the
record of it: the person's own yes, kept word for word with the question it answered, and a
referrer's report of the person's consent. The record is kept in English (it is a record, not a
message) until the retention purge replaces it (bot/retention.py)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bot.words import Word

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.db.models import Officer

# Why a referrer referred, as the tally and the consent record name it.
REASONS = {
    "non_fatal_overdose": "after a non-fatal overdose",
    "overdose_risk": "at risk of overdose",
    "risky_use": "risky use or disease risk",
    "other": "other",
}


def person_consent(asked: str, answer: str, keypad: str | None = None) -> str:
    """What was asked and what the person answered, word for word (a key pressed on a call
    is named as such: "pressed 1 (yes)")."""
    if keypad:
        answer = f"pressed {keypad} ({answer})"
    return f'Asked: "{asked}" Answered: "{answer}"'


def officer_consent(officer: Officer, reason: str | None) -> str:
    """A referrer reported the person's consent to be contacted."""
    return f"Officer of {officer.agency} reported the person's consent to be contacted ({REASONS.get(reason or 'other')})."


# --- reading consent ----------------------------------------------------------------------------
#
# One reader for every question whose yes opens something: an officer's referral, the person's
# "Is it OK for them to text you?", "May we check in...?". A negation is never a yes, and what the
# reader cannot place is unclear, to be asked again (DESIGN.md, principle 9).


class Consent(Word):
    """What a text says about consent."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"  # not said, or said in a way the reader cannot place: ask again


class _Kind(Enum):
    """What a word (or a phrase's words) is to the reader."""

    CONSENT = "consent"  # a yes in any text: "consented", "ok to contact", "aceptó"
    YES = "yes"  # a yes only as the answer to the line's question: "yes", "sure", "dale"
    IDIOM = "idiom"  # the same, in words that would otherwise negate: "no problem", "why not"
    DECLINE = "decline"  # a no only as the answer to the line's question: "i'm good", "pass", "estoy bien"
    REFUSAL = "refusal"  # "refused", "declined", "doesn't want", "no quiso"
    UNSURE = "unsure"  # "pending", "maybe", "not yet", "todavía no"
    NEGATION = "negation"  # "not", "never", "n't", "nah", "no"


class ReadAs(Enum):
    """How a text came: it decides whether a bare "yes" is consent."""

    FREE_TEXT = "free_text"  # an officer's referral in their own words: only consent words count
    DIRECT_ANSWER = "direct_answer"  # the reply to the line's own YES/NO question


# An answer the reader cannot place gets the question again, so that it is asked this many times
# in all; then nothing opens, and nobody is contacted.
ASKED_AT_MOST = 2

# A negation this close to a consent word (in words, either side), or in the same clause, is never a yes.
NEAR = 4

# Clauses end at punctuation and at "but": "consented, no phone" is two clauses.
_CLAUSE_END = re.compile(r"[.;!?,()\[\]|\n]+|\s[-–—]+\s|\b(?:but|pero|though|tho|although|aunque)\b")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[👍👎]")

# Phrases first (on accent-, apostrophe- and case-free words), then single words. Each phrase is
# one kind of word where it stands, whatever its parts are alone: "no problem" negates nothing.
_YES_IDIOMS = [  # a yes only as the answer to the line's question; elsewhere they negate nothing
    "no problem", "no prob", "no probs", "not a problem", "no worries", "why not", "no doubt", "of course",
    "go ahead", "sounds good", "that works", "sin problema", "no hay problema", "como no", "claro que si",
    "por supuesto", "esta bien", "por favor", "sure thing", "do it", "please do", "uh huh", "mm hmm",
    "go for it", "go on", "for sure", "fine by me", "(?:ok|okay|fine|good|cool|alright) with me",
    "(?:im|i am|were|we are) (?:good|fine|ok|okay|alright|cool) with (?:it|that|this)", "(?:works|good) for me",
    "(?:that would|thatd|that will|thatll|it would|itd|it will|itll) be (?:great|good|nice|helpful|perfect|awesome)",
    "(?:id|i would) (?:like|love|appreciate) (?:that|it|this)", "okey dokey", "okie dokie", "de una",
    "(?:you|they|someone|somebody|he|she) (?:can|could|may) (?:text|message|contact|reach) me",
    "(?:text|message) me", "(?:texting|text|texts) (?:is|are) (?:fine|ok|okay|good)",
    "(?:me )?pueden (?:escribir|mandar)", "como no", "si se puede",
]
# Declining an offer politely: "i'm good", "we're fine", "estoy bien así". Not before "with",
# "to" or "if": "i'm ok with that" is a yes, "i'm good to talk" is not a no.
_DECLINE_IDIOMS = [
    r"(?:im|i am|were|we are) (?:good|fine|ok|okay|alright|straight|set|cool)(?! (?:with|to|if|for))",
    "(?:asi )?(?:estoy|estamos) bien(?: asi)?", r"(?:ill|i will|i|hard|gonna|imma|ima) pass", "paso",
    "ni madres", "ni loc[oa]", "ni de broma", "ni de chiste", "no me (?:escriban|escribas|mandes|manden)",
]
_UNSURE_PHRASES = [
    "not sure", "no sure", "not certain", "dont know", "do not know", "doesnt know", "not decided",
    "think about it", "thinking about it", "let me think", "ask again", "ask later", "get back to",
    "no se si", "no se que", "no sabe", "no esta segur[oa]", "no estoy segur[oa]", "tal vez", "a lo mejor",
    "lo va a pensar", "lo esta pensando", "todavia no", "aun no", "not yet",
]
_REFUSAL_PHRASES = [
    "said no", "says no", "saying no", "told me no", "dijo que no", "dijo no", "dice que no", "se nego",
    "se niega", "forget it", "never mind", "nevermind", "no quiso", "no quiere", "no queria", "no quiero",
    "no necesito", "para nada", "dont call", "no llames",
]
_CONSENT_PHRASES = [
    r"ok(?:ay)? (?:to|with) (?:a |being )?(?:contact\w*|call\w*|text\w*|reach\w*|talk\w*|specialist)",
    r"fine with (?:a |being )?(?:contact\w*|call\w*|text\w*)",
    r"(?:said|says|saying) (?:yes|yeah|yep|ok|okay|sure|si)", r"yes to",
    r"(?:wants?|wanted|would like|open to|willing to) (?:some |a |to )?"
    r"(?:help|contact\w*|call\w*|text\w*|talk\w*|be contacted|someone|services|specialist|outreach)",
    r"dio (?:su )?permiso", r"(?:dijo|dice) (?:que )?si", r"de acuerdo",
    r"quiere (?:ayuda|hablar|que (?:la|lo|le) (?:llamen|contacten|escriban))",
]

# Single words, as written after accents, apostrophes and case are taken off.
_CONSENT_WORDS = {
    "consent", "consents", "consented", "consenting", "agree", "agrees", "agreed", "agreeing", "okd", "okayed",
    "permission", "interested", "willing", "consintio", "consiente", "consentimiento", "permiso", "acepto",
    "acepta", "aceptado", "aceptada", "aceptar", "autorizo", "autoriza",
}
_YES_WORDS = {  # as the answer to the line's question
    "yes", "yeah", "yea", "ya", "yah", "yep", "yup", "sure", "ok", "okay", "okey", "okie", "k", "kk", "alright",
    "fine", "absolutely", "definitely", "certainly", "please", "si", "claro", "dale", "va", "sale", "orale",
    "simon", "vale", "bueno", "sip", "correct", "y", "andale", "okas", "mhm", "mhmm", "👍",
    "bet", "ofc", "yessir", "yass", "cool", "perfect", "awesome", "great", "totally", "obviously", "obvs",
    "adelante", "perfecto", "genial", "obvio", "chido", "dokey", "dokie",
}
_DECLINE_WORDS = {"pass"}  # as the answer to the line's question
_REFUSAL_WORDS = {
    "refuse", "refuses", "refused", "refusing", "refusal", "decline", "declines", "declined", "declining",
    "rechazo", "rechaza", "rechazado", "rechazada", "nego", "niega", "👎",
}
_UNSURE_WORDS = {
    "pending", "unsure", "maybe", "perhaps", "possibly", "probably", "prob", "might", "yet", "undecided",
    "decide", "decided", "deciding", "decision", "thinking", "considering", "unclear", "unknown", "tbd", "idk",
    "dunno", "unconfirmed", "if", "whether", "unless",
    # hedges: a yes the officer only guesses at
    "prolly", "probly", "likely", "guess", "think", "thinks", "believe", "believes", "seems", "apparently",
    "supposedly", "creo", "parece", "todavia", "aun", "quizas", "quiza", "talvez", "pendiente", "pensar", "pensando",
    "decidir", "decidido",
}
_NEGATORS = {
    "no", "not", "never", "nunca", "jamas", "ni", "tampoco", "nah", "naw", "nope", "nop", "nel", "n", "na", "nuh",
    "nvr", "nevr", "neva",
    "without", "sin", "none", "nada", "nobody", "nadie",
    # "n't" without its apostrophe, as texters write it
    "dont", "doesnt", "didnt", "wont", "wouldnt", "cant", "couldnt", "shouldnt", "isnt", "wasnt", "werent",
    "arent", "hasnt", "havent", "hadnt", "aint", "mustnt", "neednt",
}
# What a refusal or a "no" is about when it is about being contacted: "refused help", not "refused transport".
_ABOUT_CONTACT = _CONSENT_WORDS | {
    "contact", "contacted", "call", "calls", "text", "texts", "help", "services", "referral", "outreach",
    "specialist", "ayuda", "contacto", "llamada", "llamadas", "hablar", "talk", "talking", "one", "want",
    "wants", "quiere", "quiso",
}
# "no phone" says what the person lacks, not that they refused.
_LACKS = {
    "phone", "cell", "cellphone", "cel", "celular", "telefono", "number", "numero", "id", "address",
    "direccion", "car", "ride", "home", "house", "casa", "insurance", "money", "dinero", "fixed", "kit",
}
_WANT = {"want", "wants", "wanted", "quiere", "quiso"}
# "doesn't have a phone", "no tiene celular": what they lack too.
_HAVE = {"have", "has", "got", "tiene", "tienen", "tenia", "cuenta"}
# Skipped when looking for what a negation or refusal is about.
_FUNCTION_WORDS = {
    "to", "a", "an", "the", "any", "all", "further", "it", "that", "this", "them", "us", "me", "him", "her",
    "la", "el", "los", "las", "su", "sus", "de", "que", "le", "lo", "les", "nos", "more", "way",
    "really", "thanks", "thank", "you", "gracias", "now", "ahora", "mejor", "so", "at", "i", "he", "she",
    "they", "did", "do", "does", "was", "is", "will", "would", "ever",
}
# Words an answer to the line's question may hold beside the answer itself ("yes please text me").
_ANSWER_WORDS = _FUNCTION_WORDS | {
    "please", "pls", "plz", "porfa", "porfavor", "thx", "ty", "thank", "im", "good", "great", "cool", "lol",
    "haha", "text", "texting", "can", "could", "be", "with", "that", "thats", "its", "his", "their",
    "number", "phone", "cell", "fine", "totally", "just", "hi", "hello", "hey", "hola", "y", "and", "muy",
    "pueden", "puede", "escribir", "escribirme", "escribeme", "escriban", "escribanme", "esta", "bien",
    "perfect", "perfecto", "right", "sounds", "love", "like", "want", "ok", "mind", "for", "sure", "oh",
    "mm", "mmm", "hmm", "um", "uh", "ah", "well", "okay", "of", "course", "interested",
    "ahorita", "thing", "then", "pues", "sir", "maam", "man", "bro", "dude", "go", "texts", "message",
    "messages", "bye", "goodbye", "adios", "cya", "need", "it",
    # by voice: "yes, connect me"
    "connect", "conectame", "comunicame", "comuniqueme",
}
# Real words one letter from a consent word: never read as a misspelt consent (nor is any word
# of _ANSWER_WORDS read as a misspelling: "thanks" is not "thinks").
_NOT_MISSPELT = {"content", "contents", "contest", "consist", "convent"}
_LONGEST_WORD = 24  # longer is not a word ("yyyy…" is not a yes)

_STRETCH_TO_ONE = re.compile(r"(.)\1+")
_STRETCH_TO_TWO = re.compile(r"(.)\1{2,}")


def _plain(word: str) -> str:
    """No accents, no apostrophes: "aceptó" -> "acepto", "don't" -> "dont"."""
    word = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return word.replace("'", "")


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _kind_of(word: str, apostrophe_nt: bool) -> _Kind | None:
    """The kind of a single word, read as written, stretched ("nooo", "yesss") or misspelt by a
    letter (words of five letters or more; a word close to both a negation and a consent word is
    a negation)."""
    if apostrophe_nt:
        return _Kind.NEGATION
    if len(word) > _LONGEST_WORD:
        return None
    variants = [word, _STRETCH_TO_TWO.sub(r"\1\1", word), _STRETCH_TO_ONE.sub(r"\1", word)]
    kinds = ((_Kind.NEGATION, _NEGATORS), (_Kind.REFUSAL, _REFUSAL_WORDS), (_Kind.UNSURE, _UNSURE_WORDS),
             (_Kind.CONSENT, _CONSENT_WORDS), (_Kind.YES, _YES_WORDS), (_Kind.DECLINE, _DECLINE_WORDS))
    for variant in variants:
        for kind, words in kinds:
            if variant in words:
                return kind
    if len(word) >= 5 and word not in _NOT_MISSPELT and word not in _ANSWER_WORDS:
        for kind, words in kinds:
            # The same first letter (three for a yes: "filling" is not "willing") and one edit.
            same = 3 if kind in (_Kind.CONSENT, _Kind.YES) else 1
            if any(len(known) >= 5 and known[:same] == word[:same] and _one_edit_apart(word, known) for known in words):
                return kind
    return None


@dataclass
class _Word:
    text: str  # accent-, apostrophe- and case-free
    written: str  # as written, in lower case ("sí" is yes, "si" may be "if")
    clause: int
    at: int  # position in the whole text, in words
    kind: _Kind | None = None  # None for any other word
    in_phrase: bool = False


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    raw = unicodedata.normalize("NFC", text.lower()).replace("’", "'").replace("‘", "'").replace("`", "'")
    raw = re.sub(r"\bw/o(?:ut)?\b", " without ", raw)
    for clause, part in enumerate(_CLAUSE_END.split(raw)):
        for token in _TOKEN.findall(part or ""):
            plain = _plain(token)
            if plain.isdigit():
                continue  # numbers (a phone number) are not words
            words.append(_Word(plain, token, clause, len(words), _kind_of(plain, token.endswith("n't"))))
    return words


def _mark_phrases(words: list[_Word]) -> None:
    """Give each phrase's words the phrase's kind; phrases found earlier in this list win."""
    for kind, phrases in ((_Kind.IDIOM, _YES_IDIOMS), (_Kind.DECLINE, _DECLINE_IDIOMS), (_Kind.UNSURE, _UNSURE_PHRASES),
                          (_Kind.REFUSAL, _REFUSAL_PHRASES), (_Kind.CONSENT, _CONSENT_PHRASES)):
        for clause in sorted({w.clause for w in words}):
            in_clause = [w for w in words if w.clause == clause]
            line = " ".join(w.text for w in in_clause)
            starts = [0]
            for w in in_clause[:-1]:
                starts.append(starts[-1] + len(w.text) + 1)
            for phrase in phrases:
                for match in re.finditer(rf"\b(?:{phrase})\b", line):
                    span = [w for w, start in zip(in_clause, starts) if match.start() <= start < match.end()]
                    if any(w.in_phrase for w in span):
                        continue
                    for w in span:
                        w.kind, w.in_phrase = kind, True
    # A negation and "want" is a refusal: "doesn't want", "no quiere".
    for before, after in zip(words, words[1:]):
        if before.kind is _Kind.NEGATION and before.clause == after.clause and after.text in _WANT:
            before.kind = after.kind = _Kind.REFUSAL


def _about(words: list[_Word], word: _Word) -> _Word | None:
    """The first word after `word` in its clause that is not a function word: what it is about."""
    for other in words[word.at + 1:]:
        if other.clause != word.clause:
            return None
        if other.text not in _FUNCTION_WORDS:
            return other
    return None


def _is_negation(words: list[_Word], word: _Word) -> bool:
    if word.kind is not _Kind.NEGATION:
        return False
    about = _about(words, word)
    if about is not None and (about.text in _HAVE or (word.text in {"no", "without", "sin", "none"} and about.text in _LACKS)):
        return False  # "no phone", "doesn't have a phone": what they lack
    if word.text == "n":
        return about is None  # "consent: n", never "n needs narcan"
    return True


def _about_contact(words: list[_Word], word: _Word) -> bool:
    """A negation or refusal with nothing after it, or about being contacted ("refused help")."""
    about = _about(words, word)
    return about is None or about.kind in (_Kind.CONSENT, _Kind.YES, _Kind.REFUSAL) or about.text in _ABOUT_CONTACT


def _near(a: _Word, b: _Word) -> bool:
    return a.clause == b.clause or abs(a.at - b.at) <= NEAR


def _reading_of(words: list[_Word], said: _Word) -> Consent:
    """What one consent word (or, answering the question, one yes) says, with what is near it."""
    near = [w for w in words if w is not said and _near(w, said) and w.kind != said.kind]
    if any(w.kind is _Kind.REFUSAL and _about_contact(words, w) for w in near):
        return Consent.NO
    if any(w.kind is _Kind.UNSURE for w in near):
        return Consent.UNCLEAR
    negations = [w for w in near if _is_negation(words, w)]
    if any(w.clause == said.clause or _about_contact(words, w) for w in negations):
        return Consent.NO
    if negations or any(w.kind is _Kind.REFUSAL for w in near):
        return Consent.UNCLEAR  # a negation near it about something else: cannot place it
    return Consent.YES


def _wholly_an_answer(words: list[_Word]) -> bool:
    """Every word is a yes, a no, a doubt, or one of the words an answer carries beside it."""
    return all(w.kind is not None or w.text in _ANSWER_WORDS for w in words)


def read_consent(text: str, mode: ReadAs = ReadAs.FREE_TEXT) -> Consent:
    """Yes, no or unclear. In free text only consent words say yes ("consented", "she agreed",
    "ok to contact", "aceptó", "dio permiso"); answering the line's own question, plain
    affirmatives and fixed idioms do too ("yes", "sure why not", "no problem", "sí, claro",
    "dale"). A negation in the same clause as the yes, or within NEAR words of it, is never a
    yes: "hasn't consented", "consent: no", "he said nah". Other negations do not count:
    "consented, no phone" is a yes. Pending, unsure, maybe, "not yet", "todavía no" are unclear,
    and so is any yes the reader cannot place; a text that says nothing of consent is unclear."""
    words = _words(text or "")
    _mark_phrases(words)
    answering = mode is ReadAs.DIRECT_ANSWER and _wholly_an_answer(words)
    if answering:  # the whole text is an answer: a bare yes or no is one
        for w in words:
            if w.kind in (_Kind.YES, _Kind.IDIOM):
                w.kind = _Kind.CONSENT
            elif w.kind is _Kind.DECLINE:
                w.kind = _Kind.REFUSAL
    else:  # a bare yes ("yes, post OD") is not a consent in a referral's words
        for w, after in zip(words, words[1:] + [None]):
            if (w.written == "si" and w.kind is _Kind.YES and after is not None and after.kind is _Kind.CONSENT
                    and after.clause == w.clause):
                w.kind = _Kind.UNSURE  # "si acepta": if they accept
            elif w.kind in (_Kind.YES, _Kind.IDIOM, _Kind.DECLINE):
                w.kind = None
    said = [w for w in words if w.kind is _Kind.CONSENT]
    readings = [_reading_of(words, w) for w in said]
    readings += [Consent.UNCLEAR for w in words if w.kind is _Kind.UNSURE]
    readings += [Consent.NO for w in words if w.kind is _Kind.REFUSAL and _about_contact(words, w)
                 and not any(_near(w, yes) for yes in said)]
    if answering:  # "no", "nope", "not now": a refusal as the answer
        readings += [Consent.NO for w in words if _is_negation(words, w) and not any(_near(w, yes) for yes in said)]
    if readings and all(r is Consent.YES for r in readings):
        return Consent.YES
    if readings and all(r is Consent.NO for r in readings):
        return Consent.NO
    return Consent.UNCLEAR


def direct_answer(text: str) -> Consent | None:
    """Yes or no when the whole text is a direct answer to the line's YES/NO question ("sure why
    not", "nah i'm good", "sí, claro 👍"); None when it says more than an answer does ("no, where
    can i get narcan", "no he's not breathing"), or says no more than a doubt ("not sure"), which
    the assistant reads as a whole message instead."""
    words = _words(text or "")
    _mark_phrases(words)
    if not words or not _wholly_an_answer(words):
        return None
    consent = read_consent(text, ReadAs.DIRECT_ANSWER)
    return None if consent is Consent.UNCLEAR else consent
