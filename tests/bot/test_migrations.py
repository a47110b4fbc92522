"""The migrations build exactly the schema the models describe, and carry data forward."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.db import get_engine, session_scope
from bot.db.migrate import alembic_config
from bot.db.models import Base, ServicePoint
from bot.directory.hsds import read_package
from bot.directory.importer import import_package
from tests.conftest import DEMO_DIRECTORY


def test_models_and_migrations_agree(migrated_db):
    with migrated_db.connect() as connection:
        # sqlite_sequence: SQLite's own, made by an AUTOINCREMENT table (console_user)
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, parent: not (kind == "table" and name == "sqlite_sequence")})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_console_account_ids_are_never_given_twice_after_the_upgrade(migrated_db):
    """Review 5: 0018 rebuilds console_user with AUTOINCREMENT and gives each account its own
    session secret."""
    from sqlalchemy import text

    command.downgrade(alembic_config(), "0015_area_alerts")
    with get_engine().begin() as connection:
        for n in (1, 2, 3):
            connection.execute(text("INSERT INTO console_user (email, role, password_hash, created_at) "
                                    f"VALUES ('u{n}@example.org', 'viewer', 'x', '2026-11-01 00:00:00')"))
        connection.execute(text("DELETE FROM console_user WHERE id = 3"))
    command.upgrade(alembic_config(), "head")
    with get_engine().begin() as connection:
        assert "AUTOINCREMENT" in connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'console_user'")).scalar_one().upper()
        secrets = connection.execute(text("SELECT session_secret FROM console_user ORDER BY id")).scalars().all()
        assert len(secrets) == 2 and len(set(secrets)) == 2 and all(len(s) >= 32 for s in secrets)
        connection.execute(text("INSERT INTO console_user (email, role, password_hash, session_secret, created_at) "
                                "VALUES ('u4@example.org', 'viewer', 'x', 's', '2026-11-01 00:00:00')"))
        removed_after = connection.execute(text("SELECT id FROM console_user WHERE email = 'u4@example.org'")).scalar_one()
        connection.execute(text("DELETE FROM console_user WHERE id = :id"), {"id": removed_after})
        connection.execute(text("INSERT INTO console_user (email, role, password_hash, session_secret, created_at) "
                                "VALUES ('u5@example.org', 'viewer', 'x', 't', '2026-11-01 00:00:00')"))
        assert connection.execute(text("SELECT id FROM console_user WHERE email = 'u5@example.org'")).scalar_one() > removed_after
    command.downgrade(alembic_config(), "0015_area_alerts")
    command.upgrade(alembic_config(), "head")
    get_engine().dispose()


def test_upgrading_a_populated_directory_fills_the_search_index(demo_db):
    with session_scope() as session:
        before = session.scalar(select(func.count()).select_from(ServicePoint))
    assert before > 0
    command.downgrade(alembic_config(), "0001")
    # A 0001 directory (no service_point table), as an older deployment would have it.
    command.upgrade(alembic_config(), "head")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ServicePoint)) == before


def test_downgrade_to_nothing_and_back(migrated_db):
    command.downgrade(alembic_config(), "base")
    command.upgrade(alembic_config(), "head")
    with session_scope() as session:
        import_package(session, read_package(DEMO_DIRECTORY))
    get_engine().dispose()


def test_urgent_is_added_to_existing_handoffs(migrated_db):
    from bot.db.models import Handoff
    from bot.handoff import engine

    with session_scope() as session:
        ref = engine.create_handoff(session, source="community", person_key="h1", consent_by="person", consent_text="yes").ref
    command.downgrade(alembic_config(), "0004")
    command.upgrade(alembic_config(), "head")
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        assert handoff is not None and handoff.urgent == 0


def test_officers_registered_before_kinds_become_police(migrated_db):
    from sqlalchemy import text

    command.downgrade(alembic_config(), "0010_delivery")
    with get_engine().begin() as connection:
        connection.execute(text("INSERT INTO officer (name, phone, phone_key, agency, active, created_at, pin_failures) "
                                "VALUES ('Ofc. Lee', '+12065550181', 'k1', 'Seattle PD', 1, '2026-11-01 00:00:00', 0)"))
    command.upgrade(alembic_config(), "head")
    with get_engine().connect() as connection:
        assert connection.execute(text("SELECT kind FROM officer")).scalar_one() == "police"
