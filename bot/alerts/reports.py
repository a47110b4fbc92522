"""Anonymous reports of a bad batch (REPORT blue pills going around belltown...): kept for the
coordinator (`hub alerts reports`) with the area they name, never with the sender's number or
key, and never sent to anyone: not to an officer, not to an agency. A phone number written in
the words is taken out too. The words go at the retention purge, like every message."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import BatchReport
from bot.directory.places import find_place

MAX_WORDS_CHARS = 1000
NUMBER_REMOVED = "[number removed]"


def without_numbers(text: str, region: str) -> str:
    """`text` with every phone number written in it replaced (POSSIBLE leniency: fictional and new
    numbers too, as bot/phonebook.py finds them)."""
    pieces, end = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        pieces += [text[end:match.start], NUMBER_REMOVED]
        end = match.end
    return "".join(pieces) + text[end:]


def record(session: Session, words: str, language: str, region: str) -> BatchReport:
    place = find_place(session, words).place
    report = BatchReport(words=without_numbers(words, region)[:MAX_WORDS_CHARS], area=place.label if place else None,
                         language=language, received_at=utcnow())
    session.add(report)
    session.flush()
    return report


def recent(session: Session, limit: int = 100, since: datetime | None = None) -> list[dict]:
    query = select(BatchReport).order_by(BatchReport.id.desc()).limit(limit)
    if since is not None:
        query = query.where(BatchReport.received_at >= since)
    return [
        {"id": report.id, "received_at": report.received_at.isoformat(timespec="seconds") + "Z",
         "area": report.area, "language": report.language, "words": report.words}
        for report in session.scalars(query)
    ]


def purge_words(session: Session, cutoff: datetime) -> int:
    """Clear the words of reports older than `cutoff`; when and where stay, for counts."""
    return session.execute(
        update(BatchReport).where(BatchReport.received_at < cutoff, BatchReport.words.is_not(None))
        .values(words=None).execution_options(synchronize_session=False)
    ).rowcount
