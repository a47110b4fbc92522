"""Fixtures shared by the tests of bot/."""
import pytest

from bot.clock import utcnow
from bot.db import session_scope
from bot.db.models import Specialist


@pytest.fixture
def coordinator_on_call(migrated_db):
    """A deployment has a coordinator on call (Cora): without one, `hub status` says so and exits 1
    (review 9), which tests of other things that need a person must not mistake for theirs."""
    with session_scope() as session:
        session.add(Specialist(name="Cora", phone="+12065550118", zips="", languages="en", is_coordinator=1,
                               active=1, created_at=utcnow()))
