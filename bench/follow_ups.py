"""What check-ins deferred by quiet hours cost each pass of the worker's follow-up job (review 20).

    .venv/bin/python bench/follow_ups.py                 # 100, 1,000 and 5,000 deferred
    .venv/bin/python bench/follow_ups.py --deferred 300

N due check-ins in quiet hours (New York, 23:00) closed before one due in Seattle (20:00, not
quiet). A pass (`follow_up.send_due`, as the worker's job runs it every second) must queue the
Seattle one; the next passes meet the deferred ones again. The figure is a pass's time, the
median of 20.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HUB_ENV_FILE"] = os.devnull
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.update(HUB_SECRET_KEY="bench-secret-key-0123456789", TWILIO_AUTH_TOKEN="bench-token", HUB_QUIET_HOURS="21:00-09:00")

NOW = datetime(2026, 11, 25, 4, 0)  # 20:00 in Seattle, 23:00 in New York


def run(work: Path, deferred: int) -> None:
    from alembic import command
    from sqlalchemy import select

    from bot.config import get_settings
    from bot.db import session_scope
    from bot.db.migrate import alembic_config
    from bot.db.models import Handoff, OutboxMessage
    from bot.handoff import follow_up

    os.environ["HUB_DATABASE_URL"] = f"sqlite:///{work / f'follow-ups-{deferred}.db'}"
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    closed = NOW - timedelta(hours=28)
    with session_scope() as session:
        for i in range(deferred + 1):
            area, number = ("98104", "+12065550142") if i == deferred else ("10001", f"+1212555{i % 100 + 100:04d}")
            session.add(Handoff(ref=f"H-{i:06d}", source="community", state="closed", person_key=f"k{i:063d}",
                                person_number=number, needs="naloxone", area=area, language="en", consent_by="person",
                                consent_text="yes", consent_at=closed, escalation_level=0, created_at=closed,
                                closed_at=closed + timedelta(seconds=i), outcome="engaged", follow_up_consent="yes"))
    passes = []
    for _ in range(20):
        started = time.perf_counter()
        with session_scope() as session:
            follow_up.send_due(session, NOW)
        passes.append(time.perf_counter() - started)
    with session_scope() as session:
        queued = list(session.scalars(select(OutboxMessage.to_number)))
    print(f"{deferred:>6} deferred: the Seattle check-in queued {'in the first pass' if queued == ['+12065550142'] else 'NOT'}; "
          f"a pass {statistics.median(passes) * 1000:.0f} ms (median of 20), the first {passes[0] * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deferred", type=int, action="append", help="how many deferred check-ins (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for deferred in args.deferred or [100, 1000, 5000]:
            run(Path(work), deferred)
    return 0


if __name__ == "__main__":
    sys.exit(main())
