"""Retention: message bodies and phone numbers older than HUB_RETENTION_DAYS are purged, from the
hotline's tables and from Rasa's tracker store; what is open, the opt-outs and the figures stay."""
import sqlite3
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT, ConfigError
from bot.db import session_scope
from bot.db.models import ContactNumber, Handoff, HandoffLog, InboundMessage, OptOut, OutboxMessage
from bot.handoff import engine
from bot.retention import HOTLINE_TRACKER_STORE, purge, tracker_store_url
from tests.bot.handoff.conftest import roster  # noqa: F401 (fixture)

NOW = datetime(2026, 11, 23, 18, 0)
OLD, RECENT = NOW - timedelta(days=45), NOW - timedelta(days=3)


def handoff(ref_state: str, at: datetime, number="+12065550142") -> str:
    with session_scope() as session:
        h = engine.create_handoff(session, source="community", person_key="h" + "3" * 40, consent_by="person",
                                  consent_text='Asked: "Is it OK?" Answered: "yes, call me at work"', area="98104",
                                  person_number=number, contact_note="library steps, 3pm", now=at)
        h.state = ref_state
        h.closed_at = at if ref_state in ("closed", "expired") else None
        return h.ref


def message(at: datetime, status: str) -> int:
    with session_scope() as session:
        row = OutboxMessage(to_number="+12065550142", from_number="+12065550100", body="Specialist: see you at 3",
                            purpose="relay", status=status, attempts=1, next_attempt_at=at, created_at=at)
        session.add(row)
        session.flush()
        return row.id


def tracker_db(path, *timestamps):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL, data TEXT)")
        for ts in timestamps:
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('h1', 'user', ?, '{\"text\": \"hi\"}')",
                       ((ts - datetime(1970, 1, 1)).total_seconds(),))


def endpoints(tmp_path, tracker_store: str):
    path = tmp_path / "endpoints.yml"
    path.write_text(f'action_endpoint:\n  url: "http://localhost:5055/webhook"\n{tracker_store}')
    return path


def test_old_bodies_and_numbers_go_and_what_is_open_or_recent_stays(roster, tmp_path):
    old_closed, old_open, recent_closed = handoff("closed", OLD), handoff("accepted", OLD), handoff("expired", RECENT)
    old_sent, old_pending, recent_sent = message(OLD, "sent"), message(OLD, "pending"), message(RECENT, "stored")
    with session_scope() as session:
        session.add_all([ContactNumber(key="h" + "4" * 40, number="+12065550143", seen_at=OLD),
                         ContactNumber(key="h" + "5" * 40, number="+12065550144", seen_at=RECENT),
                         InboundMessage(message_sid="SMold", channel="twilio_sms", sender_key="h1", received_at=OLD),
                         InboundMessage(message_sid="SMnew", channel="twilio_sms", sender_key="h1", received_at=RECENT),
                         OptOut(number_key="h" + "6" * 40, opted_out_at=OLD)])
    tracker = tmp_path / "tracker.db"
    tracker_db(tracker, OLD, OLD, RECENT)

    with session_scope() as session:
        purged = purge(session, 30, endpoints(tmp_path, f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker}"\n'), now=NOW)
    # The alerts create_handoff queued are still pending: undelivered messages are never purged.
    assert purged.as_dict() == {"outbox_messages": 1, "handoffs": 1, "contact_numbers": 1, "inbound_messages": 1, "tracker_events": 2}

    with session_scope() as session:
        by_ref = {h.ref: h for h in session.scalars(select(Handoff))}
        gone = by_ref[old_closed]
        assert gone.person_number is None and gone.contact_note is None
        assert gone.consent_text == "Purged after the retention period: consent was given by the person."
        assert gone.consent_by == "person" and gone.consent_at == OLD and gone.state == "closed"
        assert by_ref[old_open].person_number == "+12065550142" and "call me" in by_ref[old_open].consent_text
        assert by_ref[recent_closed].person_number == "+12065550142"
        assert session.get(OutboxMessage, old_sent) is None
        assert session.get(OutboxMessage, old_pending) is not None and session.get(OutboxMessage, recent_sent) is not None
        assert [c.number for c in session.scalars(select(ContactNumber))] == ["+12065550144"]
        # The MessageSids stay (a replayed webhook is still a duplicate); who sent the old one goes.
        assert {m.message_sid: m.sender_key for m in session.scalars(select(InboundMessage))} == {"SMold": "", "SMnew": "h1"}
        assert session.scalar(select(func.count()).select_from(OptOut)) == 1  # a STOP holds for ever
        assert session.scalar(select(func.count()).select_from(HandoffLog)) >= 3  # the figures stay
    with sqlite3.connect(tracker) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 1

    with session_scope() as session:  # a second pass finds nothing more
        again = purge(session, 30, None, now=NOW)
    assert (again.outbox_messages, again.handoffs, again.contact_numbers, again.inbound_messages, again.tracker_events) == (0, 0, 0, 0, None)


def test_a_finished_handoff_loses_its_person_key_so_it_cannot_be_linked_back_to_the_number(roster):
    # Before: person_key (the HMAC of the number) stayed for ever, so a leaked database and key
    # gave back every past handoff's number by trying every US number.
    key = "h" + "3" * 40
    first, second, still_open, recent = handoff("closed", OLD), handoff("expired", OLD), handoff("accepted", OLD), handoff("closed", RECENT)
    purged_before = handoff("closed", OLD)
    with session_scope() as session:  # purged before the fix: number and words gone, the key kept
        earlier = session.scalar(select(Handoff).where(Handoff.ref == purged_before))
        earlier.person_number, earlier.contact_note, earlier.consent_text = None, None, "Purged after the retention period: consent was given by the person."
    with session_scope() as session:
        assert purge(session, 30, None, now=NOW).handoffs == 3
    with session_scope() as session:
        keys = {h.ref: h.person_key for h in session.scalars(select(Handoff))}
        assert keys[still_open] == key and keys[recent] == key  # open or recent: the person's texts still find it
        placeholders = [keys[ref] for ref in (first, second, purged_before)]
        assert key not in placeholders and len(set(placeholders)) == 3  # nor linked to one another
        assert session.scalar(select(func.count()).select_from(Handoff).where(Handoff.person_key == key)) == 2
    with session_scope() as session:
        assert purge(session, 30, None, now=NOW).handoffs == 0


def test_a_number_held_for_a_turn_that_never_ended_goes_within_hours_not_the_retention_period(migrated_db):
    from bot.phonebook import HELD, sender_number

    with session_scope() as session:
        session.add_all([ContactNumber(key=HELD + "h" + "4" * 40, number="+12065550143", seen_at=NOW - timedelta(hours=2)),
                         ContactNumber(key=HELD + "h" + "5" * 40, number="+12065550144", seen_at=NOW - timedelta(minutes=5))])
    with session_scope() as session:
        purge(session, 30, None, now=NOW)
    with session_scope() as session:
        assert sender_number(session, "h" + "4" * 40) is None
        assert sender_number(session, "h" + "5" * 40) == "+12065550144"  # a turn may still be going on


def test_a_webhook_replayed_after_the_purge_is_still_a_duplicate(migrated_db):
    """Twilio's signature never expires: a captured signed webhook must not run again once the
    conversation it belonged to has been purged."""
    from bot.channels.inbound import first_delivery

    with session_scope() as session:
        session.add(InboundMessage(message_sid="SMcaptured", channel="twilio_sms", sender_key="h1", received_at=OLD))
    with session_scope() as session:
        purge(session, 30, None, now=NOW)
    assert first_delivery("SMcaptured", "twilio_sms", "h1") is False


def test_the_record_of_when_an_officer_was_verified_on_a_call_goes_too(migrated_db):
    from bot.db.models import Officer, OfficerCall

    with session_scope() as session:
        officer = Officer(name="Ofc. Lee", phone="+12065550181", phone_key="h9", agency="Seattle PD", active=1, created_at=OLD)
        session.add(officer)
        session.flush()
        session.add_all([OfficerCall(call_sid="CAold", officer_id=officer.id, verified_by="pin", verified_at=OLD),
                         OfficerCall(call_sid="CAnew", officer_id=officer.id, verified_by="pin", verified_at=RECENT)])
    with session_scope() as session:
        purge(session, 30, None, now=NOW)
        assert [c.call_sid for c in session.scalars(select(OfficerCall))] == ["CAnew"]


def test_the_tracker_store_is_found_as_rasa_finds_it(tmp_path, monkeypatch):
    assert tracker_store_url(endpoints(tmp_path, 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "/srv/t.db"\n')) == "sqlite:////srv/t.db"
    relative = tracker_store_url(endpoints(tmp_path, 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "var/t.db"\n'))
    assert relative.startswith("sqlite:///") and relative.endswith("/var/t.db") and relative != "sqlite:///var/t.db"
    monkeypatch.setenv("TRACKER_PASSWORD", "s3cret")
    postgres = endpoints(tmp_path, 'tracker_store:\n  type: SQL\n  dialect: "postgresql"\n  url: "db.internal"\n  port: 5432\n'
                                   '  db: "rasa"\n  username: "rasa"\n  password: "${TRACKER_PASSWORD}"\n')
    assert tracker_store_url(postgres) == "postgresql://rasa:s3cret@db.internal:5432/rasa"
    monkeypatch.setenv("HUB_TRACKER_STORE_URL", "postgresql://hub:pw@db:5432/hub")
    production = (PROJECT_ROOT / "endpoints.production.yml")
    assert tracker_store_url(production) == "postgresql://hub:pw@db:5432/hub"
    assert tracker_store_url(endpoints(tmp_path, 'tracker_store:\n  type: redis\n')) is None
    hotline = endpoints(tmp_path, f'tracker_store:\n  type: {HOTLINE_TRACKER_STORE}\n  dialect: "sqlite"\n  db: "/srv/t.db"\n')
    assert tracker_store_url(hotline) == "sqlite:////srv/t.db"
    assert tracker_store_url(PROJECT_ROOT / "endpoints.yml") == f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.db'}"
    assert tracker_store_url(endpoints(tmp_path, "")) is None


def test_an_unset_variable_or_a_missing_file_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="TRACKER_PASSWORD is not set"):
        tracker_store_url(endpoints(tmp_path, 'tracker_store:\n  type: SQL\n  password: "${TRACKER_PASSWORD}"\n'))
    with pytest.raises(ConfigError, match="cannot read"):
        tracker_store_url(tmp_path / "nowhere.yml")


def test_a_tracker_store_rasa_has_not_created_yet_is_left_alone(migrated_db, tmp_path):
    with session_scope() as session:
        purged = purge(session, 30, endpoints(tmp_path, f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp_path / "new.db"}"\n'))
    assert purged.tracker_events == 0


def test_the_worker_purges_when_it_starts(migrated_db, monkeypatch, tmp_path):
    from bot.config import get_settings
    from bot.notify.transports import OutboxTransport
    from bot.worker import run_forever

    monkeypatch.setenv("HUB_ENDPOINTS", str(endpoints(tmp_path, "")))
    get_settings.cache_clear()
    sent_long_ago = message(datetime.utcnow() - timedelta(days=31), "sent")
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(OutboxTransport(),), kwargs={"stop": stop, "interval": 0.05})
    worker.start()
    try:
        for _ in range(100):
            with session_scope() as session:
                if session.get(OutboxMessage, sent_long_ago) is None:
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(10)
    with session_scope() as session:
        assert session.get(OutboxMessage, sent_long_ago) is None


def test_the_hotline_tracker_store_is_named_as_rasa_loads_it():
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    assert issubclass(class_from_module_path(HOTLINE_TRACKER_STORE), SQLTrackerStore)


def test_the_purge_clears_the_hotline_tracker_store_while_it_is_open(migrated_db, tmp_path):
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered

    from bot.channels.tracker_store import ThreadedSQLTrackerStore

    store = ThreadedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    old, recent = ((at - datetime(1970, 1, 1)).total_seconds() for at in (OLD, RECENT))

    async def converse():
        tracker = await store.get_or_create_tracker("h1")  # its first event is stamped now
        tracker.update(UserUttered("narcan near 98104", timestamp=old))
        tracker.update(ActionExecuted("action_listen", timestamp=recent))
        await store.save(tracker)

    asyncio.run(converse())
    with session_scope() as session:
        purged = purge(session, 30, endpoints(tmp_path, f'tracker_store:\n  type: {HOTLINE_TRACKER_STORE}\n  dialect: "sqlite"\n'
                                                        f'  db: "{tmp_path / "tracker.db"}"\n'), now=NOW)
    assert purged.tracker_events == 1
    remaining = asyncio.run(store.retrieve("h1")).events
    assert not any(isinstance(event, UserUttered) for event in remaining)
    store.engine.dispose()
