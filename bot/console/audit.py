"""The console's audit log: who changed what, and who was shown a number, when. The detail names
what was changed or whose handoff (its reference), never a number or a person's words."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import AuditLog

DETAIL_LIMIT = 500


def record(session: Session, actor: str, action: str, detail: str, now: datetime | None = None) -> None:
    session.add(AuditLog(at=now or utcnow(), actor=actor, action=action, detail=detail[:DETAIL_LIMIT]))


def recent(session: Session, limit: int = 500) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))
