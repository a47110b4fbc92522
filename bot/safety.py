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
    r"not breathing|(?:isn'?t|is not|stopped|stop|barely) breath\w*|can'?t breathe|"
    r"turning (?:blue|gray|grey|purple)|(?:lips|face|skin) (?:are |is )?(?:turning )?(?:blue|gray|grey)|"
    r"won'?t wake(?: up)?|will not wake|can'?t wake|cannot wake|unresponsive|passed out|not responding|"
    r"o\.?d'?(?:ing|in|-ing)|o\.?d'?d|is (?:od|o\.d\.)|overdosing|overdosed|having an overdose|"
    r"overdose (?:happening|right now|now)|sobredosis|no respira\w*|no despierta|(?:se )?(?:est[aá] )?poniendo azul"
    r")\b",
    re.IGNORECASE,
)
# Past or general mentions ("post OD", "overdose kit", "risk of overdose", "OD'd last week") are
# not an overdose in progress; they are removed before looking.
_NOT_IN_PROGRESS = re.compile(
    r"\b(?:post[- ]?(?:od|overdose)|after (?:an? |the |his |her )?(?:od|overdose)|non[- ]?fatal (?:od|overdose)|"
    r"(?:risk|prevention|kit|kits|reversal|awareness|training) (?:of |for )?(?:an? )?(?:od|overdose)s?|"
    r"(?:od|overdose) (?:risk|prevention|kits?|reversal|awareness|training)|for overdoses?|"
    r"(?:od'?d|overdosed) (?:last|yesterday|earlier|before|a (?:while|week|month))\w*)\b",
    re.IGNORECASE,
)


def mentions_overdose_in_progress(text: str) -> bool:
    return bool(_EMERGENCY.search(_NOT_IN_PROGRESS.sub(" ", text or "")))


def needs_emergency_reply(text: str, replies: list[str]) -> bool:
    """True when `text` suggests an overdose and no reply already tells the texter to call 911."""
    return mentions_overdose_in_progress(text) and not any("911" in reply for reply in replies)
