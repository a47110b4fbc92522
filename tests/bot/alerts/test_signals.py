"""The line's own signals (issue 35, bot/alerts/signals.py): one texter once per kind per hour,
counts with no number, key or words, the hour's tokens gone after it, a REPORT counted where it
names a place, and counts kept HUB_SIGNAL_RETENTION_DAYS."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.alerts import inbound
from bot.alerts.signals import SignalKind, area_named, purge_signals, record_signal
from bot.alerts.texts import report_thanks
from bot.db import session_scope
from bot.db.models import SignalCount, SignalSeen
from bot.privacy import sender_key
from tests.conftest import TEST_ENV

AT = datetime(2026, 12, 7, 2, 10)
TEXTER = sender_key("+12065550123", TEST_ENV["HUB_SECRET_KEY"])


def counts() -> list[tuple]:
    with session_scope() as session:
        return [tuple(row) for row in session.execute(
            select(SignalCount.hour, SignalCount.area, SignalCount.kind, SignalCount.count).order_by(SignalCount.hour))]


def test_one_texter_counts_once_per_kind_per_hour(migrated_db):
    with session_scope() as session:
        results = [record_signal(session, TEXTER, SignalKind.OVERDOSE, "98104", AT + timedelta(minutes=m)) for m in range(5)]
        results.append(record_signal(session, TEXTER, SignalKind.BAD_BATCH, "98104", AT))  # another kind
        results.append(record_signal(session, TEXTER, SignalKind.OVERDOSE, "98104", AT + timedelta(hours=1)))  # next hour
    assert results == [True, False, False, False, False, True, True]
    assert counts() == [(datetime(2026, 12, 7, 2), "98104", "bad_batch", 1), (datetime(2026, 12, 7, 2), "98104", "overdose", 1),
                        (datetime(2026, 12, 7, 3), "98104", "overdose", 1)]


def test_counts_hold_no_number_and_the_hours_tokens_go_after_it(migrated_db):
    with session_scope() as session:
        record_signal(session, TEXTER, SignalKind.OVERDOSE, None, AT)
        record_signal(session, sender_key("+12065550124", TEST_ENV["HUB_SECRET_KEY"]), SignalKind.OVERDOSE, None, AT)
    assert counts() == [(datetime(2026, 12, 7, 2), "", "overdose", 2)]  # unplaced
    with session_scope() as session:
        tokens = list(session.scalars(select(SignalSeen.token)))
        assert len(tokens) == 2 and TEXTER not in tokens
        record_signal(session, None, SignalKind.BAD_BATCH, "98121", AT + timedelta(hours=1))
    with session_scope() as session:
        assert list(session.scalars(select(SignalSeen))) == []  # the last hour's tokens went with it
    columns = {column.name for column in SignalCount.__table__.columns}
    assert columns == {"hour", "area", "kind", "count"}


def test_counts_are_kept_for_the_retention_days_then_purged(migrated_db):
    with session_scope() as session:
        record_signal(session, TEXTER, SignalKind.OVERDOSE, "98104", AT - timedelta(days=366))
        record_signal(session, TEXTER, SignalKind.OVERDOSE, "98104", AT - timedelta(days=364))
        assert purge_signals(session, AT) == 1
    assert [row[0].date().isoformat() for row in counts()] == ["2025-12-08"]


def test_the_area_is_the_zip_of_the_place_the_words_name(demo_db):
    with session_scope() as session:
        assert area_named(session, "someone is out cold at 3rd and pike 98101") == "98101"
        assert area_named(session, "bad blues going around capitol hill") is not None
        assert area_named(session, "somewhere by the river i think") is None


def test_a_report_is_counted_as_a_bad_batch_signal(demo_db):
    with session_scope() as session:
        replies = inbound.answer(session, "+12065550123", TEXTER, "REPORT blue pills knocking people out near 98104", False)
    assert replies == [report_thanks("en")]
    [(hour, area, kind, count)] = counts()
    assert (area, kind, count) == ("98104", "bad_batch", 1)
    with session_scope() as session:  # the same texter's second report this hour: one signal still
        inbound.answer(session, "+12065550123", TEXTER, "REPORT more of them at the same spot 98104", False)
    assert counts()[0][3] == 1


def test_a_signal_with_no_place_in_its_words_takes_the_conversations(demo_db):
    """Issue 35: the area from the text, else the texter's request for a person, else the places
    last listed to them, within the last day; else unplaced."""
    import json as json_module

    from bot.alerts.signals import area_of
    from bot.clock import utcnow
    from bot.db.models import ListingShown, Location
    from bot.handoff import engine

    with session_scope() as session:
        assert area_of(session, TEXTER, "he's not breathing") is None
        location = session.scalar(select(Location.id).where(Location.name == "Pioneer Square Drop-In Center"))
        session.add(ListingShown(number_key=TEXTER, shown_at=utcnow(), language="en",
                                 places=json_module.dumps([[1, "svc", location, "Pioneer Square Drop-In Center", "214 1st Ave S"]])))
    with session_scope() as session:
        assert area_of(session, TEXTER, "he's not breathing") == "98104"  # where the places listed to them are
        assert area_of(session, TEXTER, "not breathing at 98122") == "98122"  # the words first
        engine.create_handoff(session, source="community", person_key=TEXTER, consent_by="person", consent_text="yes",
                              area="98118", person_number="+12065550123")
    with session_scope() as session:
        assert area_of(session, TEXTER, "he's not breathing") == "98118"  # their request for a person
        assert area_of(session, None, "he's not breathing") is None
