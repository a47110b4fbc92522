"""The hotline's conversation store: Rasa's SQL tracker store (the same `events` table, the same
rows), made cheaper on the hottest path of a turn.

- Its database work runs on the event loop's executor, never in the loop itself: the stock store
  reads and writes synchronously inside the loop, and every other conversation of the server
  waited meanwhile (about a quarter of a turn under load, issue 16).
- A save appends only the events added since the tracker was read. The stock store first counts
  the conversation's stored events again (one more query per save) to learn which are new.
- An SQLite store (the embedded configuration) is in WAL mode with synchronous=NORMAL: readers
  and the one writer do not block each other, and a commit does not wait for an fsync of the
  data (the log is still written before the commit returns).
- Statements never carry their parameters into a logged error (hide_parameters): the parameters
  are what a texter wrote.

Configured in endpoints*.yml as `type: bot.channels.tracker_store.ThreadedSQLTrackerStore`, with
the settings of `type: SQL`. bot/retention.py purges its events as it purges the stock store's.
"""
from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

_T = TypeVar("_T")
# How many of a tracker's events are in the store, as of its last read or save by this store.
_STORED = "_hub_events_stored"


class ThreadedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._use_sqlite_engine()

    def _use_sqlite_engine(self) -> None:
        url = self.engine.url  # type: ignore[has-type]  # Rasa's SQLTrackerStore sets engine; Rasa is not followed
        self.engine.dispose()  # type: ignore[has-type]  # as above
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); a file database
        # keeps a small pool instead, each connection used by one executor thread at a time.
        pool = {} if url.database in (None, "", ":memory:") else {
            "poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10}
        self.engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                       hide_parameters=True, **pool)
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _in_executor(self, function: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))

    async def keys(self) -> Iterable[str]:
        return await self._in_executor(self._keys)

    def _keys(self) -> list[str]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct()]

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        events = await self._in_executor(self._read_events, sender_id, fetch_events_from_all_sessions)
        if not events or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED, len(events))
        return tracker

    def _read_events(self, sender_id: str, fetch_events_from_all_sessions: bool) -> list[dict]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            return [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored = getattr(tracker, _STORED, None)
        if stored is None or tracker.events.maxlen is not None:
            # Not read by this store (a tracker made by the HTTP API, say), or capped in memory:
            # count what is stored, as the stock store does.
            stored = await self._in_executor(self._count_stored, tracker.sender_id)
        events = list(tracker.events)[stored:]
        rows = [_row(tracker.sender_id, event) for event in events]
        if rows:
            await self._in_executor(self._insert, rows)
        setattr(tracker, _STORED, stored + len(events))  # type: ignore[operator]  # stored is read back as an int a line above (getattr default 0)

    def _count_stored(self, sender_id: str) -> int:
        with self.session_scope() as session:
            return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _insert(self, rows: list[dict]) -> None:
        with self.session_scope() as session:
            session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()


def _row(sender_id: str, event: Any) -> dict:
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
