"""Low-barrier flags, read from what the directory says: free, no ID, walk-in, Spanish spoken."""
from __future__ import annotations

import re
from collections.abc import Iterable

_FREE = re.compile(r"^\s*free\b|\bfree of charge\b|\bno (?:cost|charge|fees?)\b|\bat no cost\b|\bgratis\b", re.I)
_NOT_FREE = re.compile(r"\bnot free\b", re.I)
_NO_ID = re.compile(r"\bno (?:photo )?id\b|\bno identification\b|\bid (?:is )?not (?:needed|required)\b|\bwithout (?:an )?id\b|\bsin identificaci[oó]n\b", re.I)
_WALK_IN = re.compile(r"\bwalk[- ]?ins?\b|\bno appointments?\b|\bsin cita\b", re.I)
_SPANISH = re.compile(r"\bspanish\b|\bespa[nñ]ol\b", re.I)


def low_barrier_flags(
    texts: Iterable[str | None],
    cost_options: Iterable[tuple[float | None, str | None]] = (),
    languages: Iterable[tuple[str | None, str | None]] = (),
) -> list[str]:
    """Flags for a service from its fees, eligibility and application text, its cost options
    (amount, option) and its languages (code, name). Only what the data says: no flag is guessed."""
    text = " ".join(t for t in texts if t)
    flags = []
    free_option = any((amount == 0) or (option and _FREE.search(option)) for amount, option in cost_options)
    if (free_option or _FREE.search(text)) and not _NOT_FREE.search(text):
        flags.append("free")
    if _NO_ID.search(text):
        flags.append("no ID")
    if _WALK_IN.search(text):
        flags.append("walk-in")
    if any((code or "").lower().startswith("es") or _SPANISH.search(name or "") for code, name in languages):
        flags.append("Spanish")
    return flags
