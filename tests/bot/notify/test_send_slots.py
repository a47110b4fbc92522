"""HUB_SEND_RATE is the number's rate, shared by every worker: two workers, each with its own pace,
take their send times from one store (SQLite and PostgreSQL's send_slot table; Redis, against the
real servers of HUB_TEST_POSTGRES_URL and HUB_TEST_REDIS_URL, skipped, saying why, where none
answers) and together never send faster than the rate."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from bot.notify.pacing import SendPace
from bot.notify.send_slots import DatabaseSendSlots, RedisSendSlots, shared_send_slots

RATE = 20.0  # a second of sending for the two workers together takes 20 sends
SENDS_EACH = 15
NUMBER = "+12065550100"


def two_workers_send(make_slots, rate=RATE, sends_each=SENDS_EACH, number=NUMBER):
    """Two workers (threads, each with its own pace and its own connection to the store) take
    `sends_each` send times each; returns (the times taken, on the store's clock; the moments the
    sends went, on this machine's), each sorted."""
    taken, went, lock = [], [], threading.Lock()
    start = threading.Barrier(2)

    def worker():
        pace = SendPace(rate, make_slots())
        start.wait()
        for _ in range(sends_each):
            at = pace.wait(number)
            with lock:
                taken.append(at)
                went.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(taken), sorted(went)


def assert_shared_rate(taken, went, rate=RATE):
    interval = 1.0 / rate
    assert len(taken) == len(set(taken)) == 2 * SENDS_EACH  # no time given to both workers
    gaps = [b - a for a, b in zip(taken, taken[1:])]
    assert min(gaps) >= interval * (1 - 1e-6)  # never over the rate, at any moment
    # Together at the rate, not twice it: the first send goes at once, each later one an interval on.
    span = went[-1] - went[0]
    assert span >= (len(went) - 1) * interval * 0.98
    assert (len(went) - 1) / span == pytest.approx(rate, rel=0.1)


def test_two_workers_share_the_rate_on_sqlite(migrated_db):
    assert_shared_rate(*two_workers_send(DatabaseSendSlots))


def test_two_workers_share_the_rate_on_postgres(postgres_db):
    assert_shared_rate(*two_workers_send(DatabaseSendSlots))


@pytest.fixture
def redis_slots(redis_url):
    """A maker of Redis send slots under a key prefix of this test's own, its keys deleted after."""
    import redis

    prefix = f"hubtest{uuid.uuid4().hex[:8]}"
    clients = []

    def make():
        client = redis.Redis.from_url(redis_url)
        clients.append(client)
        return RedisSendSlots(client, prefix)

    yield make
    for client in clients:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


def test_two_workers_share_the_rate_on_redis(redis_slots):
    assert_shared_rate(*two_workers_send(redis_slots))


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def slots(request):
    """One store of each kind (the database ones on a migrated database)."""
    if request.param == "redis":
        return request.getfixturevalue("redis_slots")()
    request.getfixturevalue("migrated_db" if request.param == "sqlite" else "postgres_db")
    return DatabaseSendSlots()


def test_each_number_has_its_own_rate_and_no_burst_is_saved_up_while_idle(slots):
    first, now = slots.take(NUMBER, 0.5)
    assert first == pytest.approx(now, abs=1e-3)  # a number never seen goes at once
    second, _ = slots.take(NUMBER, 0.5)
    assert second == pytest.approx(first + 0.5, abs=1e-6)  # the next one an interval on
    other, other_now = slots.take("+12065550101", 0.5)
    assert other == pytest.approx(other_now, abs=1e-3)  # another number is not held up by this one
    time.sleep(1.2)  # idle past both times taken
    after, now = slots.take(NUMBER, 0.5)
    third, _ = slots.take(NUMBER, 0.5)
    assert after == pytest.approx(now, abs=1e-3) and third == pytest.approx(after + 0.5, abs=1e-6)  # no burst


def test_the_worker_takes_its_times_from_the_lock_stores_redis_in_production_and_the_database_otherwise(monkeypatch):
    from bot.config import PROJECT_ROOT

    assert isinstance(shared_send_slots(PROJECT_ROOT / "endpoints.yml"), DatabaseSendSlots)
    for name, value in {"HUB_ACTION_ENDPOINT": "http://actions:5055/webhook", "HUB_TRACKER_STORE_URL": "postgresql://db/hub",
                        "HUB_REDIS_HOST": "redis.internal", "HUB_REDIS_PORT": "6380", "HUB_REDIS_DB": "3",
                        "HUB_REDIS_PASSWORD": ""}.items():
        monkeypatch.setenv(name, value)
    slots = shared_send_slots(PROJECT_ROOT / "endpoints.production.yml")
    assert isinstance(slots, RedisSendSlots) and slots.key_prefix == "hub:send_slot:"
    connection = slots._take.registered_client.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"], connection.get("password")) == ("redis.internal", 6380, 3, None)
