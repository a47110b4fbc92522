"""Database adapter: engine and session factory (SQLAlchemy 1.4 in 2.0 style)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import get_settings

# Never a bound parameter in an error message or a log: they are phone numbers and the words of
# relayed messages (a failed INSERT into the outbox would otherwise print both).
SAFE_ENGINE_OPTIONS = {"future": True, "hide_parameters": True}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        connect_args, pool = {"timeout": 30}, {}
        if make_url(url).database not in (None, "", ":memory:"):
            # SQLAlchemy 1.4 opens a new SQLite connection per session by default (NullPool),
            # which under load cost more than the queries; a file database keeps a small pool
            # instead, its connections used by one thread at a time.
            connect_args["check_same_thread"] = False
            pool = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = create_engine(url, connect_args=connect_args, **SAFE_ENGINE_OPTIONS, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the Rasa server, the action server and the worker read while one writes;
            # foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **SAFE_ENGINE_OPTIONS)


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@lru_cache(maxsize=8)
def _session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = _session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
