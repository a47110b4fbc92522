"""Rasa's Redis lock store, with each change to a conversation's lock made atomically.

Rasa 3.6's RedisLockStore changes a lock by reading it, changing it in Python and writing it
back. Two Rasa servers taking messages of one conversation at the same moment can both read the
lock before either writes, and both get the same ticket: both then handle the conversation at
once, and the tracker store keeps only one of the two turns (found by
tests/e2e/test_production.py, a conversation sent to two servers at once). Releasing had the same
race: a lock checked for waiters, then deleted, could take a just-issued ticket with it.

Here every read-change-write is a Redis transaction (WATCH, then MULTI/EXEC, tried again if the
lock changed in between), and releasing a ticket and deleting the lock when nobody waits are one
such change (`cleanup`, the only caller of the base class's `finish_serving`, which is therefore
not needed here). Configured in endpoints.production.yml as
`type: bot.channels.lock_store.AtomicRedisLockStore`, with the same settings as `type: redis`.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# What a change returns: the lock to write (None: delete it), and the change's result.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa hands a custom lock store its endpoint configuration; `url` is the Redis host, as
        # for `type: redis`.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def release_and_delete_when_idle(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return lock, None

        self._change(conversation_id, release_and_delete_when_idle)
