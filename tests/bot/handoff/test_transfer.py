"""Call transfer: which specialist rings next, what the handoff log records, the whisper accept,
and the SMS alert after missed calls."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import HandoffLog, OutboxMessage
from bot.handoff import engine, transfer
from bot.voice import texts
from tests.bot.handoff.conftest import NOW, add


def voice_handoff(area="98104", language="en", number="+12065550142"):
    with session_scope() as session:
        handoff = engine.create_handoff(
            session, source="community", person_key="k" * 40, consent_by="person",
            consent_text='Asked: "Do you want me to connect you?" Answered: "pressed 1 (/affirm)"', needs=["naloxone"],
            area=area, language=language, person_number=number, now=NOW, alert=False,
        )
        return handoff.ref


def ring(ref, now=NOW):
    with session_scope() as session:
        return transfer.next_ring(session, transfer.find(session, ref), now)


def log(ref):
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        return [(row.event, row.specialist_id, row.detail) for row in
                session.scalars(select(HandoffLog).where(HandoffLog.handoff_id == handoff.id).order_by(HandoffLog.id))]


def outbox():
    with session_scope() as session:
        return [(m.to_number, m.purpose, m.body) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def handoff_state(ref):
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        return handoff.state, handoff.specialist_id


def test_a_voice_handoff_alerts_nobody_by_sms_until_the_call_is_over(roster):
    ref = voice_handoff()
    assert outbox() == []
    assert handoff_state(ref) == ("created", None)
    assert [event for event, *_ in log(ref)] == ["created"]


def test_rings_the_best_on_call_specialist_then_the_next_and_logs_each_attempt(roster, monkeypatch):
    ref = voice_handoff(language="es")
    first = ring(ref)
    assert first.specialist_id == roster["ana"] and first.phone == "+12065550111" and first.attempt == 1  # speaks Spanish
    assert handoff_state(ref) == ("alerted", roster["ana"])
    with session_scope() as session:
        transfer.call_ended(session, ref, first.specialist_id, "no-answer", NOW)
    second = ring(ref, NOW + timedelta(seconds=25))
    assert second.specialist_id == roster["ben"] and second.attempt == 2
    with session_scope() as session:
        transfer.call_ended(session, ref, second.specialist_id, "busy", NOW)
    assert ring(ref) is None  # HUB_VOICE_MAX_DIALS defaults to 2
    assert log(ref) == [
        ("created", None, "consent by person"),
        ("call_dialed", roster["ana"], "attempt 1"), ("call_no_answer", roster["ana"], "no-answer"),
        ("call_dialed", roster["ben"], "attempt 2"), ("call_busy", roster["ben"], "busy"),
    ]
    assert outbox() == []  # no SMS while the phones ring


def test_nobody_outside_the_area_or_the_roster_limit_is_rung(roster, monkeypatch):
    monkeypatch.setenv("HUB_VOICE_MAX_DIALS", "5")
    from bot.config import get_settings

    get_settings.cache_clear()
    ref = voice_handoff()
    rung = []
    while (next_ring := ring(ref)) is not None:
        rung.append(next_ring.specialist_id)
    # Cy covers 98118 only, and the coordinator is never rung: only Ana and Ben.
    assert sorted(rung) == sorted([roster["ana"], roster["ben"]])


def test_pressing_1_in_the_whisper_accepts_by_phone_and_texts_the_specialist_the_reference(roster):
    ref = voice_handoff()
    first = ring(ref)
    with session_scope() as session:
        transfer.accept_call(session, ref, first.specialist_id, NOW + timedelta(seconds=10))
    assert handoff_state(ref) == ("accepted", first.specialist_id)
    assert log(ref)[-1] == ("accepted", first.specialist_id, "by phone")
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        assert transfer.connected(session, handoff, first.specialist_id)
        assert handoff.deadline_at == NOW + timedelta(seconds=10, hours=24)  # the DONE reminder, no more escalation
    (message,) = outbox()
    assert message[0] == first.phone and ref in message[1] + message[2] and "DONE" in message[2]
    # The person is on the line with the specialist: no "a specialist has your request" SMS.
    assert not [m for m in outbox() if m[0] == "+12065550142"]


def test_a_whisper_for_a_specialist_who_was_never_rung_is_refused(roster):
    ref = voice_handoff()
    ring(ref)
    with session_scope() as session, pytest.raises(transfer.TransferError):
        transfer.accept_call(session, ref, roster["cy"], NOW)
    with session_scope() as session, pytest.raises(transfer.TransferError):
        transfer.find(session, "H-0000")


def test_a_second_acceptance_is_refused(roster):
    ref = voice_handoff()
    first = ring(ref)
    with session_scope() as session:
        transfer.call_ended(session, ref, first.specialist_id, "no-answer", NOW)
    second = ring(ref)
    with session_scope() as session:
        transfer.accept_call(session, ref, second.specialist_id, NOW)
    with session_scope() as session, pytest.raises(engine.HandoffError):
        transfer.accept_call(session, ref, first.specialist_id, NOW)


def test_after_the_missed_calls_the_sms_alert_goes_out_through_the_engine(roster):
    ref = voice_handoff()
    for _ in range(2):
        attempt = ring(ref)
        with session_scope() as session:
            transfer.call_ended(session, ref, attempt.specialist_id, "no-answer", NOW)
    with session_scope() as session:
        state = transfer.fall_back_to_sms(session, transfer.find(session, ref), NOW + timedelta(minutes=1))
    assert state == "alerted"
    alerts = [m for m in outbox() if m[1] == "alert"]
    # The best specialist gets the SMS even though their phone already rang.
    assert len(alerts) == 1 and alerts[0][0] == "+12065550111" and ref in alerts[0][2]
    assert "0142" not in alerts[0][2]
    assert [event for event, *_ in log(ref)][-1] == "alerted"
    # The usual escalation follows: the next SMS alert goes to Ben, then the coordinator.
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(hours=1))
    assert [m[0] for m in outbox() if m[1] == "alert"] == ["+12065550111", "+12065550112"]


def test_with_nobody_on_call_the_request_goes_to_the_coordinator(migrated_db):
    coordinator = add("Coordinator", "+12065550119", zips="", coordinator=True)
    ref = voice_handoff()
    assert ring(ref) is None
    with session_scope() as session:
        assert transfer.fall_back_to_sms(session, transfer.find(session, ref), NOW) == "escalated"
    assert handoff_state(ref) == ("escalated", coordinator)
    assert [m[1] for m in outbox()] == ["escalation"]


def test_a_ringing_transfer_that_is_never_concluded_is_alerted_by_the_worker(roster):
    ref = voice_handoff()
    ring(ref)
    with session_scope() as session:
        assert engine.escalate_due(session, NOW + timedelta(seconds=30)) == 0  # still ringing
    with session_scope() as session:
        assert engine.escalate_due(session, NOW + timedelta(minutes=5)) == 1
    assert [m[1] for m in outbox()] == ["alert"]


def test_the_whisper_says_what_and_where_but_never_the_number(roster):
    ref = voice_handoff(language="es")
    with session_scope() as session:
        words = texts.whisper(transfer.find(session, ref))
    assert "9 8 1 0 4" in words and "naloxone" in words and "Spanish" in words and "Press 1" in words
    assert texts.spell(ref) in words and "0142" not in words and "555" not in words
    assert texts.spell("H-4821") == "H, 4 8 2 1"


def test_a_specialist_whose_phone_rang_may_accept_by_sms_and_one_never_rung_may_not(roster):
    from sqlalchemy import select

    from bot.db.models import Specialist

    ref = voice_handoff()
    rung = ring(ref)
    with session_scope() as session:
        others = [s for s in session.scalars(select(Specialist).where(Specialist.is_coordinator == 0)) if s.id != rung.specialist_id]
        with pytest.raises(engine.HandoffError, match="isn't a request open to you"):
            engine.accept(session, others[0], ref, NOW)
        assert engine.accept(session, session.get(Specialist, rung.specialist_id), ref, NOW).startswith(f"You have {ref}.")
