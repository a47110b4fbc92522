"""The hotline's Redis lock store against the real Redis of HUB_TEST_REDIS_URL (skipped, saying
why, where none answers): one conversation's tickets are never given twice, however many Rasa
servers ask at once, and a lock is deleted only when nobody waits for it."""
import asyncio
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.channels.lock_store import AtomicRedisLockStore
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def new_store(redis_url):
    url = urlsplit(redis_url)

    def make() -> AtomicRedisLockStore:
        return AtomicRedisLockStore(EndpointConfig(url=url.hostname, port=url.port or 6379, db=(url.path or "/0").strip("/") or "0",
                                                   password=url.password, key_prefix="hubtest"))
    return make


def conversation() -> str:
    return f"tel:{uuid.uuid4().hex}"


def test_servers_asking_at_once_never_get_the_same_ticket(new_store):
    # Rasa's own RedisLockStore, in this same test, gave 44 distinct tickets for 200.
    conversation_id, tickets, start = conversation(), [], threading.Barrier(8)

    def server():
        store = new_store()
        start.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket(conversation_id))

    threads = [threading.Thread(target=server) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    new_store().delete_lock(conversation_id)
    assert sorted(tickets) == list(range(200))


def test_a_lock_is_deleted_only_when_nobody_waits(new_store):
    a, b = new_store(), new_store()
    conversation_id = conversation()
    first, second = a.issue_ticket(conversation_id), b.issue_ticket(conversation_id)
    a.cleanup(conversation_id, first)
    lock = b.get_lock(conversation_id)
    assert lock is not None and not lock.is_locked(second)  # b's turn now, its ticket kept
    b.cleanup(conversation_id, second)
    assert b.get_lock(conversation_id) is None


def test_two_servers_handle_one_conversation_one_message_at_a_time(new_store):
    conversation_id, inside, overlaps = conversation(), [], []

    async def handle(store):
        async with store.lock(conversation_id, wait_time_in_seconds=0.01):
            inside.append(1)
            overlaps.append(len(inside))
            await asyncio.sleep(0.02)
            inside.pop()

    async def main():
        stores = [new_store(), new_store()]
        await asyncio.gather(*(handle(stores[i % 2]) for i in range(20)))

    asyncio.run(main())
    assert len(overlaps) == 20 and max(overlaps) == 1
    assert new_store().get_lock(conversation_id) is None  # nothing left behind


def test_the_production_endpoints_use_it(monkeypatch, redis_url):
    url = urlsplit(redis_url)
    for name, value in {"HUB_REDIS_HOST": url.hostname, "HUB_REDIS_PORT": str(url.port or 6379),
                        "HUB_REDIS_DB": (url.path or "/0").strip("/") or "0", "HUB_REDIS_PASSWORD": url.password or "",
                        # read by the other sections of the file, which Rasa expands too
                        "HUB_ACTION_ENDPOINT": "http://127.0.0.1:5055/webhook",
                        "HUB_TRACKER_STORE_URL": "postgresql://hub@127.0.0.1:5432/hub"}.items():
        monkeypatch.setenv(name, value)
    store = LockStore.create(read_endpoint_config(str(PROJECT_ROOT / "endpoints.production.yml"), "lock_store"))
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix.startswith("hub:")
    conversation_id = conversation()
    assert store.issue_ticket(conversation_id) == 0
    store.cleanup(conversation_id, 0)
    assert store.get_lock(conversation_id) is None
