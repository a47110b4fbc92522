"""911 first on every voice path (review 2), over the real signed webhook (Rasa a stand-in): the
steps are said before the database is asked, whatever the database is doing (its write lock
held by another process, or PostgreSQL cut off); every other turn is answered within the answer
deadline, in plain words that say 911; a redelivered emergency turn says the steps again."""
from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from bot.config import get_settings
from tests.bot.channels.test_twilio_voice import PUBLIC, WEBHOOK, Call, FakeRasa, eventually, only, query, said

DEADLINE = 2.0
AT_ONCE = 1.0  # seconds: the steps do not wait for anything
# Every database call is bounded by what is left of the deadline (Deadline, bot/channels/admission.py).
IN_TIME = DEADLINE + 1.5
OVERDOSE = "my friend is not breathing"


@pytest.fixture
def base_url(channels_base_url):
    return channels_base_url


@pytest.fixture
def deadline(monkeypatch):
    monkeypatch.setenv("HUB_ANSWER_DEADLINE", f"{DEADLINE:g}s")
    get_settings.cache_clear()
    return DEADLINE


def timed(post, *args, **fields):
    started = time.monotonic()
    status, root = post(*args, **fields)
    assert status == 200
    return root, time.monotonic() - started


def steps(root) -> bool:
    """911 first, slowly, then the naloxone and rescue-breathing steps."""
    first = root[0]
    return (first.tag == "Say" and "911" in "".join(first.itertext()) and first.find("prosody") is not None
            and "naloxone" in said(root) and "rescue breaths" in said(root))


# Holds SQLite's write lock, as a console directory import, a large `hub alerts send` or the purge
# does, until its stdin closes.
HOLD_WRITE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(database_path: str):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, database_path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(10)


def a_call_while_the_database_cannot_answer(call: Call, rasa: FakeRasa):
    """A whole call: the greeting, an overdose, the steps again (key 1), Twilio's redelivery of the
    overdose turn, and a search. Returns the search's answer."""
    greeting, elapsed = timed(call.post, WEBHOOK, rasa, StirVerstat="TN-Validation-Passed-A")
    assert elapsed < IN_TIME and "Health Hub" in said(greeting) and "911" in said(greeting)
    turn = only(greeting, "Gather").get("action")
    answer, elapsed = timed(call.post, turn, rasa, SpeechResult=OVERDOSE)
    assert steps(answer) and elapsed < AT_ONCE, (elapsed, said(answer))
    repeat = answer[-1].get("action")
    assert query(repeat)["step"] == "emergency"
    again, elapsed = timed(call.post, repeat, rasa, Digits="1")
    assert steps(again) and elapsed < AT_ONCE
    redelivered, elapsed = timed(call.post, turn, rasa, SpeechResult=OVERDOSE)
    assert steps(redelivered) and elapsed < AT_ONCE
    search, elapsed = timed(call.post, repeat, rasa, SpeechResult="where can I get narcan near 98104")
    assert elapsed < IN_TIME and "If someone is not breathing" in said(search) and "call 911" in said(search)
    return search


def test_a_call_while_another_process_holds_sqlite_s_write_lock_gets_the_steps_in_time(base_url, migrated_db, deadline):
    call, rasa = Call(base_url), FakeRasa()
    with write_lock_held(make_url(get_settings().database_url).database):
        a_call_while_the_database_cannot_answer(call, rasa)
    # Behind the steps, the turn reaches the conversation once the lock is gone, once.
    assert eventually(lambda: [m.text for m in rasa.received] == [OVERDOSE], wait=40)


@pytest.fixture
def postgres_behind_a_proxy(postgres_database, monkeypatch):
    """The hotline's tables on PostgreSQL, reached through a proxy a test can cut (the shared
    server is never stopped)."""
    from alembic import command

    from bot.db import get_engine
    from bot.db.migrate import alembic_config
    from tests.e2e.tcp_proxy import TcpProxy

    url = make_url(postgres_database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    monkeypatch.setenv("HUB_DATABASE_URL", url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    get_settings.cache_clear()
    command.upgrade(alembic_config(), "head")
    yield proxy
    get_engine().dispose()
    proxy.close()


def test_a_call_with_postgresql_cut_off_gets_the_steps_in_time(base_url, postgres_behind_a_proxy, deadline):
    call, rasa = Call(base_url), FakeRasa()
    postgres_behind_a_proxy.cut()
    try:
        search = a_call_while_the_database_cannot_answer(call, rasa)
    finally:
        postgres_behind_a_proxy.restore()
    assert search[-1].tag == "Hangup" and "call again in a minute" in said(search)


def test_a_redelivered_emergency_turn_says_the_steps_again_and_reaches_the_conversation_once(base_url, migrated_db):
    call, rasa = Call(base_url), FakeRasa()
    _, root = call.post(WEBHOOK, rasa)
    turn = only(root, "Gather").get("action")
    for _ in range(2):
        _, answer = call.post(turn, rasa, SpeechResult="he's not breathing")
        assert steps(answer)
    assert eventually(lambda: [m.text for m in rasa.received] == ["/restart", "he's not breathing"])
    time.sleep(0.3)
    assert [m.text for m in rasa.received] == ["/restart", "he's not breathing"]


@pytest.mark.parametrize("speech, language, words", [
    ("he's not breathing", "en", "rescue breaths"), ("mi amigo no respira", "es", "respiración de rescate")])
def test_the_trouble_answer_says_the_steps_when_the_speech_names_an_overdose(base_url, migrated_db, monkeypatch,
                                                                             speech, language, words):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug behind the webhook")

    monkeypatch.setattr("bot.handoff.call_flow.after_dial", broken)
    url = f"{PUBLIC}/webhooks/twilio_voice/dial?ref=H-1234&sp=1&lang=en"
    status, root = Call(base_url).post(url, FakeRasa(), DialCallStatus="completed", SpeechResult=speech)
    assert status == 200 and "911" in "".join(root[0].itertext()) and words in said(root)
    assert root[-1].tag == "Gather" and query(root[-1].get("action"))["lang"] == language
    status, plain = Call(base_url).post(url, FakeRasa(), DialCallStatus="completed")
    assert [child.tag for child in plain] == ["Say", "Hangup"]
    assert "If someone is not breathing, hang up and call 911." in said(plain)
