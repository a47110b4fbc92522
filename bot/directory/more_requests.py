"""A reply that only asks for more of the list just sent ("MORE", "any others", "keep going",
"otro", "más opciones porfa"), read by the words it is made of. Used after a list, before the
assistant's model reads the text (bot/channels/replies_in_context.py): a short reply is what the
model knows least, and what the list's "Reply MORE for more." invites. Anything longer, or with a
word of its own ("more near 98122", "no more", "any closer ones"), is left to the model."""
from __future__ import annotations

import re
import unicodedata

# One of these says "more": alone, or with the words below.
_MORE_WORDS = {
    "more", "mas", "moar", "others", "other", "another", "else", "next", "additional", "continue", "cont",
    "otro", "otros", "otra", "otras", "siguiente", "siguientes", "sigue", "siga", "adicionales", "demas",
}
_MORE_PHRASES = ("keep going", "go on", "carry on", "one more", "una mas", "uno mas")
# Words a request for more may carry beside it.
_FILLER = {
    "please", "pls", "plz", "porfa", "porfavor", "por", "favor", "thanks", "thank", "you", "thx", "ty",
    "gracias", "ok", "okay", "k", "yes", "yeah", "si", "sure", "and", "y", "so", "um", "uh", "hmm",
    "any", "anything", "some", "the", "a", "an", "of", "them", "ones", "one", "what", "whats", "is",
    "are", "there", "theres", "got", "have", "do", "u", "ya", "can", "could", "i", "me", "see",
    "show", "send", "give", "list", "get", "options", "option", "places", "place", "spots", "results",
    "choices", "locations", "page", "hay", "algo", "algun", "alguno", "alguna", "dame", "dime", "manda",
    "mandame", "muestrame", "ensename", "quiero", "ver", "opcion", "opciones", "lugar", "lugares", "sitio",
    "sitios", "resultado", "resultados", "tienes", "tienen", "hi", "hey", "then", "pues", "entonces", "lo",
    "los", "las", "el", "la", "que", "de", "en", "going", "on",
}
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _plain(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    return text.replace("'", "").replace("’", "")


def asks_only_for_more(text: str) -> bool:
    """Whether every word of `text` asks for more of the list, or comes with such a word, and at
    least one does. Punctuation and emoji count for nothing; a stretched word ("moreee") is the word."""
    line = " ".join(re.sub(r"(.)\1{2,}", r"\1", word) for word in _TOKEN.findall(_plain(text or "")))
    for phrase in _MORE_PHRASES:
        line = re.sub(rf"\b{phrase}\b", "more", line)
    words = line.split()
    return any(w in _MORE_WORDS for w in words) and all(w in _MORE_WORDS or w in _FILLER for w in words)
