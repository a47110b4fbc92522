"""Where every worker takes a number's next send time (bot/notify/pacing.py SendSlots), so that
HUB_SEND_RATE is the number's rate, whatever the number of workers: Redis when the endpoints file
configures a Redis lock store (production: the same server, database and key prefix as Rasa's
locks), the database otherwise (the embedded configuration, and PostgreSQL without Redis).

Both take the time and move it one interval on in one atomic step (a Lua script; an upsert),
on one clock for every worker (Redis's TIME; PostgreSQL's clock, SQLite's machine's), and before
the send: a worker killed after taking its time wastes that time, and the rate stays under.
"""
from __future__ import annotations

import time
from pathlib import Path

import redis
from sqlalchemy import text

from bot.db import session_scope
from bot.endpoints import endpoint_section
from bot.notify.pacing import SendSlots

# The lock stores of endpoints*.yml that keep their locks in Redis.
REDIS_LOCK_STORES = frozenset({"redis", "bot.channels.lock_store.AtomicRedisLockStore"})

# One statement each, so that the database orders concurrent takers: the upsert holds the row
# (PostgreSQL) or the database (SQLite) until the taker commits.
_TAKE_POSTGRESQL = text("""
    WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
    INSERT INTO send_slot (from_number, next_at) SELECT :number, clock.now + :interval FROM clock
    ON CONFLICT (from_number) DO UPDATE
        SET next_at = greatest(send_slot.next_at, (SELECT now FROM clock)) + :interval
    RETURNING next_at, (SELECT now FROM clock)
""")
_TAKE_SQLITE = text("""
    INSERT INTO send_slot (from_number, next_at) VALUES (:number, :now + :interval)
    ON CONFLICT (from_number) DO UPDATE SET next_at = max(send_slot.next_at, :now) + :interval
    RETURNING next_at
""")


class DatabaseSendSlots:
    """Send times in the hotline's database (the send_slot table), one row per number."""

    def take(self, number: str, interval: float) -> tuple[float, float]:
        with session_scope() as session:
            if session.get_bind().dialect.name == "postgresql":
                next_at, now = session.execute(_TAKE_POSTGRESQL, {"number": number, "interval": interval}).one()
            else:  # SQLite: one machine, one clock; the write lock orders the takers
                now = time.time()
                next_at = session.execute(_TAKE_SQLITE, {"number": number, "interval": interval, "now": now}).scalar_one()
        return float(next_at) - interval, float(now)


# KEYS[1]: the number's key; ARGV[1]: the interval in seconds. Redis's own clock (TIME, allowed
# before a write since Redis 5 replicates a script's effects), and the time kept as text, since
# Redis turns a Lua number it is given back into an integer. The key expires a minute after the
# time it holds has passed: by then it would change nothing (no burst is saved up while idle).
_TAKE_REDIS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval = tonumber(ARGV[1])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.6f', at + interval), 'PX', math.ceil((at + interval - now) * 1000) + 60000)
return {string.format('%.6f', at), string.format('%.6f', now)}
"""


class RedisSendSlots:
    """Send times in Redis, one key per number under the lock store's prefix."""

    def __init__(self, client: redis.Redis, key_prefix: str = ""):
        self._take = client.register_script(_TAKE_REDIS)
        self.key_prefix = f"{key_prefix}:send_slot:" if key_prefix else "send_slot:"

    def take(self, number: str, interval: float) -> tuple[float, float]:
        at, now = self._take(keys=[self.key_prefix + number], args=[repr(interval)])
        return float(at), float(now)


def shared_send_slots(endpoints_path: Path) -> SendSlots:
    """The store every worker of this deployment shares: the lock store's Redis when the endpoints
    file (HUB_ENDPOINTS, the one the Rasa servers run with) configures one, else the database."""
    lock_store = endpoint_section(endpoints_path, "lock_store")
    if str(lock_store.get("type", "")) not in REDIS_LOCK_STORES:
        return DatabaseSendSlots()
    # The settings Rasa's RedisLockStore reads, with its defaults (`url` is the host), so the same
    # server and database as the locks.
    client = redis.Redis(
        host=lock_store.get("url") or "localhost", port=int(lock_store.get("port") or 6379),
        db=int(lock_store.get("db") or 1), username=lock_store.get("username") or None,
        password=lock_store.get("password") or None, ssl=_yes(lock_store.get("use_ssl")),
        ssl_certfile=lock_store.get("ssl_certfile") or None, ssl_keyfile=lock_store.get("ssl_keyfile") or None,
        ssl_ca_certs=lock_store.get("ssl_ca_certs") or None,
        socket_timeout=float(lock_store.get("socket_timeout") or 10),
    )
    return RedisSendSlots(client, str(lock_store.get("key_prefix") or ""))


def _yes(value: object) -> bool:
    """A YAML boolean, or the text an environment variable put in its place ("true", "false")."""
    return value is True or str(value).strip().lower() in ("true", "yes", "1", "on")
