"""Texters' reports of wrong listings, for the coordinator, and the places last listed to each
texter, so that "WRONG 2" names a place. Both are keyed by the HMAC of the number, never the
number; `hub directory reports` lists the reports without the key.

A place several different numbers report closed (or wrong) within a day is flagged in answers
until the coordinator clears its reports: one number repeating itself counts once.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import ListingReport, ListingShown

# Kinds of report that say the place is not there for people: these count toward the flag. Being
# out of supplies for a day is worth the coordinator's call, not a warning to everyone.
CLOSING_KINDS = ("closed", "wrong")
KINDS = CLOSING_KINDS + ("out_of_stock",)
FLAG_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ListedPlace:
    position: int  # the number the texter saw in front of it
    service_id: str
    location_id: str
    name: str
    street: str | None


@dataclass(frozen=True)
class Listing:
    places: list[ListedPlace]
    language: str
    shown_at: datetime


class ReportError(LookupError):
    """No such report (`hub directory reports clear ID`)."""


def remember_listing(session: Session, number_key: str, matches, offset: int, language: str,
                     now: datetime | None = None) -> None:
    """Remember the page of `matches` just listed (numbered from offset + 1). MORE adds its page to
    the search's earlier ones, so that the numbers the texter saw all still name their place."""
    now = now or utcnow()
    page = [[offset + i, m.service_id, m.location_id, m.name, m.street] for i, m in enumerate(matches, start=1)]
    if not page:
        return
    row = session.get(ListingShown, number_key)
    earlier = [p for p in json.loads(row.places) if p[0] <= offset] if row is not None and offset else []
    places = json.dumps(earlier + page)
    if row is None:
        session.add(ListingShown(number_key=number_key, shown_at=now, language=language, places=places))
    else:
        row.shown_at, row.language, row.places = now, language, places
    session.flush()


def last_listing(session: Session, number_key: str, within: timedelta | None = None,
                 now: datetime | None = None) -> Listing | None:
    row = session.get(ListingShown, number_key)
    if row is None or (within is not None and row.shown_at < (now or utcnow()) - within):
        return None
    return Listing([ListedPlace(*place) for place in json.loads(row.places)], row.language, row.shown_at)


def record_report(session: Session, number_key: str, place: ListedPlace | None, kind: str, words: str | None,
                  language: str, now: datetime | None = None) -> ListingReport:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of report {kind!r}")
    report = ListingReport(
        created_at=now or utcnow(), service_id=place.service_id if place else None,
        location_id=place.location_id if place else None, place_name=place.name if place else None,
        kind=kind, words=words or None, language=language, reporter_key=number_key,
    )
    session.add(report)
    session.flush()
    return report


def _flagged(times_and_keys: list[tuple[datetime, str]], threshold: int) -> bool:
    """Whether `threshold` different keys reported within one FLAG_WINDOW (a sliding window)."""
    times_and_keys.sort()
    for start, (first, _) in enumerate(times_and_keys):
        keys = {key for at, key in times_and_keys[start:] if at - first <= FLAG_WINDOW}
        if len(keys) >= threshold:
            return True
    return False


def reported_closed(session: Session, threshold: int) -> set[tuple[str, str]]:
    """(service_id, location_id) of the places flagged "reported closed", until cleared."""
    rows = session.execute(
        select(ListingReport.service_id, ListingReport.location_id, ListingReport.created_at, ListingReport.reporter_key)
        .where(ListingReport.cleared_at.is_(None), ListingReport.service_id.is_not(None),
               ListingReport.kind.in_(CLOSING_KINDS))
    )
    by_place: dict[tuple[str, str], list] = defaultdict(list)
    for service_id, location_id, created_at, key in rows:
        by_place[service_id, location_id].append((created_at, key))
    return {place for place, reports in by_place.items() if _flagged(reports, threshold)}


@dataclass(frozen=True)
class ReportView:
    """One report as the coordinator sees it: no number and no key."""

    id: int
    created_at: str
    place: str | None
    service_id: str | None
    location_id: str | None
    kind: str
    words: str | None
    language: str
    reporters: int  # different numbers with open reports about the same place
    flagged: bool


def open_reports(session: Session, threshold: int) -> list[ReportView]:
    reports = session.scalars(
        select(ListingReport).where(ListingReport.cleared_at.is_(None)).order_by(ListingReport.created_at, ListingReport.id)
    ).all()
    reporters: dict[tuple, set] = defaultdict(set)
    for report in reports:
        if report.service_id:
            reporters[report.service_id, report.location_id].add(report.reporter_key)
    flagged = reported_closed(session, threshold)
    return [
        ReportView(
            id=r.id, created_at=r.created_at.isoformat(timespec="seconds"), place=r.place_name, service_id=r.service_id,
            location_id=r.location_id, kind=r.kind, words=r.words, language=r.language,
            reporters=len(reporters.get((r.service_id, r.location_id), ())) if r.service_id else 1,
            flagged=(r.service_id, r.location_id) in flagged,
        )
        for r in reports
    ]


def clear_report(session: Session, report_id: int, now: datetime | None = None) -> int:
    """Clear a report and, since the flag is the place's, every open report about the same place;
    the number of reports cleared."""
    report = session.get(ListingReport, report_id)
    if report is None or report.cleared_at is not None:
        raise ReportError(f"there is no open report {report_id} (see `hub directory reports`)")
    now = now or utcnow()
    if report.service_id is None:
        report.cleared_at = now
        return 1
    return session.execute(
        update(ListingReport)
        .where(ListingReport.cleared_at.is_(None), ListingReport.service_id == report.service_id,
               ListingReport.location_id == report.location_id)
        .values(cleared_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
