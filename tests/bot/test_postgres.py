"""The hotline's own tables on PostgreSQL, the production database (HUB_TEST_POSTGRES_URL; skipped,
saying why, where no server answers): migrations, the directory, a whole handoff, the contact
numbers, the retention purge, and workers sharing the outbox with FOR UPDATE SKIP LOCKED."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.clock import utcnow
from bot.db import session_scope
from bot.db.migrate import alembic_config
from bot.db.models import Base, Handoff, OutboxMessage
from bot.directory.hsds import read_package
from bot.directory.importer import import_package
from bot.directory.places import resolve_place
from bot.directory.search import find_services
from bot.handoff import engine
from bot.handoff.inbound import route
from bot.notify.outbox import Delivery, enqueue
from bot.phonebook import first_stand_in, number_for
from bot.retention import purge
from bot.worker import deliver_due
from tests.bot.handoff.conftest import add
from tests.conftest import DEMO_DIRECTORY, TEST_ENV


def test_models_and_migrations_agree_on_postgres(postgres_db):
    with postgres_db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    command.downgrade(alembic_config(), "base")
    command.upgrade(alembic_config(), "head")


def test_the_directory_answers_the_same_on_postgres(postgres_db):
    with session_scope() as session:
        import_package(session, read_package(DEMO_DIRECTORY))
        import_package(session, read_package(DEMO_DIRECTORY))  # a second import updates, never duplicates
    with session_scope() as session:
        place = resolve_place(session, "98104")
        result = find_services(session, "naloxone", place, offset=0, open_first=False, radius_miles=50)
        names = [match.name for match in result.matches]
    assert names[0] == "Downtown Naloxone Vending Machine" and len(names) == 3


def test_a_feed_refresh_and_its_claim_on_postgres(postgres_db, monkeypatch):
    """Issue 32, part 2: a service the feed drops is made inactive, and two workers' claims on one
    due time clash on the unique claim, as on SQLite."""
    from bot.config import get_settings
    from bot.db.models import DirectoryRefresh, Service
    from bot.directory.refresh import refresh_if_due
    from tests.bot.directory.feed_server import MOCK_API, FeedServer, services_like_the_mock

    if not MOCK_API.is_dir():
        pytest.skip(f"Open Referral's mock API records are not at {MOCK_API}")
    with FeedServer() as server:
        server.services = services_like_the_mock(5)
        monkeypatch.setenv("HUB_DIRECTORY_FEED", server.url)
        get_settings.cache_clear()
        assert refresh_if_due() == 1
        server.services.pop()
        with session_scope() as session:
            session.execute(DirectoryRefresh.__table__.delete())
        results = []
        threads = [threading.Thread(target=lambda: results.append(refresh_if_due())) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [0, 1]
    with session_scope() as session:
        statuses = list(session.scalars(select(Service.status)))
    assert sorted(statuses) == ["active"] * 4 + ["inactive"]


def test_an_import_leaves_the_planner_statistics_of_what_it_wrote_on_postgres(postgres_db):
    """Issue 32, part 4: without statistics PostgreSQL guesses about 100 schedules a service and
    reads all 58,000 of the bench's for 16 ids (search p95 17 ms against 4 ms with them). Autovacuum
    analyzes only later, if at all (it is off on the CI's server)."""
    from sqlalchemy import text

    with session_scope() as session:
        import_package(session, read_package(DEMO_DIRECTORY))
    with session_scope() as session:
        analyzed = set(session.scalars(text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")))
    assert {"service", "location", "schedule", "phone", "address", "service_point"} <= analyzed

def test_a_whole_handoff_on_postgres(postgres_db):
    add("Ana", "+12065550111", zips="98104", languages="en,es")
    person, key = "+12065550142", "h" + "7" * 40
    with session_scope() as session:
        ref = engine.create_handoff(session, source="community", person_key=key, consent_by="person",
                                    consent_text="yes", area="98104", person_number=person).ref
    with session_scope() as session:
        assert route(session, "+12065550111", "k", f"ACCEPT {ref}").replies[0].startswith(f"You have {ref}.")
    with session_scope() as session:
        assert route(session, person, key, "thanks, by the library").handled
    with session_scope() as session:
        assert route(session, "+12065550111", "k", f"DONE {ref} engaged").replies == [f"Closed {ref} (engaged). Thank you."]
    with session_scope() as session:
        assert session.scalar(select(Handoff.state).where(Handoff.ref == ref)) == "closed"
        relayed = session.scalars(select(OutboxMessage.body).where(OutboxMessage.purpose == "relay")).all()
    assert relayed == [f"{ref}: thanks, by the library"]
    with session_scope() as session:  # past the retention period: nothing leads back to the person
        assert purge(session, 30, None, now=utcnow() + timedelta(days=31)).handoffs == 1
    with session_scope() as session:
        done = session.scalar(select(Handoff).where(Handoff.ref == ref))
        assert (done.person_key, done.person_number) == (f"purged:{done.id}", None)


def test_contact_numbers_and_the_purge_on_postgres(postgres_db):
    secret = TEST_ENV["HUB_SECRET_KEY"]
    with session_scope() as session:
        stand_in = first_stand_in(session, "call 206-555-0142", secret, "US")
        assert number_for(session, stand_in) == "+12065550142"
        enqueue(session, to_number="+12065550142", from_number="+12065550100", body="hello", purpose="relay").status = "sent"
    with session_scope() as session:
        purged = purge(session, 30, None, now=utcnow() + timedelta(days=31))
    assert (purged.outbox_messages, purged.contact_numbers) == (1, 1)


class CountingTransport:
    """Counts every send, from any thread; a little slow, as a real API is."""

    def __init__(self):
        self.sent, self.lock = [], threading.Lock()

    def send(self, to_number, from_number, body, status_callback=None):
        threading.Event().wait(0.002)
        with self.lock:
            self.sent.append(body)
        return Delivery(ok=True, provider_sid="SM" + body)

    def find_sent(self, to_number, from_number, body, since):
        return None


def test_four_workers_share_the_outbox_and_never_send_a_message_twice(postgres_db):
    with session_scope() as session:
        for i in range(400):
            enqueue(session, to_number="+12065550160", from_number="+12065550100", body=f"m{i}", purpose="test")
    transport = CountingTransport()

    def work():
        while deliver_due(transport, batch=7):
            pass

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert sorted(transport.sent) == sorted(f"m{i}" for i in range(400))  # each exactly once
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(OutboxMessage.status != "sent")) == 0


@pytest.mark.parametrize("lease_lapsed", [False, True])
def test_a_claimed_row_is_locked_to_other_workers_until_its_lease_lapses(postgres_db, lease_lapsed):
    from bot.notify.outbox import claim_due

    with session_scope() as session:
        enqueue(session, to_number="+12065550160", from_number="+12065550100", body="once", purpose="test")
    with session_scope() as first:
        (claim,) = claim_due(first)
        if lease_lapsed:  # the claimer died: its lease runs out
            first.get(OutboxMessage, claim.id).next_attempt_at = utcnow() - timedelta(seconds=1)
        else:
            with session_scope() as second:  # while the first transaction holds the row
                assert claim_due(second) == []
    with session_scope() as later:
        retaken = claim_due(later)
    assert [c.interrupted_since is not None for c in retaken] == ([True] if lease_lapsed else [])


def test_two_simultaneous_accepts_on_postgres_exactly_one_wins(postgres_db, monkeypatch):
    """Ana (alerted) and the coordinator ACCEPT at the same moment: each reads the handoff open
    before either writes. The row lock makes the second wait, and then see the first's ACCEPT."""
    add("Ana", "+12065550111", zips="98104")
    add("Coordinator", "+12065550119", zips="", coordinator=True)
    with session_scope() as session:
        ref = engine.create_handoff(session, source="community", person_key="h" + "7" * 40, consent_by="person",
                                    consent_text="yes", area="98104", person_number="+12065550142").ref
    both_decided = threading.Barrier(2)
    decide = engine.was_offered

    def was_offered_then_wait(*args):
        offered = decide(*args)
        try:  # wait for the other ACCEPT to get this far too; with the lock, it can't
            both_decided.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return offered

    monkeypatch.setattr(engine, "was_offered", was_offered_then_wait)
    replies = {}

    def accept(phone):
        with session_scope() as session:
            replies[phone] = route(session, phone, "k" + phone, f"ACCEPT {ref}").replies[0]

    threads = [threading.Thread(target=accept, args=(phone,)) for phone in ("+12065550111", "+12065550119")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [phone for phone, reply in replies.items() if reply.startswith(f"You have {ref}.")]
    assert len(replies) == 2 and len(winners) == 1, replies
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        notices = session.scalar(select(func.count()).where(OutboxMessage.to_number == "+12065550142"))
    assert handoff.state == "accepted" and notices == 1  # the person is told once


def test_console_account_ids_are_never_given_twice_on_postgres(postgres_db):
    """Review 5, on PostgreSQL: 0018 alters console_user in place (its sequence goes on) and gives
    each existing account a session secret."""
    from sqlalchemy import text

    from bot.console import accounts

    command.downgrade(alembic_config(), "0015_area_alerts")
    with postgres_db.begin() as connection:
        for n in (1, 2, 3):
            connection.execute(text("INSERT INTO console_user (email, role, password_hash, created_at) "
                                    f"VALUES ('u{n}@example.org', 'viewer', 'x', '2026-11-01 00:00:00')"))
        removed = connection.execute(text("SELECT max(id) FROM console_user")).scalar_one()
        connection.execute(text("DELETE FROM console_user WHERE id = :id"), {"id": removed})
    command.upgrade(alembic_config(), "head")
    with session_scope() as session:
        assert len(set(session.scalars(text("SELECT session_secret FROM console_user")).all())) == 2
        assert accounts.add_user(session, "pat@example.org", "manager", "correct horse battery").id > removed
