"""Alembic environment: migrates the database named by HUB_DATABASE_URL (or the URL passed in)."""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.config import get_settings
from bot.db import make_engine
from bot.db.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _ours(name, kind, parent_names) -> bool:
    """Not SQLite's own sqlite_sequence (which an AUTOINCREMENT table makes): autogenerate would
    drop it."""
    return not (kind == "table" and name == "sqlite_sequence")


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode recreates a table to alter it; with foreign keys on, dropping the old
            # table would cascade-delete its children's rows. (Must be set outside a transaction.)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # Batch mode lets later migrations alter SQLite tables (it copies and recreates them).
        # Autogenerate (`alembic check`, tests/bot/test_alembic_check.py) compares column types
        # (Alembic's default since 1.12, said here) and server defaults too (off by default): both
        # agree on SQLite and PostgreSQL, with no spurious difference (the server defaults are
        # plain literals, server_default="0"), so a model's change to either needs its migration.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_name=_ours, compare_type=True, compare_server_default=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
