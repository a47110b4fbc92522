"""Search results in the shape of an SMS: short lines, plain text, no links."""
from __future__ import annotations

from bot.directory.search import SearchResult, ServiceMatch
from bot.directory.taxonomy import SERVICE_TYPES

SMS_LINE_LIMIT = 160
_MIN_NAME = 20


def _shorten(name: str, room: int) -> str:
    return name if len(name) <= room else name[: max(1, room - 1)].rstrip() + "…"


def format_match(number: int, match: ServiceMatch) -> str:
    """'1) Name, 123 Main St, Seattle - 0.4 mi - today 9am-5pm - (206) 555-0101 - free, walk-in'.

    To fit one SMS segment the name is shortened first (down to 20 characters), then the
    low-barrier flags are dropped from the end; hours and phone always stay."""
    where = ", ".join(part for part in (match.street, match.city) if part)
    if match.hours_today in ("call for hours", "closed today", "open 24 hours"):
        hours = match.hours_today
    else:
        hours = f"today {match.hours_today}" + (" (open now)" if match.open_now else "")
    tail = [f"{match.distance_miles:g} mi", hours] + ([match.phone] if match.phone else [])
    prefix = f"{number}) "
    flags = list(match.flags)
    while True:
        rest = (f", {where}" if where else "") + " - " + " - ".join(tail + ([", ".join(flags)] if flags else []))
        room = SMS_LINE_LIMIT - len(prefix) - len(rest)
        if room >= min(_MIN_NAME, len(match.name)) or not flags:
            return prefix + _shorten(match.name, max(room, 12)) + rest
        flags.pop()


def format_results(result: SearchResult, place_label: str) -> str:
    label = SERVICE_TYPES[result.service_type]
    if not result.matches:
        if result.offset:
            return (
                f"That's all the {label} I know of within {result.radius_miles:g} miles of {place_label}. "
                "Reply with another ZIP code or ask for a different service."
            )
        return (
            f"I couldn't find {label} within {result.radius_miles:g} miles of {place_label}. "
            "Reply with another ZIP code, or ask for a different service."
        )
    if result.widened and not result.offset:
        header = f"Nothing within {result.requested_radius_miles:g} miles of {place_label}. Closest {label}, up to {result.radius_miles:g} miles:"
    else:
        header = f"{'More ' + label if result.offset else label[0].upper() + label[1:]} near {place_label}"
        header += ", open now first:" if result.open_first else ":"
    lines = [header]
    if result.open_first and not result.offset and not any(m.open_now for m in result.matches):
        lines.append("None is open right now; these are the nearest.")
    lines += [format_match(result.offset + i, match) for i, match in enumerate(result.matches, start=1)]
    if result.has_more:
        lines.append("Reply MORE for more.")
    return "\n".join(lines)
