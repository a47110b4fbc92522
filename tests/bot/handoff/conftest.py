from datetime import datetime

import pytest

from bot.db import session_scope
from bot.db.models import Specialist

NOW = datetime(2026, 11, 23, 18, 0)  # Monday 10:00 in Seattle (naive UTC, as stored)


def add(name, phone, zips="98104", languages="en", hours=None, coordinator=False):
    with session_scope() as session:
        specialist = Specialist(name=name, phone=phone, zips=zips, languages=languages, hours=hours,
                                is_coordinator=int(coordinator), active=1, created_at=NOW)
        session.add(specialist)
        session.flush()
        return specialist.id


@pytest.fixture
def roster(migrated_db):
    return {
        "ana": add("Ana", "+12065550111", zips="98104,98122", languages="en,es"),
        "ben": add("Ben", "+12065550112", zips="98104"),
        "cy": add("Cy", "+12065550113", zips="98118"),
        "coordinator": add("Coordinator", "+12065550119", zips="", coordinator=True),
    }
