"""Which service type a texter means, when the model's exact lookup did not say: a typo or a
plural of a known service word ("narcn", "needels", "shelters", "methadone clinics"), or a phrase
the model extracted that no synonym maps ("get my fetty tested").

The known words are the synonyms of data/nlu/service_types.yml, the one list of how people name
each service type, so a word added there is understood here too. Short and everyday words are
never matched loosely: "done" (methadone, as people say it) only counts when the model found it
where a service is asked for, so "I'm done" stays a goodbye."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import yaml

from bot.directory.taxonomy import SERVICE_TYPES

SERVICE_WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "nlu" / "service_types.yml"

# A form this short, or one of these everyday words, is only trusted when matched exactly (by the
# model's lookup table, in a request); loosely, "done" would be "dope", "works" "words" and "dosing" "doing".
_LOOSE_MIN_LETTERS = 5
_NEVER_LOOSE = {
    "done", "works", "points", "kits", "kit", "subs", "supplies", "strips", "tiras", "tranq", "sharps",
    "materiales", "cookers", "rigs", "beds", "cama", "camas", "bed", "test", "testing", "treatment",
    "tratamiento", "shower", "ducha", "pruebas", "prueba", "peers", "dosing",
}
_SIMILARITY = 0.84
_SIMILARITY_LONG = 0.78  # from 7 letters on, two letters off is still a typo ("suboxen")
# A phrase about having drugs checked ("get my fetty tested", "test my blues"): drug checking,
# unless it names a test of the body (HIV, hep C, STIs), which is testing.
_CHECKING = re.compile(r"\b(test|tested|testing|check|checked|checking|analy[sz]e|analizar|analizan|revisar|revisan)\b")
_BODY_TEST = re.compile(r"\b(hiv|vih|hep|hepatitis|std|stds|sti|stis|its|ets)\b")
_STRIPS = re.compile(r"\b(strips?|stips?|tiras?)\b")
# "bed" and "cama" map to shelter (data/nlu/service_types.yml), and are never matched loosely.
_BED = re.compile(r"\b(bed|beds|cama|camas)\b")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text.replace("'", "")))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stem(phrase: str) -> str:
    return " ".join(_singular(word) for word in phrase.split())


_NEVER_LOOSE_STEMS = {_singular(word) for word in _NEVER_LOOSE}


@dataclass(frozen=True)
class _Form:
    words: str  # plain, singular
    code: str

    @property
    def loose(self) -> bool:
        return len(self.words.replace(" ", "")) >= _LOOSE_MIN_LETTERS and self.words not in _NEVER_LOOSE_STEMS


@lru_cache(maxsize=1)
def _forms() -> tuple[_Form, ...]:
    data = yaml.safe_load(SERVICE_WORDS_FILE.read_text(encoding="utf-8")) or {}
    forms: dict[str, str] = {}
    for block in data.get("nlu", []):
        code = block.get("synonym")
        if code not in SERVICE_TYPES:
            continue
        for line in [code.replace("-", " ")] + (block.get("examples") or "").splitlines():
            line = line.strip()
            word = _stem(_plain(line[2:] if line.startswith("- ") else line))
            if word:
                forms.setdefault(word, code)
    return tuple(_Form(words, code) for words, code in sorted(forms.items(), key=lambda item: -len(item[0])))


def _close(a: str, b: str) -> bool:
    """One or two letters off (a typo), judged only between words that start alike: cheap enough
    to try every known form against every few words of a text."""
    if a == b:
        return True
    if a[:1] != b[:1] or abs(len(a) - len(b)) > 2:
        return False
    needed = _SIMILARITY_LONG if min(len(a), len(b)) >= 7 else _SIMILARITY
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= needed and matcher.ratio() >= needed


def _windows(words: list[str], size: int):
    for start in range(0, len(words) - size + 1):
        yield " ".join(words[start : start + size])


def service_in_text(text: str) -> str | None:
    """The service type a message names through a typo or a plural of a known form, the longest
    form first; None when none is close enough. Exact forms are the model's business (lookup
    table in context); this only adds what it misses."""
    words = [_singular(word) for word in _plain(text).split()]
    if not words:
        return None
    for form in _forms():
        size = form.words.count(" ") + 1
        if size > len(words):
            continue
        if not form.loose:
            continue
        for window in _windows(words, size):
            if _close(window, form.words):
                return form.code
        if size > 1 and any(_close(word, form.words.replace(" ", "")) for word in words):
            return form.code  # written as one word: "woundcare"
    if _CHECKING.search(" ".join(words)) and not _STRIPS.search(" ".join(words)):
        phrase = " ".join(words)
        if re.search(r"\b(my|mis|la|el|las|los|his|her|their|our|some|these|the)\b", phrase) or phrase.startswith(("get ", "test ", "check ")):
            return "testing" if _BODY_TEST.search(phrase) else "drug-checking"
    return None


def service_for_phrase(phrase: str) -> str | None:
    """The service type for a phrase the model extracted as a service: itself when it is a code,
    a known form (exactly, or a typo or plural of one), or what it asks to have tested."""
    if not phrase:
        return None
    value = str(phrase).strip().lower()
    if value in SERVICE_TYPES:
        return value
    stem = _stem(_plain(value))
    for form in _forms():
        if form.words == stem:
            return form.code
    found = service_in_text(value)
    if found:
        return found
    if _CHECKING.search(stem) and not _STRIPS.search(stem):
        return "testing" if _BODY_TEST.search(stem) else "drug-checking"
    if _STRIPS.search(stem):
        return "fentanyl-test-strips"
    return None


def service_asked_for(values: list[str], text: str) -> str | None:
    """The service type a request names: of the values the model extracted, the last that is (or
    maps to) a type, else a typo or plural of a known form in the text itself. A bed is a
    shelter's unless the text names a kind of bed: "a detx bed" is detox, which is treatment."""
    code = _last_service(values)
    if code == "shelter" and _BED.search(_plain(text)):
        named = service_in_text(text)
        if named and named != "shelter":
            return named
    return code or service_in_text(text)


def _last_service(values: list[str]) -> str | None:
    for value in reversed([v for v in values if v]):
        if str(value).lower() in SERVICE_TYPES:
            return str(value).lower()
    for value in reversed([v for v in values if v]):
        code = service_for_phrase(value)
        if code:
            return code
    return None
