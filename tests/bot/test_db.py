"""The database adapter: an error never carries the values it was given (numbers, relayed words)."""
from datetime import datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.db import make_engine, session_scope
from bot.db.models import Base, OutboxMessage


def test_a_database_error_names_no_number_and_no_words(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    Base.metadata.create_all(engine)
    row = dict(id=1, to_number="+12065550142", from_number="+12065550100", body="meet me at the library at 3",
               purpose="relay", status="pending", attempts=0, next_attempt_at=datetime(2026, 11, 29), created_at=datetime(2026, 11, 29))
    with pytest.raises(IntegrityError) as raised:
        with session_scope(engine) as session:
            session.execute(insert(OutboxMessage).values(**row))
            session.execute(insert(OutboxMessage).values(**row))  # the same id again
    assert "+12065550142" not in str(raised.value) and "library" not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
    engine.dispose()
