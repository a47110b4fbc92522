"""The production configuration, for real: endpoints.production.yml (PostgreSQL tracker store,
Redis lock store) with the hotline's own tables on the same PostgreSQL, two Rasa servers and an
action server; one conversation alternating between the two servers keeps its state, and
messages of one conversation sent to both at once are taken one at a time.

Runs against HUB_TEST_POSTGRES_URL and HUB_TEST_REDIS_URL (`make test` points them at the local
servers); skipped, saying why, where either is not reachable."""
from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from bot.privacy import sender_key
from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT, TEST_ENV
from tests.e2e.conftest import BIN, Hotline, text
from tests.e2e.tcp_proxy import TcpProxy
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.e2e


class Cluster:
    def __init__(self, servers: list[Hotline], database_url: str, redis_url: str, postgres: TcpProxy):
        self.servers, self.database_url, self.redis_url, self.postgres = servers, database_url, redis_url, postgres

    def lock_writes(self) -> int:
        """How many SETs the Redis server has run: the lock store writes each conversation's lock."""
        import redis

        return redis.Redis.from_url(self.redis_url).info("commandstats").get("cmdstat_set", {}).get("calls", 0)

    def events(self, sender: str) -> list[tuple[str, str]]:
        key = sender_key(sender, TEST_ENV["HUB_SECRET_KEY"])
        engine = create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(
                    sql("SELECT type_name, data FROM events WHERE sender_id = :key ORDER BY id"), {"key": key})]
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def cluster(trained_model, postgres_server, redis_url, tmp_path_factory):
    import uuid

    work = tmp_path_factory.mktemp("production")
    name = f"hub_e2e_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as connection:
        connection.execute(sql(f'CREATE DATABASE "{name}"'))
    # Every process reaches PostgreSQL through a proxy that a fault test can cut.
    postgres = TcpProxy(postgres_server.url.host or "127.0.0.1", postgres_server.url.port or 5432)
    database = postgres_server.url.set(database=name, host="127.0.0.1", port=postgres.port)
    redis = urlsplit(redis_url)
    action_port = free_port()
    env = {
        **os.environ, **TEST_ENV, "PYTHONUNBUFFERED": "1",
        "HUB_DATABASE_URL": database.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
        "HUB_ENDPOINTS": "endpoints.production.yml",
        "HUB_ACTION_ENDPOINT": f"http://127.0.0.1:{action_port}/webhook",
        "HUB_TRACKER_STORE_URL": database.set(drivername="postgresql").render_as_string(hide_password=False),
        "HUB_REDIS_HOST": redis.hostname, "HUB_REDIS_PORT": str(redis.port or 6379),
        "HUB_REDIS_DB": (redis.path or "/0").strip("/") or "0", "HUB_REDIS_PASSWORD": redis.password or "",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    for command in (["db", "upgrade"], ["directory", "import", str(DEMO_DIRECTORY)],
                    ["roster", "add-specialist", "--name", "Ana", "--phone", "+12065550111", "--zips", "98104", "--languages", "en,es"]):
        subprocess.run([str(BIN / "hub"), *command], env=env, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)
    logs, servers = [], []
    with ExitStack() as stack:
        def start(name_, args, health):
            log = work / f"{name_}.log"
            logs.append(log)
            process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            stack.callback(lambda: (process.terminate(), process.wait(30)))
            return process, log, health

        started = [start("actions", [str(BIN / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
                         f"http://127.0.0.1:{action_port}/health")]
        for i in range(2):
            port = free_port()
            started.append(start(f"rasa{i}", [str(BIN / "rasa"), "run", "--port", str(port), "--model", str(trained_model),
                                              "--credentials", "credentials.yml", "--endpoints", "endpoints.production.yml"],
                                 f"http://127.0.0.1:{port}/webhooks/twilio_sms/"))
            servers.append(Hotline(f"http://127.0.0.1:{port}", env["HUB_DATABASE_URL"], work / "unused", logs, env))
        for process, log, health in started:  # the three start side by side
            wait_until_up(health, process, log)
        yield Cluster(servers, env["HUB_TRACKER_STORE_URL"], redis_url, postgres)
    postgres.close()
    with postgres_server.connect() as connection:
        connection.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_conversation_alternating_between_two_servers_keeps_its_state(cluster):
    a, b = cluster.servers
    person = "+13605550150"
    locks_before = cluster.lock_writes()
    assert text(a, person, "i need narcan")[1] == ["What ZIP code are you near? I'll find the closest places."]
    status, replies = text(b, person, "98104")  # the other server knows what was asked
    assert status == 200 and replies[0].startswith("Naloxone (Narcan) near 98104:\n1) Downtown Naloxone Vending Machine")
    assert text(a, person, "more")[1][0].startswith("More naloxone (Narcan) near 98104:\n4) ")
    assert "Is it OK for them to text you?" in text(b, person, "can i talk to someone")[1][0]
    status, replies = text(a, person, "yes")
    assert re.search(r"H-\d+", replies[0]), replies
    kinds = [kind for kind, _ in cluster.events(person)]
    assert kinds.count("user") == 5 and kinds.count("bot") >= 5  # all in the PostgreSQL tracker store
    assert cluster.lock_writes() >= locks_before + 5  # every turn took the conversation's lock in Redis


ASKED = {"narcan 98104": "Naloxone (Narcan) near 98104:", "syringes 98104": "Syringe services near 98104:",
         "wound care 98104": "Wound care near 98104:", "testing 98104": "HIV and hep C testing near 98104:"}


def test_messages_of_one_conversation_sent_to_both_servers_at_once_are_taken_in_turn(cluster):
    a, b = cluster.servers
    person = "+13605550151"
    text(a, person, "hi")
    sends = list(zip([a, b, b, a], ASKED))
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda send: text(send[0], person, send[1]), sends))
    for (_, asked), (status, replies) in zip(sends, answers):
        assert status == 200 and replies[0].splitlines()[0] == ASKED[asked], (asked, replies)
    # The lock store kept each message's turn whole: in the tracker store every message is
    # followed by its own answer, whichever server took it.
    turns = [json.loads(data).get("text") for kind, data in cluster.events(person) if kind in ("user", "bot")]
    for asked, header in ASKED.items():
        assert turns[turns.index(asked) + 1].splitlines()[0] == header


def test_the_worker_purges_the_production_tracker_store(cluster):
    done = subprocess.run([str(BIN / "hub"), "purge", "--json"], cwd=PROJECT_ROOT, env=cluster.servers[0].env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["purged"]["tracker_events"] == 0  # nothing is 30 days old, but it was reached


def test_postgresql_gone_for_ten_seconds_plain_words_meanwhile_and_nothing_lost(cluster):
    """The database both Rasa and the hotline use stops for 10 s: every texter meanwhile gets a
    plain-words reply (the emergency steps for an overdose), never a 5xx; afterwards the
    conversations go on where they were."""
    import time

    from bot.channels.twilio_sms import TROUBLE_REPLY
    from bot.safety import EMERGENCY_REPLY

    a, b = cluster.servers
    person = "+13605550152"
    assert text(a, person, "i need syringes")[1] == ["What ZIP code are you near? I'll find the closest places."]
    cluster.postgres.cut()
    try:
        during = [text(server, f"+1360555016{i}", "narcan 98104") for i, server in enumerate((a, b, a))]
        overdose = text(b, "+13605550169", "my friend is not breathing")
        time.sleep(10)
    finally:
        cluster.postgres.restore()
    assert all(status == 200 and replies == [TROUBLE_REPLY] for status, replies in during), during
    assert overdose == (200, [EMERGENCY_REPLY])  # at once, before the database is even asked
    # Pooled connections broken by the outage are checked before use and replaced, so the first
    # message after it is answered, from the conversation as it was before the outage.
    status, answer = text(b, person, "98122")
    assert status == 200 and answer[0].startswith("Syringe services near 98122:"), answer
