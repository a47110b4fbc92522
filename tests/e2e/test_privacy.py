"""Privacy through the whole hotline (DESIGN.md, principles 3 and 4): after real conversations,
no raw phone number anywhere (the hotline's database and Rasa's tracker store) outside the columns
that must deliver messages; the retention purge clears those too once a conversation is over and
old; and no secret in any log."""
from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from tests.conftest import PROJECT_ROOT, TEST_ENV
from tests.e2e.conftest import alerted_for, text

pytestmark = pytest.mark.e2e

OFFICER, SPECIALIST, PERSON, COMMUNITY = "+12065550181", "+12065550111", "+13605550177", "+13605550178"
# Any North American number however written; not digits inside a longer token (an HMAC key,
# a model id) or a float (5.555014948841725e-18).
PHONE_NUMBER = re.compile(r"(?<![\w.])(?:\+?1[-. ]?)?\(?[2-9]\d{2}\)?[-. ]?\d{3}[-. ]?\d{4}(?!\w)")
# Where a real number must be, because a message has to reach it (or the public directory lists it).
DELIVERY = {("outbox_message", "to_number"), ("outbox_message", "from_number"), ("outbox_message", "body"),
            ("specialist", "phone"), ("officer", "phone"), ("handoff", "person_number"), ("contact_number", "number"),
            ("alert_subscription", "to_number"),  # while subscribed to drug-supply alerts (bot/alerts)
            ("send_slot", "from_number")}  # the hotline's own number, whose send rate is shared (bot/notify/send_slots.py)
DIRECTORY = {"organization", "service", "location", "address", "service_at_location", "phone", "language", "cost_option",
             "schedule", "taxonomy", "taxonomy_term", "attribute", "service_point"}


def numbers_outside_delivery(database: str) -> dict[str, list[str]]:
    """Phone numbers found in the hotline's database, by table.column, outside DELIVERY and the directory."""
    found = {}
    with sqlite3.connect(database) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in set(tables) - DIRECTORY:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                if (table, column) in DELIVERY:
                    continue
                for (value,) in db.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'):
                    hits = PHONE_NUMBER.findall(str(value))
                    if hits:
                        found.setdefault(f"{table}.{column}", []).extend(hits)
    return found


def numbers_in_tracker_store(path, public: set[str]) -> tuple[list[str], set[str]]:
    """(numbers in what people said and in slots, numbers in the bot's own messages), the public
    ones left out of the first (a user event carries the answers the ResponseSelector considered)."""
    with sqlite3.connect(path) as db:
        events = list(db.execute("SELECT type_name, data FROM events"))
    said = [hit for kind, data in events if kind != "bot" for hit in PHONE_NUMBER.findall(data) if digits(hit) not in public]
    spoken = {digits(hit) for kind, data in events if kind == "bot" for hit in PHONE_NUMBER.findall(data)}
    return said, spoken


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def public_numbers(database: str) -> set[str]:
    """The directory's, the hotline's, and those the assistant's own answers give (Never Use Alone)."""
    with sqlite3.connect(database) as db:
        listed = {digits(n) for (n,) in db.execute("SELECT number FROM phone")}
    answers = {digits(n) for n in PHONE_NUMBER.findall((PROJECT_ROOT / "domain.yml").read_text())}
    return listed | answers | {digits(TEST_ENV["HUB_PHONE_NUMBER"])}


def talk(hotline) -> str:
    """An officer's referral naming the person's number, the specialist and the person talking,
    a community member searching and writing their own number, then DONE."""
    status, replies = text(hotline, OFFICER, "Referral: consented, (360) 555-0177, post OD, needs narcan, call asap")
    ref = re.search(r"H-\d+", replies[0]).group(0)
    specialist = alerted_for(hotline, ref, [SPECIALIST, "+12065550112"])
    text(hotline, specialist, f"ACCEPT {ref}")
    text(hotline, specialist, "Hi, this is Ana from the health hub. Is now a good time?")
    text(hotline, PERSON, "yes. or call my sister at 360 555 0179")
    text(hotline, COMMUNITY, "narcan near 98104")
    text(hotline, COMMUNITY, "you can call me back at 360-555-0178 if you want")
    text(hotline, specialist, f"DONE {ref} engaged")
    return ref


def test_no_phone_number_outside_the_tables_that_deliver_messages(hotline):
    talk(hotline)
    hotline.hub("worker", "--once")
    database = hotline.database_url.removeprefix("sqlite:///")
    assert numbers_outside_delivery(database) == {}
    public = public_numbers(database)
    said, spoken = numbers_in_tracker_store(hotline.tracker_db, public)
    assert said == []
    assert spoken <= public


def test_the_retention_purge_leaves_no_number_of_a_finished_conversation(hotline, tmp_path):
    """The purge run on copies of the hotline's two databases, as the worker would run it 31 days on."""
    from bot.clock import utcnow
    from bot.db import session_scope
    from bot.retention import purge

    ref = talk(hotline)
    hotline.hub("worker", "--once")
    database, tracker = tmp_path / "hub.db", tmp_path / "tracker.db"
    for source, copy in ((hotline.database_url.removeprefix("sqlite:///"), database), (hotline.tracker_db, tracker)):
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as kept:
            live.backup(kept)  # the write-ahead log's transactions included
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker}"\n')

    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{database}", future=True)
    try:
        with session_scope(engine) as session:
            purge(session, 30, endpoints, now=utcnow() + timedelta(days=31))
    finally:
        engine.dispose()
    with sqlite3.connect(database) as db:
        closed = db.execute("SELECT person_number, contact_note, consent_text FROM handoff WHERE ref = ?", (ref,)).fetchone()
        open_numbers = {n for (n,) in db.execute("SELECT person_number FROM handoff WHERE state NOT IN ('closed', 'expired')") if n}
        undelivered = {n for (n,) in db.execute("SELECT to_number FROM outbox_message WHERE status IN ('pending', 'sending')")}
        left = {n for (n,) in db.execute("SELECT to_number FROM outbox_message")}
        contacts = db.execute("SELECT count(*) FROM contact_number").fetchone()[0]
    assert closed[0] is None and closed[1] is None and closed[2].startswith("Purged")
    assert left <= undelivered and contacts == 0
    assert PERSON not in open_numbers | left and COMMUNITY not in open_numbers | left
    with sqlite3.connect(tracker) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_no_secret_in_any_log(hotline):
    text(hotline, "+13605550179", "hi")
    secrets = [TEST_ENV["HUB_SECRET_KEY"], TEST_ENV["TWILIO_AUTH_TOKEN"]]
    for log in hotline.logs:
        written = log.read_text()
        assert not [secret for secret in secrets if secret in written], log


# --- no number and no message words in any log (the Twilio transport against Prism) ---------

# Words of the conversation below, one distinctive phrase of each message, none of them also said
# by the hotline itself.
WORDS = ["talk to someone", "blue door on Pine", "corner of 3rd and Pike", "bring two kits", "tell nobody my name"]
FAILING_WORDS = "tell nobody my name"


@pytest.fixture(scope="module")
def hotline_on_twilio(trained_model, tmp_path_factory, twilio_mock):
    from tests.conftest import TWILIO_ACCOUNT
    from tests.e2e.conftest import running_hotline

    with running_hotline(trained_model, tmp_path_factory.mktemp("logs"), TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT,
                         TWILIO_API_BASE_URL=twilio_mock, HUB_TRANSPORT="twilio", HUB_SIMULATOR="off") as running:
        yield running


def fail_inserts_of(database: str, words: str) -> None:
    """A database error of the kind that carries the statement's values (the number and the words
    of a relayed message): the outbox refuses a row holding `words`."""
    with sqlite3.connect(database) as db:
        db.execute(f"CREATE TRIGGER refuse_relay BEFORE INSERT ON outbox_message WHEN NEW.body LIKE '%{words}%' "
                   "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")


def sent_through_twilio(hotline, numbers: list[str], seconds: float = 60) -> list[dict]:
    import time

    deadline = time.monotonic() + seconds
    while True:
        messages = [m for number in numbers for m in hotline.outbox(number)]
        if messages and all(m["status"] == "sent" for m in messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.5)


def test_a_whole_handoff_through_twilio_with_a_database_error_leaves_no_number_or_words_in_any_log(hotline_on_twilio):
    hotline = hotline_on_twilio
    person = "+13605550171"
    database = hotline.database_url.removeprefix("sqlite:///")
    fail_inserts_of(database, FAILING_WORDS)
    with hotline.worker():
        text(hotline, person, "narcan near 98104")
        text(hotline, person, "can I talk to someone")
        status, replies = text(hotline, person, "yes")
        ref = re.search(r"H-\d+", replies[0]).group(0)
        alerted = [m for m in sent_through_twilio(hotline, [SPECIALIST, "+12065550112"]) if ref in m["body"]]
        assert alerted and alerted[0]["status"] == "sent", alerted  # delivered through Prism
        specialist = alerted[0]["to"]
        text(hotline, specialist, f"ACCEPT {ref}")
        text(hotline, specialist, "Hi, I'm at the blue door on Pine, where are you?")
        text(hotline, person, "corner of 3rd and Pike, can you bring two kits")
        status, replies = text(hotline, person, f"please {FAILING_WORDS}")  # the outbox refuses it
        assert status == 200 and replies  # plain words, never silence or a 5xx
        text(hotline, specialist, f"DONE {ref} engaged")
        relayed = sent_through_twilio(hotline, [person, specialist])
        assert any("blue door on Pine" in m["body"] and m["status"] == "sent" for m in relayed)
    written = {log.name: log.read_text() for log in hotline.logs}
    assert "the disk is full" in "".join(written.values())  # the error was logged, without what it held
    for name, log in written.items():
        numbers = [hit for hit in PHONE_NUMBER.findall(log) if digits(hit) != digits(TEST_ENV["HUB_PHONE_NUMBER"])]
        assert numbers == [], (name, numbers)
        assert [words for words in WORDS if words.lower() in log.lower()] == [], name
