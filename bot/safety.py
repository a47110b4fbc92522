"""Emergency first (DESIGN.md, principle 1): recognising an overdose in progress and what to say.

The NLU answers emergencies through a rule; this keyword net is the guarantee underneath it, used
by the channels so that the 911 text goes out even when the model is unsure or unreachable.
"""
from __future__ import annotations

import re

EMERGENCY_REPLY = (
    "If someone may be overdosing, call 911 now. Give naloxone (Narcan) if you have it: "
    "lay them on their back, spray once into one nostril, and give a second dose after "
    "2-3 minutes if they don't respond. Give rescue breaths: tilt the head back, pinch the "
    "nose, 1 breath every 5 seconds. If they are breathing, roll them on their side "
    "(recovery position). Stay with them. Good Samaritan laws in most states, Washington "
    "included, protect you and them from drug possession charges when you call 911 for an overdose."
)

_EMERGENCY = re.compile(
    r"\b("
    r"not breathing|(?:isn'?t|is not|stopped|stop|no(?:t)?) breath\w*|can'?t breathe|"
    r"turning (?:blue|gray|grey|purple)|(?:lips|face|skin) (?:are |is )?(?:blue|gray|grey)|"
    r"won'?t wake(?: up)?|will not wake|can'?t wake|cannot wake|unresponsive|passed out|"
    r"o\.?d'?(?:ing|ed|in)?\b|overdos\w*|sobredosis|no respira\w*|no despierta|"
    r"(?:se )?(?:est[aá] )?poniendo azul|snoring and won'?t"
    r")",
    re.IGNORECASE,
)


def mentions_overdose_in_progress(text: str) -> bool:
    return bool(_EMERGENCY.search(text or ""))


def needs_emergency_reply(text: str, replies: list[str]) -> bool:
    """True when `text` suggests an overdose and no reply already tells the texter to call 911."""
    return mentions_overdose_in_progress(text) and not any("911" in reply for reply in replies)
