"""A refresh from an HSDS API feed, by hand (`hub directory import --api URL`) or on the worker's
schedule (HUB_DIRECTORY_FEED every HUB_DIRECTORY_REFRESH).

The feed is read whole first (bot/directory/feed.py), then imported in one transaction
(bot/directory/importer.py, `feed=`): a feed that is down or malformed leaves the directory as it
was. A refresh that would make more than HUB_DIRECTORY_HOLD_BACK of the feed's active services
inactive is held back, rolled back rather than applied, since a feed that suddenly lists a
fraction of itself is far more often broken than right; the coordinator is told by SMS and the
console shows it, and `--yes` applies it. `--check` shows what would change and writes nothing.

Each refresh is a DirectoryRefresh row. The worker claims a scheduled refresh by its due time
(unique), so two workers run it once; after a failure the next is due in a quarter of the
interval, and `hub status` fails after two failures in a row.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.db import get_engine, session_scope
from bot.db.models import DirectoryRefresh
from bot.directory.feed import FeedError, FeedLimits, FeedRead, read_feed
from bot.directory.hsds import HsdsValidationError
from bot.directory.importer import ImportSummary, import_package
from bot.handoff.roster import coordinator
from bot.notify.outbox import Purpose, enqueue

logger = logging.getLogger(__name__)
# A refresh still "running" this long after it started was cut off (its worker died): it counts
# as failed when the next one is worked out.
ABANDONED_AFTER = timedelta(hours=2)
FIRST_DUE = datetime(2000, 1, 1)


class RefreshOutcome(str, Enum):
    RUNNING = "running"
    APPLIED = "applied"
    HELD_BACK = "held_back"
    FAILED = "failed"
    CHECKED = "checked"  # --check: shown, nothing written


@dataclass
class RefreshResult:
    outcome: RefreshOutcome
    detail: str
    summary: ImportSummary | None = None
    read: FeedRead | None = None
    refresh_id: int | None = None
    problems: list | None = None  # HsdsValidationError's issues, for the CLI

    @property
    def ok(self) -> bool:
        return self.outcome in (RefreshOutcome.APPLIED, RefreshOutcome.CHECKED)


def feed_limits(settings: Settings) -> FeedLimits:
    return FeedLimits(timeout_seconds=settings.feed_timeout_seconds, retries=settings.feed_retries,
                      max_bytes=settings.feed_max_mb * 1024 * 1024)


def held_back(summary: ImportSummary, share: float) -> bool:
    """Would this refresh make more than `share` of the feed's active services inactive?"""
    before = summary.feed_services_before
    return before > 0 and len(summary.made_inactive) > share * before


def held_back_text(url: str, summary: ImportSummary) -> str:
    return (f"Directory refresh held back: the feed {url} no longer lists {len(summary.made_inactive)} of its "
            f"{summary.feed_services_before} services. Nothing changed. If that is right, run "
            f"hub directory import --api {url} --yes")


def _start(url: str, by: str, claim: str | None) -> int | None:
    """The refresh's row, committed; None when another worker holds the same claim."""
    try:
        with session_scope() as session:
            row = DirectoryRefresh(feed=url, claim=claim, by=by, started_at=utcnow(), outcome=RefreshOutcome.RUNNING.value)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def _finish(refresh_id: int | None, result: RefreshResult) -> None:
    if refresh_id is None:
        return
    with session_scope() as session:
        row = session.get(DirectoryRefresh, refresh_id)
        row.finished_at, row.outcome, row.detail = utcnow(), result.outcome.value, result.detail[:2000]
        if result.read is not None:
            row.services = result.read.services
        if result.summary is not None:
            summary = result.summary
            row.new = summary.inserted.get("service", 0)
            row.updated = summary.updated.get("service", 0)
            row.made_inactive, row.restored = len(summary.made_inactive), len(summary.restored)
            row.warnings = len(summary.warnings)
        if result.outcome is RefreshOutcome.HELD_BACK and result.summary is not None:
            _tell_coordinator(session, held_back_text(row.feed, result.summary))


def _tell_coordinator(session: Session, text: str) -> None:
    person = coordinator(session)
    if person is None:
        logger.warning("directory refresh held back, and no coordinator is on call to be told: %s", text)
        return
    enqueue(session, to_number=person.phone, from_number=get_settings().hotline_number, body=text,
            purpose=Purpose.NOTICE.value)


def refresh_from_feed(url: str, *, by: str = "cli", check: bool = False, yes: bool = False, claim: str | None = None,
                      settings: Settings | None = None, progress: Callable[[int, int | None], None] | None = None,
                      import_progress=None) -> RefreshResult:
    """Read the feed at `url` and import it (module docstring). With a `claim` another worker
    already holds, nothing is done and None is the result's refresh_id."""
    settings = settings or get_settings()
    url = url.rstrip("/")
    refresh_id = None if check else _start(url, by, claim)
    if not check and refresh_id is None:
        return RefreshResult(RefreshOutcome.RUNNING, "another worker is running this refresh")
    result = _refresh(url, settings, check=check, yes=yes, progress=progress, import_progress=import_progress)
    result.refresh_id = refresh_id
    _finish(refresh_id, result)
    log = logger.info if result.ok else logger.warning
    log("directory refresh from %s: %s (%s)", url, result.outcome.value, result.detail)
    return result


def _refresh(url: str, settings: Settings, *, check: bool, yes: bool, progress, import_progress) -> RefreshResult:
    try:
        read = read_feed(url, feed_limits(settings), progress=progress)
    except FeedError as exc:
        return RefreshResult(RefreshOutcome.FAILED, str(exc))
    except HsdsValidationError as exc:
        return RefreshResult(RefreshOutcome.FAILED, f"the feed's records would not import ({len(exc.issues)} problems, "
                                                    f"first: {exc.issues[0]}); the directory was left as it was",
                             problems=exc.issues)
    with Session(get_engine(), future=True) as session:
        try:
            summary = import_package(session, read.package, progress=import_progress, feed=url)
        except HsdsValidationError as exc:
            session.rollback()
            return RefreshResult(RefreshOutcome.FAILED, f"the feed's records would not import ({exc.issues[0]}); "
                                                        f"the directory was left as it was", read=read, problems=exc.issues)
        if check:
            session.rollback()
            return RefreshResult(RefreshOutcome.CHECKED, "nothing was written (--check)", summary, read)
        if not yes and held_back(summary, settings.directory_hold_back):
            session.rollback()
            return RefreshResult(RefreshOutcome.HELD_BACK, held_back_text(url, summary), summary, read)
        session.commit()
    return RefreshResult(RefreshOutcome.APPLIED, f"{read.services} services read in {read.pages} pages", summary, read)


# --- the worker's schedule --------------------------------------------------------------------

def last_refreshes(session: Session, url: str, limit: int = 2) -> list[DirectoryRefresh]:
    return list(session.scalars(select(DirectoryRefresh).where(DirectoryRefresh.feed == url.rstrip("/"))
                                .order_by(DirectoryRefresh.started_at.desc(), DirectoryRefresh.id.desc()).limit(limit)))


@dataclass(frozen=True)
class RefreshShown:
    """A refresh as the console's Directory page lists it."""

    feed: str
    by: str
    started_at: datetime
    outcome: str
    services: int | None
    new: int | None
    updated: int | None
    made_inactive: int | None
    restored: int | None
    detail: str | None


def recent_refreshes(session: Session, limit: int = 10) -> list[RefreshShown]:
    rows = session.scalars(select(DirectoryRefresh).order_by(DirectoryRefresh.started_at.desc(), DirectoryRefresh.id.desc())
                           .limit(limit))
    return [RefreshShown(r.feed, r.by, r.started_at, r.outcome, r.services, r.new, r.updated, r.made_inactive, r.restored,
                         r.detail) for r in rows]


def _failed(row: DirectoryRefresh, now: datetime) -> bool:
    return row.outcome == RefreshOutcome.FAILED.value or (
        row.outcome == RefreshOutcome.RUNNING.value and now - row.started_at > ABANDONED_AFTER)


def next_due(session: Session, url: str, every_seconds: float, now: datetime | None = None) -> datetime | None:
    """When the feed is next due: the interval after the last refresh, a quarter of it after a
    failed one, now if there was none; None while one is running."""
    now = now or utcnow()
    found = last_refreshes(session, url, 1)
    last = found[0] if found else None
    if last is None:
        return FIRST_DUE  # one value for every worker, so that their claims clash
    if last.outcome == RefreshOutcome.RUNNING.value and not _failed(last, now):
        return None
    wait = every_seconds / 4 if _failed(last, now) else every_seconds
    return last.started_at + timedelta(seconds=wait)


def failing_in_a_row(session: Session, url: str, now: datetime | None = None) -> int:
    """How many of the feed's last two refreshes failed (`hub status` fails at two)."""
    now = now or utcnow()
    count = 0
    for row in last_refreshes(session, url, 2):
        if not _failed(row, now):
            break
        count += 1
    return count


def refresh_if_due(settings: Settings | None = None, now: datetime | None = None) -> int:
    """The worker's job: refresh HUB_DIRECTORY_FEED once it is due; 1 if this worker did."""
    settings = settings or get_settings()
    url = settings.directory_feed
    if not url:
        return 0
    with session_scope() as session:
        due = next_due(session, url, settings.directory_refresh_seconds, now)
    if due is None or due > (now or utcnow()):
        return 0
    result = refresh_from_feed(url, by="worker", claim=f"{url.rstrip('/')}@{due.isoformat()}", settings=settings)
    return 1 if result.refresh_id is not None else 0
