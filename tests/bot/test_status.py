"""`hub status`: each thing that needs a person is named and makes it exit 1; all well exits 0."""
import json
import threading
from datetime import timedelta

import pytest

from bot.cli import main
from bot.clock import utcnow
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Specialist, WorkerHeartbeat
from bot.handoff import engine
from bot.notify.alarms import raise_alarm
from bot.notify.optout import opt_out
from bot.notify.outbox import enqueue
from bot.privacy import sender_key


@pytest.fixture(autouse=True)
def a_coordinator_on_call(request):
    """A deployment has a coordinator on call; the tests of its absence take Cora off."""
    if "migrated_db" in request.fixturenames:
        request.getfixturevalue("coordinator_on_call")


def cora(**fields):
    with session_scope() as session:
        coordinator = session.query(Specialist).filter_by(name="Cora").one()
        for name, value in fields.items():
            setattr(coordinator, name, value)


def test_no_coordinator_on_call_needs_a_person(migrated_db, capsys):
    """Review 9: a coordinator who texted OFF, or none set, was never reported."""
    worker_alive()
    assert status(capsys)[0] == 0
    cora(off_call="off", off_call_since=utcnow())
    code, report = status(capsys)
    assert code == 1 and report["coordinator"] == {"on_call": None, "off_call": ["Cora"]}
    assert any("coordinator Cora texted OFF" in need and "HUB_EXPIRE_AFTER" in need for need in report["needs_a_person"])
    assert main(["status"]) == 1 and "coordinator Cora texted OFF" in capsys.readouterr().out
    cora(off_call=None, active=0)
    code, report = status(capsys)
    assert code == 1 and report["coordinator"] == {"on_call": None, "off_call": []}
    assert any("no coordinator is set" in need for need in report["needs_a_person"])
    cora(active=1)
    code, report = status(capsys)
    assert code == 0 and report["coordinator"] == {"on_call": "Cora", "off_call": []}


def test_a_duration_written_as_a_bare_number_is_shown_with_the_unit_it_was_read_in(migrated_db, capsys, monkeypatch):
    """Durations: HUB_ESCALATE_AFTER=600 is ten hours, and the SLA said "600 min"."""
    worker_alive()
    monkeypatch.setenv("HUB_ESCALATE_AFTER", "600")
    get_settings.cache_clear()
    code, report = status(capsys)
    assert code == 0  # read as always: information, not a fault
    assert report["durations_without_unit"] == [
        "HUB_ESCALATE_AFTER=600 has no unit, so it is read in minutes: 10 hours. Write 600m to keep that, "
        "or the unit you mean (90s, 10m, 2h, 7d)."]
    main(["status"])
    out = capsys.readouterr().out
    assert "HUB_ESCALATE_AFTER=600 has no unit, so it is read in minutes: 10 hours" in out
    assert "handoffs past the 10 hours SLA: 0" in out
    monkeypatch.setenv("HUB_ESCALATE_AFTER", "10m")
    get_settings.cache_clear()
    assert status(capsys)[1]["durations_without_unit"] == []


def status(capsys):
    code = main(["status", "--json"])
    return code, json.loads(capsys.readouterr().out)


def worker_alive(seconds_ago=5):
    with session_scope() as session:
        session.merge(WorkerHeartbeat(worker="host:1", started_at=utcnow() - timedelta(hours=1),
                                      seen_at=utcnow() - timedelta(seconds=seconds_ago)))


def queue(age_minutes=0, **fields):
    with session_scope() as session:
        row = enqueue(session, to_number="+12065550160", from_number="+12065550100", body="x", purpose="notice")
        row.created_at -= timedelta(minutes=age_minutes)
        for name, value in fields.items():
            setattr(row, name, value)


def test_all_well_exits_0(migrated_db, capsys):
    worker_alive()
    queue(age_minutes=1)  # a message waiting a minute (a retry) is no cause for alarm
    code, report = status(capsys)
    assert code == 0 and report["ok"] and report["needs_a_person"] == []
    assert report["outbox"] == {"backlog": 1, "oldest_waiting_seconds": report["outbox"]["oldest_waiting_seconds"],
                                "failed_last_24h": 0, "undelivered_last_24h": 0, "area_alerts_waiting": 0}
    assert 55 <= report["outbox"]["oldest_waiting_seconds"] <= 120 and report["worker"]["alive"] == 1
    assert main(["status"]) == 0 and "All well" in capsys.readouterr().out


def test_an_area_alert_going_out_slowly_is_no_cause_for_alarm(migrated_db, capsys):
    worker_alive()
    for _ in range(3):  # at a long code's 1 a second, 10,000 copies take hours, behind every other message
        queue(age_minutes=45, purpose="area_alert")
    code, report = status(capsys)
    assert code == 0 and report["outbox"]["backlog"] == 0 and report["outbox"]["area_alerts_waiting"] == 3
    assert main(["status"]) == 0 and "3 area alert copies going out at HUB_SEND_RATE" in capsys.readouterr().out
    queue(age_minutes=12)  # anything else waiting that long still means delivery has stopped
    code, report = status(capsys)
    assert code == 1 and "delivery has stopped" in " | ".join(report["needs_a_person"])


def test_a_stalled_outbox_failures_and_undelivered_messages_need_a_person(migrated_db, capsys):
    worker_alive()
    queue(age_minutes=12)
    queue(status="failed")
    queue(status="sent", delivery_status="undelivered", delivery_error_code="30003")
    queue(age_minutes=60 * 30, status="failed")  # long ago: no longer counted
    code, report = status(capsys)
    assert code == 1
    assert report["outbox"]["backlog"] == 1 and report["outbox"]["oldest_waiting_seconds"] >= 12 * 60
    assert (report["outbox"]["failed_last_24h"], report["outbox"]["undelivered_last_24h"]) == (1, 1)
    needs = " | ".join(report["needs_a_person"])
    assert "delivery has stopped" in needs and "1 message(s) failed and 1 were undelivered" in needs


def test_handoffs_past_the_sla_need_a_person(migrated_db, capsys):
    worker_alive()
    with session_scope() as session:
        late = engine.create_handoff(session, source="community", person_key="k1", consent_by="person", consent_text="yes",
                                     now=utcnow() - timedelta(minutes=11))
        engine.create_handoff(session, source="community", person_key="k2", consent_by="person", consent_text="yes")
        late_ref = late.ref
    code, report = status(capsys)
    assert code == 1 and report["handoffs_past_sla"]["refs"] == [late_ref]
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NEEDS A PERSON") and late_ref in out and "+1206" not in out


def test_a_coordinator_who_texted_stop_needs_a_person(migrated_db, capsys):
    from bot.handoff.inbound import route

    worker_alive()
    with session_scope() as session:
        session.add(Specialist(name="Dana", phone="+12065550119", zips="", languages="en", is_coordinator=1, active=1,
                               created_at=utcnow()))
        session.add(Specialist(name="Ana", phone="+12065550111", zips="98104", languages="en", active=1, created_at=utcnow()))
    assert status(capsys)[0] == 0
    key = sender_key("+12065550119", get_settings().require_secret_key())
    with session_scope() as session:
        route(session, "+12065550119", key, "STOP")
        opt_out(session, sender_key("+12065550111", get_settings().require_secret_key()))
    code, report = status(capsys)
    assert code == 1 and report["opted_out"] == {"coordinators": ["Dana"], "specialists": ["Ana"], "under_previous_keys": 0}
    assert any("coordinator Dana texted STOP" in need for need in report["needs_a_person"])


def test_a_worker_that_never_ran_or_stopped_beating_needs_a_person(migrated_db, capsys):
    code, report = status(capsys)
    assert code == 1 and report["worker"]["last_heartbeat"] is None
    worker_alive(seconds_ago=300)
    code, report = status(capsys)
    assert code == 1 and report["worker"]["alive"] == 0 and any("stopped or stuck" in n for n in report["needs_a_person"])


def test_the_worker_records_its_heartbeat(migrated_db, capsys):
    from bot.notify.transports import OutboxTransport
    from bot.worker import WORKER_ID, run_forever

    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(OutboxTransport(),), kwargs={"stop": stop, "interval": 0.05})
    worker.start()
    try:
        for _ in range(100):
            with session_scope() as session:
                if session.get(WorkerHeartbeat, WORKER_ID):
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(10)
    code, report = status(capsys)
    assert code == 0 and report["worker"]["alive"] == 1 and report["worker"]["seconds_ago"] <= 5


def test_a_standing_alarm_needs_a_person(migrated_db, capsys):
    worker_alive()
    with session_scope() as session:
        raise_alarm(session, "twilio_auth", "Twilio refuses the account's credentials")
    code, report = status(capsys)
    assert code == 1 and [a["name"] for a in report["alarms"]] == ["twilio_auth"]
    assert main(["status"]) == 1 and "alarms: twilio_auth" in capsys.readouterr().out


def test_an_unreadable_database_needs_a_person(hub_env, capsys):
    code, report = status(capsys)  # never migrated
    assert code == 1 and "hub db upgrade" in report["needs_a_person"][0]


def test_a_worker_gone_for_a_day_is_forgotten_when_one_starts(migrated_db):
    from sqlalchemy import select

    from bot.worker import WORKER_ID, beat

    worker_alive(seconds_ago=2 * 86400)
    beat(force=True)
    with session_scope() as session:
        assert list(session.scalars(select(WorkerHeartbeat.worker))) == [WORKER_ID]


def test_answer_deadline_misses_of_every_rasa_server_are_counted(migrated_db, capsys):
    from bot.metrics import record_misses

    worker_alive()
    now = utcnow()
    record_misses(3, server="rasa-a:1", now=now)
    record_misses(2, server="rasa-b:2", now=now)
    record_misses(1, server="rasa-a:1", now=now)
    record_misses(4, server="rasa-a:1", now=now - timedelta(hours=5))
    record_misses(9, server="rasa-a:1", now=now - timedelta(hours=30))  # longer ago than a day: not counted
    code, report = status(capsys)
    assert report["answer_deadline_misses"] == {"this_hour": 6, "last_24h": 10}
    assert code == 0  # a holding reply is the line working as designed under load, not a fault
    assert main(["status"]) == 0 and "answer-deadline misses (holding replies): 6 this hour, 10 in the last 24 h" in capsys.readouterr().out
