"""Shared fixtures. Every test runs against its own settings and database, never against .env."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIRECTORY = PROJECT_ROOT / "data" / "directory"


def every_holdout_message(name: str | Path) -> list[tuple[str, str]]:
    """(intent, text) of every example of an NLU file: a held-out set's name under tests/, or any
    file's path (the training data too). Entity annotations are removed ("[narcan](service_type)"
    and "[narcan]{...}" read "narcan"); lookup tables and synonyms, which have no intent, are left out."""
    import re

    import yaml

    path = name if isinstance(name, Path) else PROJECT_ROOT / "tests" / name
    data = yaml.safe_load(path.read_text()) or {}
    return [(block["intent"], re.sub(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})", r"\1", line.strip()[2:]).strip())
            for block in data.get("nlu", []) if block.get("intent")
            for line in (block.get("examples") or "").splitlines() if line.strip().startswith("- ")]

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
    # The demo directory's listings were verified on 2026-10-01: without this, every answer from
    # it would say "call ahead" once that is 90 days ago. Tests of freshness set their own.
    "HUB_STALE_AFTER": "36500d",
    # Tests that watch the outbox must not wait on a long code's 1 message a second; the pacing
    # itself is tested with a fake clock (tests/bot/notify/test_pacing.py).
    "HUB_SEND_RATE": "1000",
    # Spike detection (bot/alerts/spikes.py) out of the way of tests that do not test it: every
    # test's overdose texts would otherwise add up to a spike and text the coordinator. The tests
    # of spikes set HUB_SPIKE_MIN themselves.
    "HUB_SPIKE_MIN": "10000",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}


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

    from bot.db import get_engine
    from bot.db.migrate import alembic_config

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


def _reachable_or_skip(variable: str, what: str, check) -> str:
    """The server URL in `variable`, or skip saying why (not configured, or not answering)."""
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"{variable} is not set: no {what} to test against (`make test` sets it to the local server)")
    try:
        check(url)
    except Exception as exc:  # any failure to connect means the same thing here
        pytest.skip(f"{what} at {variable} is not reachable: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}")
    return url


@pytest.fixture(scope="session")
def postgres_server():
    """An admin connection to the PostgreSQL server of HUB_TEST_POSTGRES_URL (skips when there is none)."""
    from sqlalchemy import create_engine, text

    def check(url):
        engine = create_engine(url, future=True, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()

    url = _reachable_or_skip("HUB_TEST_POSTGRES_URL", "PostgreSQL", check)
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_database(postgres_server):
    """A fresh, empty PostgreSQL database on that server, dropped afterwards; yields its URL."""
    import uuid

    from sqlalchemy import text

    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.url.set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    with postgres_server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_db(postgres_database, monkeypatch):
    """Like migrated_db, on PostgreSQL: the hotline's tables at the latest migration."""
    from alembic import command

    from bot.config import get_settings
    from bot.db import get_engine
    from bot.db.migrate import alembic_config

    monkeypatch.setenv("HUB_DATABASE_URL", postgres_database)
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    yield get_engine()
    get_engine().dispose()


@pytest.fixture(scope="session")
def redis_url():
    """The Redis server of HUB_TEST_REDIS_URL (skips when there is none)."""
    import redis

    def check(url):
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()

    return _reachable_or_skip("HUB_TEST_REDIS_URL", "Redis", check)


TWILIO_SPEC = PROJECT_ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
PRISM = PROJECT_ROOT / "tools" / "node_modules" / ".bin" / "prism"
TWILIO_ACCOUNT = "AC" + "0" * 32


@pytest.fixture(scope="session")
def twilio_mock():
    """Twilio's API as its official OpenAPI description declares it (Prism checks every request
    against it); the base URL to give the Twilio client."""
    import shutil
    import subprocess
    import time

    import requests

    from tests.servers import free_port

    if not TWILIO_SPEC.exists():
        pytest.skip(f"Twilio's OpenAPI description is not at {TWILIO_SPEC} (../shared is missing)")
    if not PRISM.exists() or shutil.which("node") is None:
        pytest.skip("Prism is not installed: `make test` installs it into tools/ with npm")
    port = free_port()
    process = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(TWILIO_SPEC)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/2010-04-01/Accounts/{TWILIO_ACCOUNT}/Messages.json", auth=(TWILIO_ACCOUNT, "token"), timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None:
                pytest.fail("Prism exited while starting")
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("Prism did not start in 120 s")
    yield base
    process.terminate()
    process.wait(timeout=20)
