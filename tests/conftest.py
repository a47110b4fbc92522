"""Shared fixtures. Every test runs against its own settings and database, never against .env."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIRECTORY = PROJECT_ROOT / "data" / "directory"

TEST_ENV = {
    "HUB_ENV_FILE": os.devnull,  # never the developer's .env
    "HUB_SECRET_KEY": "test-secret-key-0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
    "TWILIO_ACCOUNT_SID": "",
    "HUB_PUBLIC_URL": "https://hotline.example.org",
    "HUB_PHONE_NUMBER": "+12065550100",
    "HUB_TRANSPORT": "outbox",
    "HUB_DEFAULT_REGION": "US",
    "HUB_SEARCH_RADIUS_MILES": "50",
    "HUB_SIMULATOR": "auto",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def free_port() -> int:
    """A port nothing listens on now (servers started by tests must not collide with a running hotline)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def hub_env(monkeypatch, tmp_path):
    """Test settings over whatever the developer's shell or .env says; a fresh SQLite file per test."""
    from bot.config import get_settings

    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def migrated_db(hub_env):
    """An empty database at the latest migration; returns its engine."""
    from alembic import command

    from bot.cli import alembic_config
    from bot.db import get_engine

    command.upgrade(alembic_config(), "head")
    yield get_engine()
    get_engine().dispose()


@pytest.fixture
def demo_db(migrated_db):
    """The database with the demo directory (data/directory) imported."""
    from bot.db import session_scope
    from bot.directory.hsds import read_package
    from bot.directory.importer import import_package

    with session_scope() as session:
        import_package(session, read_package(DEMO_DIRECTORY))
    return migrated_db
