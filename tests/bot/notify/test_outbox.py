"""The outbox as the simulator page watches it: settled rows only, and a cursor that never skips
a row still waiting for the worker."""
from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.notify.outbox import claim_due, enqueue, settled_after

ANA, BEN = "+12065550111", "+12065550112"


def enqueue_to(to, body):
    with session_scope() as session:
        return enqueue(session, to_number=to, from_number="+12065550100", body=body, purpose="relay").id


def set_status(row_id, status):
    with session_scope() as session:
        session.get(OutboxMessage, row_id).status = status


def watch(to, after):
    with session_scope() as session:
        rows, next_after = settled_after(session, to, after)
        return [row.body for row in rows], next_after


def test_without_a_cursor_only_where_the_number_stands(migrated_db):
    assert watch(ANA, None) == ([], 0)
    first = enqueue_to(ANA, "one")
    enqueue_to(BEN, "for Ben")
    assert watch(ANA, None) == ([], first)


def test_a_waiting_row_holds_the_cursor_back_until_it_settles(migrated_db):
    first, second, third = (enqueue_to(ANA, body) for body in ("one", "two", "three"))
    enqueue_to(BEN, "for Ben")
    set_status(first, "stored")
    set_status(third, "stored")  # the second is still pending, e.g. waiting for a retry
    assert watch(ANA, 0) == (["one", "three"], first)
    set_status(second, "blocked")
    assert watch(ANA, first) == (["two", "three"], third)
    assert watch(ANA, third) == ([], third)


def queue_for(purpose, body):
    with session_scope() as session:
        return enqueue(session, to_number=ANA, from_number="+12065550100", body=body, purpose=purpose).id


def test_handoff_alerts_relays_late_answers_and_follow_ups_come_before_area_alerts():
    from bot.notify.outbox import PRIORITY, Purpose

    assert PRIORITY["alert"] < PRIORITY["relay"] < PRIORITY[Purpose.LATE_ANSWER] < PRIORITY[Purpose.FOLLOW_UP] < PRIORITY[Purpose.AREA_ALERT]


def test_the_claim_query_orders_by_the_priority_table(migrated_db):
    from bot.notify.outbox import Purpose, claim_due

    for purpose in (Purpose.AREA_ALERT, Purpose.AREA_ALERT, "some_new_purpose", Purpose.FOLLOW_UP, Purpose.LATE_ANSWER, "relay", "escalation", "alert"):
        queue_for(purpose, purpose)
    with session_scope() as session:
        order = [claim.body for claim in claim_due(session, limit=20)]
    assert order == ["escalation", "alert", "relay", Purpose.LATE_ANSWER, Purpose.FOLLOW_UP, "some_new_purpose", Purpose.AREA_ALERT, Purpose.AREA_ALERT]


def test_a_row_read_by_two_workers_is_claimed_by_one(migrated_db, monkeypatch):
    """On SQLite the claim's read runs outside a transaction (pysqlite begins one at the first
    write), so two workers can read the same due rows: the second's claim must then take none
    (CI, 2026-12-08: two `hub worker` processes sent 5 of 40 messages twice)."""
    from sqlalchemy import select as select_

    from bot.db.models import OutboxMessage as Row

    with session_scope() as session:
        for n in range(3):
            enqueue(session, to_number=f"+1206555012{n}", from_number="+12065550100", body=f"m{n}", purpose="notice")
    with session_scope() as slow:
        seen = list(slow.scalars(select_(Row).order_by(Row.id)))  # what the slower worker read
        with session_scope() as quick:
            assert len(claim_due(quick)) == 3
        monkeypatch.setattr(slow, "scalars", lambda *args, **kwargs: iter(seen))
        assert claim_due(slow) == []
    with session_scope() as session:
        assert [row.attempts for row in session.scalars(select_(Row))] == [1, 1, 1]
