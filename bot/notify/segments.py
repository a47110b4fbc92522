"""How long a text message is, as carriers count it: one SMS segment holds 160 characters of the
GSM 03.38 alphabet (the characters of its extension table count twice), or 70 UTF-16 units when
any character is outside it: an emoji, or Spanish "á", "í", "ó", "ú" (GSM has "é", "ñ", "¿", "¡"
but not these)."""
from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM_SEGMENT, UCS2_SEGMENT = 160, 70


@dataclass(frozen=True)
class Length:
    """A text's length in the units of the alphabet it is sent in, and one segment's limit."""

    units: int
    limit: int
    gsm: bool

    @property
    def fits_one_sms(self) -> bool:
        return self.units <= self.limit


def sms_length(text: str) -> Length:
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        return Length(sum(2 if char in GSM_EXTENSION else 1 for char in text), GSM_SEGMENT, True)
    return Length(len(text.encode("utf-16-le")) // 2, UCS2_SEGMENT, False)


def outside_gsm(text: str) -> str:
    """The characters of `text` that make it go in the 70-character alphabet, each once, in order."""
    seen: list[str] = []
    for char in text:
        if char not in GSM_BASIC and char not in GSM_EXTENSION and char not in seen:
            seen.append(char)
    return "".join(seen)
