"""Search results in the shape of an SMS: short lines, plain text, no links; English or Spanish."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.directory.taxonomy import service_label
from bot.language import phrase

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.directory.search import SearchResult, ServiceMatch

SMS_LINE_LIMIT = 160
_MIN_NAME = 20

# What the search layer says (hours, flags) in the texter's language; English is the source.
_WORDS = {"es": {
    "call for hours": "llamar para el horario",
    "closed today": "cerrado hoy",
    "open 24 hours": "abierto 24 horas",
    "free": "gratis",
    "no ID": "sin ID",
    "walk-in": "sin cita",
    "Spanish": "español",
    "call ahead": "llama antes",
    "reported closed today": "reportado cerrado hoy",
}}
_PHRASES = {
    "en": {
        "today": "today {hours}",
        "open now": " (open now)",
        "all": "That's all the {label} I know of within {radius:g} miles of {place}. Reply with another ZIP code or ask for a different service.",
        "none": "I couldn't find {label} within {radius:g} miles of {place}. Reply with another ZIP code, or ask for a different service.",
        "widened": "Nothing within {requested:g} miles of {place}. Closest {label}, up to {radius:g} miles:",
        "near": "{label} near {place}",
        "more near": "More {label} near {place}",
        "open first": ", open now first:",
        "none open": "None is open right now; these are the nearest.",
        "reply more": "Reply MORE for more.",
        "place": "{name}: {where}. {hours}.",
        "phone": "Phone {phone}.",
        "no address": "no street address listed",
    },
    "es": {
        "today": "hoy {hours}",
        "open now": " (abierto ahora)",
        "all": "Esos son todos los lugares de {label} que conozco a menos de {radius:g} millas de {place}. Responde con otro código postal o pide otro servicio.",
        "none": "No encontré {label} a menos de {radius:g} millas de {place}. Responde con otro código postal o pide otro servicio.",
        "widened": "No hay nada a menos de {requested:g} millas de {place}. Lo más cercano de {label}, hasta {radius:g} millas:",
        "near": "{label} cerca de {place}",
        "more near": "Más {label} cerca de {place}",
        "open first": ", primero lo abierto ahora:",
        "none open": "Ninguno está abierto ahora; estos son los más cercanos.",
        "reply more": "Responde MÁS para ver más.",
        "place": "{name}: {where}. {hours}.",
        "phone": "Teléfono {phone}.",
        "no address": "sin dirección en la lista",
    },
}


def _say(language: str, key: str, **values) -> str:
    return phrase(_PHRASES, language, key, **values)


def _word(language: str, word: str) -> str:
    return _WORDS.get(language, {}).get(word, word)


def _shorten(name: str, room: int) -> str:
    return name if len(name) <= room else name[: max(1, room - 1)].rstrip() + "…"


def _hours(match: ServiceMatch, language: str) -> str:
    if match.hours_today in ("call for hours", "closed today", "open 24 hours"):
        return _word(language, match.hours_today)
    return _say(language, "today", hours=match.hours_today) + (_say(language, "open now") if match.open_now else "")


def _warnings(match: ServiceMatch, language: str) -> list[str]:
    """'reported closed today', 'call ahead': what the directory may have wrong about the place."""
    return [_word(language, w) for w, on in (("reported closed today", match.reported_closed),
                                             ("call ahead", match.call_ahead)) if on]


def format_place(match: ServiceMatch, language: str = "en") -> str:
    """One place asked for by name: 'Name: 123 Main St, Seattle. Today 9am-5pm (open now). Phone
    (206) 555-0101.'"""
    where = ", ".join(part for part in (match.street, match.city) if part) or _say(language, "no address")
    hours = ", ".join([_hours(match, language), *_warnings(match, language)])
    text = _say(language, "place", name=match.name, where=where, hours=hours[0].upper() + hours[1:])
    return text + (" " + _say(language, "phone", phone=match.phone) if match.phone else "")


def format_match(number: int, match: ServiceMatch, language: str = "en") -> str:
    """'1) Name, 123 Main St, Seattle - 0.4 mi - today 9am-5pm - (206) 555-0101 - free, walk-in'
    (with 'reported closed today' and 'call ahead' after the hours when they apply).

    To fit one SMS segment the name is shortened first (down to 20 characters), then the
    low-barrier flags are dropped from the end; hours and phone always stay."""
    where = ", ".join(part for part in (match.street, match.city) if part)
    hours = _hours(match, language)
    # What the directory may have wrong stays with the hours, never dropped to fit.
    tail = [f"{match.distance_miles:g} mi", hours] + _warnings(match, language) + ([match.phone] if match.phone else [])
    prefix = f"{number}) "
    flags = [_word(language, flag) for flag in match.flags]
    while True:
        rest = (f", {where}" if where else "") + " - " + " - ".join(tail + ([", ".join(flags)] if flags else []))
        room = SMS_LINE_LIMIT - len(prefix) - len(rest)
        if room >= min(_MIN_NAME, len(match.name)) or not flags:
            return prefix + _shorten(match.name, max(room, 12)) + rest
        flags.pop()


def format_results(result: SearchResult, place_label: str, language: str = "en") -> str:
    label = service_label(result.service_type, language)
    if not result.matches:
        key = "all" if result.offset else "none"
        return _say(language, key, label=label, radius=result.radius_miles, place=place_label)
    if result.widened and not result.offset:
        header = _say(language, "widened", requested=result.requested_radius_miles, label=label,
                      radius=result.radius_miles, place=place_label)
    else:
        header = _say(language, "more near" if result.offset else "near", label=label, place=place_label)
        header = header[0].upper() + header[1:]
        header += _say(language, "open first") if result.open_first else ":"
    lines = [header]
    if result.open_first and not result.offset and not any(m.open_now for m in result.matches):
        lines.append(_say(language, "none open"))
    lines += [format_match(result.offset + i, match, language) for i, match in enumerate(result.matches, start=1)]
    if result.has_more:
        lines.append(_say(language, "reply more"))
    return "\n".join(lines)
