"""Export writes a valid HSDS 3.0 package; import -> export -> import keeps every field."""
import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.directory.exporter import ExportError, export_package
from bot.directory.hsds import read_package
from bot.directory.importer import TABLES, import_package


def snapshot():
    with session_scope() as session:
        return {
            name: sorted(tuple(row) for row in session.execute(select(model.__table__).order_by(model.__table__.c.id)))
            for name, model in TABLES
        }


def test_round_trip_keeps_every_field(demo_db, tmp_path, monkeypatch):
    before = snapshot()
    with session_scope() as session:
        counts = export_package(session, tmp_path / "export")
    assert counts["services.csv"] == len(before["service"])
    package = read_package(tmp_path / "export")  # validates against the official descriptor

    # A fresh database, the exported package imported into it.
    from alembic import command

    from bot.config import get_settings
    from bot.db import get_engine
    from bot.db.migrate import alembic_config

    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'second.db'}")
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    with session_scope() as session:
        import_package(session, package)
    after = snapshot()
    get_engine().dispose()
    assert after == before


def test_export_refuses_a_folder_with_files(demo_db, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me")
    with session_scope() as session, pytest.raises(ExportError, match="not an empty folder"):
        export_package(session, tmp_path / "taken")
    assert (tmp_path / "taken" / "notes.txt").read_text() == "keep me"


def test_export_into_an_empty_folder(demo_db, tmp_path):
    (tmp_path / "empty").mkdir()
    with session_scope() as session:
        export_package(session, tmp_path / "empty")
    assert (tmp_path / "empty" / "datapackage.json").exists()
