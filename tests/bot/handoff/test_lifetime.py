"""No handoff lives forever: a DONE reminder, then the coordinator; `stale` past the maximum age;
then the retention purge."""
from datetime import timedelta

from sqlalchemy import select

from bot.config import ConfigError, get_settings, parse_duration
from bot.db import session_scope
from bot.db.models import Handoff
from bot.handoff import engine
from bot.retention import purge
from tests.bot.handoff.conftest import NOW
from tests.bot.handoff.test_engine import act, open_handoff, outbox, state

ANA, COORDINATOR, PERSON = "+12065550111", "+12065550119", "+12065550142"
HOUR = timedelta(hours=1)


def tick(at):
    with session_scope() as session:
        return engine.escalate_due(session, at)


def test_an_accepted_handoff_without_done_is_reminded_then_goes_to_the_coordinator(roster):
    ref = open_handoff()
    act("accept", ANA, ref)
    tick(NOW + 23 * HOUR)
    assert not [b for t, p, b in outbox(ANA) if "DONE" in b]
    tick(NOW + 24 * HOUR + timedelta(seconds=1))
    (reminder,) = [b for t, p, b in outbox(ANA) if p == "reminder"]
    assert ref in reminder and f"DONE {ref}" in reminder and "coordinator" in reminder
    tick(NOW + 30 * HOUR)
    assert len([p for t, p, b in outbox(ANA) if p == "reminder"]) == 1  # once
    tick(NOW + 48 * HOUR + timedelta(seconds=2))
    assert state(ref)[:2] == ("accepted", "Coordinator")
    assert any(ref in b and "no DONE" in b for t, p, b in outbox(COORDINATOR))
    assert any(ref in b and "coordinator" in b for t, p, b in outbox(ANA) if p == "notice")
    # The coordinator has the conversation now, and closes it.
    assert act("done", COORDINATOR, ref, "reached", now=NOW + 49 * HOUR) == f"Closed {ref} (reached). Thank you."
    events = [e for e, _ in state(ref)[2]]
    assert events[-3:] == ["done_reminder", "done_overdue", "closed"]


def test_a_done_in_time_gets_no_reminder(roster):
    ref = open_handoff()
    act("accept", ANA, ref)
    act("done", ANA, ref, "engaged", now=NOW + HOUR)
    tick(NOW + 100 * HOUR)
    assert not [p for t, p, b in outbox() if p == "reminder"]


def test_any_open_handoff_past_the_maximum_age_closes_as_stale_and_is_then_purged(migrated_db, monkeypatch):
    # Nobody on call and no coordinator: retried until HUB_EXPIRE_AFTER, here longer than the maximum age.
    monkeypatch.setenv("HUB_EXPIRE_AFTER", "8d")
    get_settings.cache_clear()
    ref = open_handoff()
    assert state(ref)[0] == "created"
    for day in range(1, 7):
        tick(NOW + timedelta(days=day))
        assert state(ref)[0] == "created"
    tick(NOW + timedelta(days=7, seconds=1))
    assert state(ref)[0] == "stale" and state(ref)[2][-1][0] == "stale"
    assert any("nobody could take your request" in b for t, p, b in outbox(PERSON))
    with session_scope() as session:
        purge(session, 30, None, now=NOW + timedelta(days=38))
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        assert handoff.person_number is None and handoff.consent_text.startswith("Purged")


def test_an_accepted_handoff_past_the_maximum_age_closes_as_stale(roster):
    ref = open_handoff()
    act("accept", ANA, ref)
    tick(NOW + timedelta(days=7, seconds=1))
    assert state(ref)[0] == "stale"
    assert any(ref in b and "stale" in b for t, p, b in outbox(COORDINATOR))
    assert send_relay_gone(ref)


def send_relay_gone(ref):
    with session_scope() as session:
        return engine.relay_for_person(session, "h" + "1" * 40) is None


def test_an_accepted_handoff_from_before_the_reminders_is_reminded_too(roster):
    ref = open_handoff()
    act("accept", ANA, ref)
    with session_scope() as session:  # accepted before this change: no deadline
        session.scalar(select(Handoff).where(Handoff.ref == ref)).deadline_at = None
    tick(NOW + 25 * HOUR)
    assert [p for t, p, b in outbox(ANA) if p == "reminder"] == ["reminder"]


def test_the_new_durations_are_read_from_the_environment(monkeypatch):
    assert get_settings().done_reminder_seconds == 24 * 3600 and get_settings().handoff_max_age_seconds == 7 * 86400
    monkeypatch.setenv("HUB_DONE_REMINDER", "2h")
    monkeypatch.setenv("HUB_HANDOFF_MAX_AGE", "3d")
    get_settings.cache_clear()
    assert (get_settings().done_reminder_seconds, get_settings().handoff_max_age_seconds) == (7200, 3 * 86400)
    assert parse_duration("X", "7d") == 7 * 86400
    try:
        parse_duration("HUB_HANDOFF_MAX_AGE", "a week")
    except ConfigError as exc:
        assert "HUB_HANDOFF_MAX_AGE" in str(exc)
    else:
        raise AssertionError("a week is not a duration")
