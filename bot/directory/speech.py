"""Search results in a form that works when heard: at most two places, each with its name,
street and today's hours, in short sentences; no phone numbers or distances to remember (the
caller is offered the list by text message instead). English or Spanish."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.directory.taxonomy import service_label
from bot.language import in_language, phrase

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.directory.search import SearchResult, ServiceMatch

SPOKEN_LIMIT = 2

_STREET_WORDS = {
    "st": "Street", "ave": "Avenue", "av": "Avenue", "blvd": "Boulevard", "rd": "Road", "dr": "Drive",
    "ln": "Lane", "pl": "Place", "ct": "Court", "hwy": "Highway", "pkwy": "Parkway", "ste": "Suite",
    "n": "North", "s": "South", "e": "East", "w": "West",
    "ne": "Northeast", "nw": "Northwest", "se": "Southeast", "sw": "Southwest",
}
_ABBREVIATION = re.compile(r"\b([A-Za-z]{1,4})\b\.?")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")

_PHRASES = {
    "en": {
        "ordinals": ["First", "Second"],
        "am": "{clock} AM",
        "pm": "{clock} PM",
        "near": "Here are the closest places for {label} near {place}.",
        "near open first": "Here are the closest places for {label} near {place}, open now first.",
        "more near": "More places for {label} near {place}.",
        "widened": "Nothing within {requested:g} miles of {place}. The closest places for {label}, up to {radius:g} miles away.",
        "none open": "None is open right now.",
        "none": "I couldn't find {label} within {radius:g} miles of {place}. You can say another ZIP code, or a different service.",
        "all": "That's all the places for {label} I know of near {place}.",
        "hours": "Open today from {hours}",
        "open now": ", and open now",
        "closed today": "Closed today",
        "open 24 hours": "Open 24 hours",
        "call for hours": "Call them for today's hours",
        "and": " and ",
        "to": " to ",
        "more": "Say more to hear more places.",
        "free": "It's free",
        "reported closed": "People reported it closed today",
        "call ahead": "Its hours may have changed, so call ahead",
    },
    "es": {
        "ordinals": ["Primero", "Segundo"],
        "am": "{clock} a. m.",
        "pm": "{clock} p. m.",
        "near": "Estos son los lugares más cercanos de {label} cerca de {place}.",
        "near open first": "Estos son los lugares más cercanos de {label} cerca de {place}, primero lo abierto ahora.",
        "more near": "Más lugares de {label} cerca de {place}.",
        "widened": "No hay nada a menos de {requested:g} millas de {place}. Lo más cercano de {label}, hasta {radius:g} millas.",
        "none open": "Ninguno está abierto ahora.",
        "none": "No encontré {label} a menos de {radius:g} millas de {place}. Puedes decir otro código postal u otro servicio.",
        "all": "Esos son todos los lugares de {label} que conozco cerca de {place}.",
        "hours": "Hoy abre de {hours}",
        "open now": ", y está abierto ahora",
        "closed today": "Hoy está cerrado",
        "open 24 hours": "Abre las 24 horas",
        "call for hours": "Llama para saber el horario de hoy",
        "and": " y de ",
        "to": " a ",
        "more": "Di más para escuchar más lugares.",
        "free": "Es gratis",
        "reported closed": "Hoy nos dijeron que está cerrado",
        "call ahead": "Su horario puede haber cambiado, así que llama antes",
    },
}


def _say(language: str, key: str, **values) -> str:
    return phrase(_PHRASES, language, key, **values)


def spoken_place(label: str) -> str:
    """A ZIP code digit by digit ("9 8 1 0 4"), not as a number in the ninety-thousands."""
    return re.sub(r"\b(\d{5})\b", lambda m: " ".join(m.group(1)), label)


def spoken_street(street: str) -> str:
    """'1100 E Pike St' -> '1100 East Pike Street'."""
    return _ABBREVIATION.sub(lambda m: _STREET_WORDS.get(m.group(1).lower(), m.group(0)), street)


def spoken_time(value: str, language: str = "en") -> str:
    """'9am' -> '9 AM' ('9 a. m.' in Spanish), '12:30pm' -> '12:30 PM'."""
    match = _TIME.match(value.strip())
    if not match:
        return value
    hour, minute, suffix = match.groups()
    clock = f"{hour}:{minute}" if minute else hour
    return _say(language, suffix, clock=clock)


def spoken_hours(match: ServiceMatch, language: str = "en") -> str:
    if match.hours_today in ("closed today", "open 24 hours", "call for hours"):
        return _say(language, match.hours_today)
    spans = []
    for span in match.hours_today.split(", "):
        start, _, end = span.partition("-")
        spans.append(spoken_time(start, language) + _say(language, "to") + spoken_time(end, language))
    text = _say(language, "hours", hours=_say(language, "and").join(spans))
    return text + (_say(language, "open now") if match.open_now else "")


def _warnings(match: ServiceMatch, language: str) -> str:
    """Said after the hours: what the directory may have wrong about the place."""
    said = ""
    if match.reported_closed:
        said += " " + _say(language, "reported closed") + "."
    if match.call_ahead:
        said += " " + _say(language, "call ahead") + "."
    return said


def spoken_place_details(match: ServiceMatch, language: str = "en") -> str:
    """One place as a listing reads it: name, street, today's hours, whether it is free."""
    where = ", ".join(part for part in (spoken_street(match.street) if match.street else None, match.city) if part)
    sentence = match.name + (f", {where}" if where else "") + ". " + spoken_hours(match, language) + "." + _warnings(match, language)
    if "free" in match.flags:
        sentence += " " + _say(language, "free") + "."
    return sentence


def spoken_match(position: int, match: ServiceMatch, language: str = "en") -> str:
    ordinals = in_language(_PHRASES, language)["ordinals"]
    ordinal = ordinals[position] if position < len(ordinals) else str(position + 1)
    return f"{ordinal}: " + spoken_place_details(match, language)


def spoken_results(result: SearchResult, place_label: str, language: str = "en") -> str:
    """What the caller hears for one search (a page of SPOKEN_LIMIT places): a header and the places."""
    label = service_label(result.service_type, language)
    place = spoken_place(place_label)
    if not result.matches:
        return _say(language, "all" if result.offset else "none", label=label, radius=result.radius_miles, place=place)
    if result.widened and not result.offset:
        header = _say(language, "widened", requested=result.requested_radius_miles, label=label,
                      radius=result.radius_miles, place=place)
    elif result.offset:
        header = _say(language, "more near", label=label, place=place)
    else:
        header = _say(language, "near open first" if result.open_first else "near", label=label, place=place)
    parts = [header]
    if result.open_first and not result.offset and not any(m.open_now for m in result.matches):
        parts.append(_say(language, "none open"))
    spoken = result.matches[:SPOKEN_LIMIT]
    parts += [spoken_match(i, match, language) for i, match in enumerate(spoken)]
    if result.has_more:
        parts.append(_say(language, "more"))
    return " ".join(parts)
