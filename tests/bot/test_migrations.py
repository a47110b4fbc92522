"""The migrations build exactly the schema the models describe, and carry data forward."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.cli import alembic_config
from bot.db import get_engine, session_scope
from bot.db.models import Base, ServicePoint
from bot.directory.hsds import read_package
from bot.directory.importer import import_package
from tests.conftest import DEMO_DIRECTORY


def test_models_and_migrations_agree(migrated_db):
    with migrated_db.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


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
