"""Opening hours from HSDS schedules (iCal recurrence rules with local opening times).

Times carry no UTC offset: they are local to the location, so every function here takes
local dates and naive local datetimes; the caller converts "now" into the location's zone.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateutil import rrule

_WEEKDAYS = {"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH, "FR": rrule.FR, "SA": rrule.SA, "SU": rrule.SU}
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_FREQS = {"WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY}
_FAR_PAST = date(2000, 1, 1)


class InvalidSchedule(ValueError):
    pass


@dataclass(frozen=True)
class OpeningRule:
    """One HSDS schedule row, reduced to what opening hours need."""

    opens_at: time | None
    closes_at: time | None
    freq: str | None = None
    interval: int = 1
    byday: str | None = None
    bymonthday: str | None = None
    dtstart: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    until: date | None = None
    count: int | None = None
    wkst: str | None = None


@lru_cache(maxsize=4096)
def parse_byday(text: str | None) -> tuple:
    """'MO,TU' or '1MO,-1FR' into dateutil weekdays; raises InvalidSchedule naming the bad token."""
    if not text:
        return ()
    days = []
    for token in text.replace(" ", "").upper().split(","):
        if not token:
            continue
        match = _BYDAY.match(token)
        if not match:
            raise InvalidSchedule(f"byday has an unknown day {token!r} (use MO,TU,WE,TH,FR,SA,SU, optionally 1MO or -1FR)")
        ordinal, code = match.groups()
        day = _WEEKDAYS[code]
        days.append(day(int(ordinal)) if ordinal else day)
    return tuple(days)


def parse_bymonthday(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        days = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError as exc:
        raise InvalidSchedule(f"bymonthday must be day numbers such as 1,15, not {text!r}") from exc
    if any(not (1 <= abs(day) <= 31) for day in days):
        raise InvalidSchedule(f"bymonthday days must be 1 to 31 (or -1 to -31), not {text!r}")
    return days


@lru_cache(maxsize=65536)
def occurs_on(rule: OpeningRule, day: date) -> bool:
    """Whether the rule's recurrence includes `day`."""
    if rule.valid_from and day < rule.valid_from:
        return False
    if rule.valid_to and day > rule.valid_to:
        return False
    if not rule.freq:
        # No recurrence: the hours hold on every day the schedule is valid.
        return True
    byday = parse_byday(rule.byday)
    bymonthday = parse_bymonthday(rule.bymonthday)
    start = rule.dtstart or rule.valid_from or _FAR_PAST
    if day < start or (rule.until and day > rule.until):
        return False
    if rule.freq == "WEEKLY" and (rule.interval or 1) == 1 and rule.count is None and byday and not bymonthday \
            and all(weekday.n is None for weekday in byday):
        # The usual directory schedule ("MO,TU,WE"): no recurrence arithmetic needed.
        return any(weekday.weekday == day.weekday() for weekday in byday)
    if rule.count is None and (rule.interval or 1) == 1 and (byday or bymonthday):
        # With interval 1 and explicit days the phase of dtstart is irrelevant, so start near
        # `day` instead of iterating through years of occurrences.
        start = max(start, day - timedelta(days=62))
    recurrence = rrule.rrule(
        _FREQS[rule.freq],
        dtstart=datetime.combine(start, time()),
        interval=rule.interval or 1,
        wkst=_WEEKDAYS[rule.wkst] if rule.wkst else None,
        count=rule.count,
        until=datetime.combine(rule.until, time()) if rule.until else None,
        byweekday=byday or None,
        bymonthday=bymonthday or None,
    )
    midnight = datetime.combine(day, time())
    return bool(recurrence.between(midnight, midnight, inc=True))


def is_closure(rule: OpeningRule) -> bool:
    """A schedule with dates and no hours says the service is closed then (a holiday)."""
    return rule.opens_at is None and rule.closes_at is None and bool(rule.valid_from or rule.dtstart)


def closed_on(rule: OpeningRule, day: date) -> bool:
    """Whether a closure covers `day`: from valid_from (or dtstart) through valid_to (or until),
    one day when no end is given; a recurring closure ("closed every 1st Monday") on its days."""
    if not is_closure(rule):
        return False
    if rule.freq:
        return occurs_on(rule, day)
    start = rule.valid_from or rule.dtstart
    return start <= day <= (rule.valid_to or rule.until or start)  # type: ignore[operator]  # relies on a one-off closure carrying valid_from or dtstart (unchanged)


def is_all_day(rule: OpeningRule) -> bool:
    return rule.opens_at == time(0, 0) and rule.closes_at is not None and rule.closes_at >= time(23, 59)


def intervals_on(rules: Iterable[OpeningRule], day: date) -> list[tuple[datetime, datetime]]:
    """The opening intervals that start on `day`, as naive local datetimes, earliest first.

    Closing at or before opening means the hours run past midnight (19:00–07:00).
    """
    rules = tuple(rules)
    if any(closed_on(rule, day) for rule in rules):
        return []
    spans = []
    for rule in rules:
        if rule.opens_at is None or rule.closes_at is None or not occurs_on(rule, day):
            continue
        start = datetime.combine(day, rule.opens_at)
        if is_all_day(rule):
            end = datetime.combine(day + timedelta(days=1), time())
        else:
            end = datetime.combine(day, rule.closes_at)
            if end <= start:
                end += timedelta(days=1)
        spans.append((start, end))
    return sorted(spans)


def open_at(rules: Iterable[OpeningRule], moment: datetime) -> bool:
    """Whether any rule has the service open at the naive local `moment` (yesterday's overnight hours count)."""
    rules = tuple(rules)
    day = moment.date()
    return any(
        start <= moment < end
        for check_day in (day - timedelta(days=1), day)
        for start, end in intervals_on(rules, check_day)
    )


def format_time(value: time) -> str:
    """9am, 9:30am, 12pm (noon), 12am (midnight)."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def describe_day(rules: Iterable[OpeningRule], day: date) -> str:
    """Today's hours in a few words: 'open 24 hours', '9am-5pm', '7pm-7am', 'closed today' (also on
    a holiday closure), or 'call for hours' when the directory has no hours at all."""
    rules = tuple(rules)
    if any(closed_on(rule, day) for rule in rules):
        return "closed today"
    if not [rule for rule in rules if not is_closure(rule)]:
        return "call for hours"
    spans = intervals_on(rules, day)
    if not spans:
        return "closed today"
    if any(end - start >= timedelta(hours=24) for start, end in spans):
        return "open 24 hours"
    return ", ".join(f"{format_time(start.time())}-{format_time(end.time())}" for start, end in spans)
