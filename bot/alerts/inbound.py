"""The texts about alerts the hotline answers itself, before the assistant: ALERTS 98104 (or
ALERTAS, or a city or neighbourhood the directory knows), ALERTS OFF, and REPORT followed by what
someone saw. STOP also ends a subscription (and is then answered as always). bot/handoff/inbound.py
makes the one call here, `answer`."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.alerts import reports, subscriptions
from bot.alerts.drafts import send_command
from bot.alerts.signals import SignalKind, area_of, record_signal
from bot.alerts.texts import report_thanks, say
from bot.config import get_settings
from bot.db.models import Specialist
from bot.directory.feedback import named_place_report
from bot.directory.places import find_place
from bot.language import detect_language
from bot.notify.optout import keyword
from bot.safety import emergency_first

_ALERTS = re.compile(r"^\s*(alerts|alertas)(?:\b|$)[\s:,.!¡-]*(.*?)[\s.!]*$", re.I | re.S)
_OFF = {"off", "stop", "no", "cancel", "end", "quit", "alto", "baja", "cancelar", "parar", "apagar"}
# A specialist's text is words for the person they talk with ("Report back when you're there"),
# so REPORT is a keyword only for everyone else.
_REPORT = re.compile(r"^\s*(report|reporte|reportar|reporto)(?:\b|$)[\s:,.!¡-]*(.*)$", re.I | re.S)
_SPANISH_WORDS = {"alertas", "reporte", "reportar", "reporto"}
_PLACE_SHOWN = 40


def answer(session: Session, number: str | None, number_key: str, text: str, from_specialist: bool,
           specialist: Specialist | None = None) -> list[str] | None:
    """The replies when the text is about alerts (it is then handled here), else None. `specialist`:
    the roster member who sent it, whose SEND A-n may send a drafted alert (bot/alerts/drafts.py)."""
    sent = send_command(session, specialist, text)
    if sent is not None:
        return [sent]
    said = keyword(text)
    if said is not None and said.word == "stop":
        subscriptions.unsubscribe(session, number_key, "STOP")  # STOP stops everything; the caller answers it
        return None
    alerts = _ALERTS.match(text or "")
    if alerts:
        language = "es" if alerts.group(1).lower() in _SPANISH_WORDS else "en"
        return [_alerts(session, number, number_key, alerts.group(2).strip(), language)]
    report = None if from_specialist else _REPORT.match(text or "")
    if report:
        words = report.group(2).strip()
        keyword_language = "es" if report.group(1).lower() in _SPANISH_WORDS else "en"
        language = detect_language(words, previous=keyword_language)
        if not words:
            return [say(language, "report_how")]
        region = get_settings().default_region
        listing = named_place_report(session, number_key, words, language, region)
        if listing is not None:  # "REPORT Cedar Street Clinic is closed": the directory's, not a bad batch
            return listing
        reports.record(session, words, language, region)
        record_signal(session, number_key, SignalKind.BAD_BATCH, area_of(session, number_key, words))
        # An overdose happening now: the 911 steps first (the SMS channel has sent them already).
        return emergency_first(text, [report_thanks(language)], language)
    return None


def _alerts(session: Session, number: str | None, number_key: str, rest: str, language: str) -> str:
    if rest and rest.split()[0].lower().strip(".,!") in _OFF:  # "ALERTS OFF", "alertas no gracias"
        ended = subscriptions.unsubscribe(session, number_key)
        return say(language, "unsubscribed" if ended else "not_subscribed")
    if not rest:
        return say(language, "how")
    if number is None:
        return say(language, "no_number")
    found = find_place(session, rest)
    if found.unknown_zip:
        return say(language, "unknown_zip", zip=found.unknown_zip)
    if found.place is None:
        shown = rest if len(rest) <= _PLACE_SHOWN else rest[:_PLACE_SHOWN - 1] + "…"
        return say(language, "unknown_place", place=shown)
    done = subscriptions.subscribe(session, number_key, number, found.place, language)
    if done.already:
        return say(language, "already", area=done.area)
    if done.before:
        return say(language, "moved", area=done.area, before=done.before)
    return say(language, "subscribed", area=done.area)
