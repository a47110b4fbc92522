"""Search results in the shape of an SMS: short lines, plain text, no links."""
from __future__ import annotations

from bot.directory.search import SearchResult, ServiceMatch
from bot.directory.taxonomy import SERVICE_TYPES

SMS_LINE_LIMIT = 160


def format_match(number: int, match: ServiceMatch) -> str:
    """'1) Name, 123 Main St, Seattle - 0.4 mi - today 9am-5pm - (206) 555-0101', the name
    shortened first when the line would not fit in one SMS segment."""
    where = ", ".join(part for part in (match.street, match.city) if part)
    if match.hours_today in ("call for hours", "closed today", "open 24 hours"):
        hours = match.hours_today
    else:
        hours = f"today {match.hours_today}" + (" (open now)" if match.open_now else "")
    tail = [f"{match.distance_miles:g} mi", hours]
    if match.phone:
        tail.append(match.phone)
    rest = (f", {where}" if where else "") + " - " + " - ".join(tail)
    prefix = f"{number}) "
    room = SMS_LINE_LIMIT - len(prefix) - len(rest)
    name = match.name if len(match.name) <= room else match.name[: max(12, room - 1)].rstrip() + "…"
    return prefix + name + rest


def format_results(result: SearchResult, place_label: str) -> str:
    label = SERVICE_TYPES[result.service_type]
    if not result.matches:
        return (
            f"I couldn't find {label} within {result.radius_miles:g} miles of {place_label}. "
            "Reply with another ZIP code, or ask for a different service."
        )
    if result.widened:
        header = f"Nothing within {result.requested_radius_miles:g} miles of {place_label}. Closest {label}:"
    else:
        header = f"{label[0].upper()}{label[1:]} near {place_label}:"
    lines = [format_match(i, match) for i, match in enumerate(result.matches, start=1)]
    return "\n".join([header, *lines])
