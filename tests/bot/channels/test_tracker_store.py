"""The hotline's tracker store: Rasa's SQL tracker store (same table, same rows), with its database
work off the event loop, saves that append only what is new, SQLite in WAL mode, and statements
that never log what texters wrote."""
import asyncio
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.utils.common import class_from_module_path
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.channels.rasa_hooks import TrackerStoreUnavailable
from bot.channels.tracker_store import ThreadedSQLTrackerStore
from bot.config import PROJECT_ROOT

DOMAIN = Domain.from_dict({"slots": {"location": {"type": "text", "mappings": [{"type": "custom"}]}}})
SENDER = "h" + "1" * 40


def turn(text, reply):
    return [UserUttered(text, {"name": "find_service", "confidence": 1.0}), SlotSet("location", "98104"),
            BotUttered(reply), ActionExecuted("action_listen")]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        made = ThreadedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    else:
        url = request.getfixturevalue("postgres_database")
        made = ThreadedSQLTrackerStore(DOMAIN, host=sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    yield made
    made.engine.dispose()


def stored_rows(store):
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id")).all()


def statements_during(store, work):
    """The SQL statements `work()` sent, each with the thread that sent it."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append((statement.split()[0].upper(), threading.get_ident()))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        result = work()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    return result, seen


def test_a_conversation_is_stored_as_rasas_store_stores_it_and_read_back(store):
    async def converse():
        tracker = await store.get_or_create_tracker(SENDER)
        tracker.update_with_events(turn("narcan near 98104", "Naloxone (Narcan) near 98104:"), DOMAIN)
        await store.save(tracker)
        again = await store.retrieve(SENDER)
        again.update_with_events(turn("more", "More naloxone (Narcan) near 98104:"), DOMAIN)
        await store.save(again)
        return again, await store.retrieve(SENDER)

    saved, read = asyncio.run(converse())
    assert list(read.events) == list(saved.events) and read.get_slot("location") == "98104"
    rows = stored_rows(store)
    assert len(rows) == len(saved.events)  # each event once: nothing saved twice
    stock = SQLTrackerStore(DOMAIN, host=str(store.engine.url))  # the same rows read by Rasa's own store
    assert list(asyncio.run(stock.retrieve(SENDER)).events) == list(saved.events)
    stock.engine.dispose()
    user = next(row for row in rows if row.type_name == "user")
    assert user.sender_id == SENDER and user.intent_name == "find_service" and '"narcan near 98104"' in user.data
    assert [row.action_name for row in rows if row.type_name == "action"][:1] == ["action_listen"]


def test_a_save_appends_the_new_events_without_reading_the_conversation_again(store):
    async def first():
        tracker = await store.get_or_create_tracker(SENDER)
        tracker.update_with_events(turn("hi", "Hi, this is the Health Hub Hotline."), DOMAIN)
        await store.save(tracker)
        return await store.retrieve(SENDER)

    tracker = asyncio.run(first())
    tracker.update_with_events(turn("narcan near 98104", "Naloxone (Narcan) near 98104:"), DOMAIN)
    _, statements = statements_during(store, lambda: asyncio.run(store.save(tracker)))
    # Rasa's store counts the stored events first (a SELECT) to learn which are new.
    assert [kind for kind, _ in statements] == ["INSERT"]
    assert len(stored_rows(store)) == len(tracker.events)
    _, statements = statements_during(store, lambda: asyncio.run(store.save(tracker)))
    assert statements == [] and len(stored_rows(store)) == len(tracker.events)  # saved again: nothing new


def test_the_database_work_runs_off_the_event_loop(store):
    async def turn_of_a_conversation():
        loop_thread = threading.get_ident()
        tracker = await store.get_or_create_tracker(SENDER)
        tracker.update_with_events(turn("hi", "Hi."), DOMAIN)
        await store.save(tracker)
        await store.retrieve(SENDER)
        await store.keys()
        return loop_thread

    loop_thread, statements = statements_during(store, lambda: asyncio.run(turn_of_a_conversation()))
    assert {kind for kind, _ in statements} >= {"SELECT", "INSERT"}
    assert all(thread != loop_thread for _, thread in statements), statements


def test_only_the_latest_session_is_read_and_a_full_tracker_saves_what_is_new(store):
    async def two_sessions():
        tracker = await store.get_or_create_tracker(SENDER)
        tracker.update_with_events(turn("hi", "Hi."), DOMAIN)
        await store.save(tracker)
        tracker = await store.retrieve(SENDER)
        tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
                                   + turn("hola", "Hola."), DOMAIN)
        await store.save(tracker)
        latest, full = await store.retrieve(SENDER), await store.retrieve_full_tracker(SENDER)
        full.update_with_events(turn("gracias", "De nada."), DOMAIN)
        await store.save(full)
        return tracker, latest, full

    tracker, latest, full = asyncio.run(two_sessions())
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["hola"]
    assert len(stored_rows(store)) == len(full.events)
    assert [e.text for e in asyncio.run(store.retrieve(SENDER)).events if isinstance(e, UserUttered)] == ["hola", "gracias"]


def test_a_tracker_the_store_did_not_read_is_saved_as_rasas_store_saves_it(store):
    asyncio.run(store.get_or_create_tracker(SENDER))
    stored = len(stored_rows(store))
    from rasa.shared.core.trackers import DialogueStateTracker

    # As the HTTP API builds one: every event, the stored ones included.
    rebuilt = DialogueStateTracker.from_events(SENDER, list(asyncio.run(store.retrieve(SENDER)).events) + turn("hi", "Hi."),
                                               DOMAIN.slots)
    asyncio.run(store.save(rebuilt))
    assert len(stored_rows(store)) == stored + 4


def test_sqlite_is_in_wal_mode_with_normal_synchronous_commits(tmp_path):
    store = ThreadedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.engine.dispose()
    with sqlite3.connect(tmp_path / "tracker.db") as other:  # WAL is the file's mode, for every process
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_statements_never_log_their_parameters(store):
    assert store.engine.hide_parameters
    stock = SQLTrackerStore(DOMAIN, host=str(store.engine.url))  # Rasa's own, for the stock parts
    assert stock.engine.hide_parameters
    stock.engine.dispose()
    with pytest.raises(sa.exc.StatementError) as error:
        with store.engine.connect() as connection:
            connection.execute(sa.text("SELECT sender_id FROM events WHERE sender_id = :s AND no_such_column = 1"),
                               {"s": "he's not breathing"})
    # (PostgreSQL's own message may quote the statement as psycopg2 sent it, values included.)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error.value)
    assert "[parameters:" not in str(error.value)


def test_a_store_that_cannot_be_read_is_an_error_not_a_new_conversation(tmp_path):
    path = tmp_path / "tracker.db"
    store = ThreadedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    asyncio.run(store.get_or_create_tracker(SENDER))
    store.engine.dispose()
    path.write_bytes(b"not a database " * 512)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"tracker.db{suffix}").unlink(missing_ok=True)
    # Rasa's agent wraps every tracker store in its fail-safe store; the hotline's hooks make an
    # error there an error.
    fail_safe = FailSafeTrackerStore(store)
    with pytest.raises(TrackerStoreUnavailable, match="ThreadedSQLTrackerStore"):
        asyncio.run(fail_safe.get_or_create_tracker(SENDER))


def test_the_endpoints_files_name_this_store_and_rasa_builds_it(tmp_path, monkeypatch):
    # A type Rasa cannot import is not an error to Rasa: it logs a warning and keeps conversations
    # in memory. So the name is checked here.
    embedded = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "tracker_store")
    built = TrackerStore.create(EndpointConfig(**{**embedded.kwargs, "type": embedded.type, "db": str(tmp_path / "t.db")}), DOMAIN)
    assert type(built) is ThreadedSQLTrackerStore and built.engine.url.database == str(tmp_path / "t.db")
    built.engine.dispose()
    monkeypatch.setenv("HUB_TRACKER_STORE_URL", "postgresql://hub:pw@db:5432/hub")
    for variable in ("HUB_ACTION_ENDPOINT", "HUB_REDIS_HOST", "HUB_REDIS_PORT", "HUB_REDIS_DB", "HUB_REDIS_PASSWORD"):
        monkeypatch.setenv(variable, "1")
    production = read_endpoint_config(str(PROJECT_ROOT / "endpoints.production.yml"), "tracker_store")
    assert class_from_module_path(production.type) is ThreadedSQLTrackerStore and production.kwargs["dialect"] == "postgresql"
