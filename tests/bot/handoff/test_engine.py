"""The handoff engine: consent, alerts, accept, pass, escalation, coordinator, expiry, done; the log."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import Handoff, HandoffLog, OutboxMessage, Specialist
from bot.handoff import engine
from tests.bot.handoff.conftest import NOW


def open_handoff(area="98104", language="en", number="+12065550142", now=NOW):
    with session_scope() as session:
        handoff = engine.create_handoff(
            session, source="community", person_key="h" + "1" * 40, consent_by="person",
            consent_text='Asked: "Is it OK?" Answered: "yes"', needs=["naloxone"], area=area,
            language=language, person_number=number, now=now,
        )
        return handoff.ref


def state(ref):
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        specialist = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
        events = [(log.event, log.state) for log in session.scalars(select(HandoffLog).where(HandoffLog.handoff_id == handoff.id).order_by(HandoffLog.id))]
        return handoff.state, (specialist.name if specialist else None), events


def outbox(to=None):
    with session_scope() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_number == to)
        return [(m.to_number, m.purpose, m.body) for m in session.scalars(query)]


def act(verb, phone, ref, *args, now=NOW):
    with session_scope() as session:
        specialist = session.scalar(select(Specialist).where(Specialist.phone == phone))
        return getattr(engine, verb)(session, specialist, ref, *args, now=now)


def test_a_handoff_alerts_the_best_specialist_with_a_reference(roster):
    ref = open_handoff(language="es")
    assert ref.startswith("H-") and ref[2:].isdigit()
    assert state(ref) == ("alerted", "Ana", [("created", "created"), ("alerted", "alerted")])
    (to, purpose, body), = outbox()
    assert (to, purpose) == ("+12065550111", "alert")
    assert f"Health Hub {ref}" in body and f"ACCEPT {ref}" in body and f"PASS {ref}" in body
    assert "Spanish" in body and "naloxone" in body
    assert "555-0142" not in body and "2065550142" not in body  # the person's number stays private


def test_consent_is_required(roster):
    with session_scope() as session, pytest.raises(ValueError):
        engine.create_handoff(session, source="community", person_key="h1", consent_by="person", consent_text="")


def test_accept_tells_both_sides_and_done_closes(roster):
    ref = open_handoff()
    assert "You have" in act("accept", "+12065550111", ref)
    assert state(ref)[0] == "accepted"
    assert any(p == "notice" and ref in b for t, p, b in outbox("+12065550142"))
    with pytest.raises(engine.HandoffError, match="Say how it ended"):
        act("done", "+12065550111", ref, "")
    assert act("done", "+12065550111", ref, "engaged") == f"Closed {ref} (engaged). Thank you."
    handoff_state, _, events = state(ref)
    assert handoff_state == "closed" and [e for e, _ in events] == ["created", "alerted", "accepted", "closed"]


def test_a_second_accept_by_someone_else_is_refused(roster):
    ref = open_handoff()
    act("pass_", "+12065550111", ref)  # Ben is alerted too; then Ana, who was alerted first, takes it after all
    act("accept", "+12065550111", ref)
    with pytest.raises(engine.HandoffError, match="isn't a request open to you"):
        act("accept", "+12065550112", ref)


def test_an_unknown_reference_is_a_clear_error(roster):
    with pytest.raises(engine.HandoffError, match="H-0000 isn't a request open to you"):
        act("accept", "+12065550111", "H-0000")


def test_pass_alerts_the_next_specialist(roster):
    ref = open_handoff()
    assert "passed" in act("pass_", "+12065550111", ref)
    assert state(ref)[:2] == ("alerted", "Ben")
    assert [p for t, p, b in outbox("+12065550112")] == ["alert"]


def test_escalation_after_the_deadline_then_coordinator_then_expiry(roster):
    ref = open_handoff()
    with session_scope() as session:
        assert engine.escalate_due(session, NOW + timedelta(minutes=9)) == 0
        assert engine.escalate_due(session, NOW + timedelta(minutes=10, seconds=1)) == 1
    assert state(ref)[:2] == ("alerted", "Ben")
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(minutes=21))
    assert state(ref)[:2] == ("escalated", "Coordinator")
    assert any("taking longer than usual" in b for t, p, b in outbox("+12065550142"))
    assert any(p == "escalation" for t, p, b in outbox("+12065550119"))
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(hours=25))
    handoff_state, _, events = state(ref)
    assert handoff_state == "expired"
    assert [e for e, _ in events] == ["created", "alerted", "timed_out", "alerted", "timed_out", "escalated", "expired"]
    assert any("nobody could take your request" in b for t, p, b in outbox("+12065550142"))


def test_the_coordinator_can_accept_an_escalated_handoff(roster):
    ref = open_handoff(area="98105")  # nobody covers 98105
    assert state(ref)[:2] == ("escalated", "Coordinator")
    act("accept", "+12065550119", ref)
    assert state(ref)[0] == "accepted"


def test_nobody_on_call_and_no_coordinator_keeps_the_request_and_retries(migrated_db):
    ref = open_handoff()
    assert state(ref)[0] == "created" and state(ref)[2][-1][0] == "unassigned"
    from tests.bot.handoff.conftest import add

    add("Late", "+12065550115", zips="98104")
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(minutes=11))
    assert state(ref)[:2] == ("alerted", "Late")


def coordinator_away(how):
    with session_scope() as session:
        coordinator = session.scalar(select(Specialist).where(Specialist.is_coordinator == 1))
        if how == "none":
            coordinator.active = 0
        else:
            coordinator.off_call, coordinator.off_call_since = how, NOW


SAVED = "nobody else is on call right now. We saved your request"


@pytest.mark.parametrize("how", ["off", "stop", "none"])
def test_with_no_coordinator_the_person_is_told_once_and_the_round_starts_again(roster, how):
    """Review 9: Ana and Ben were asked and the coordinator is OFF, STOP or not set. The person,
    told "usually within 10 minutes", hears once that the request is saved; after the full round
    Ana and Ben, still on shift, are asked again, rather than never."""
    coordinator_away(how)
    ref = open_handoff()
    for minutes in (11, 22, 33, 44, 55, 66):
        with session_scope() as session:
            engine.escalate_due(session, NOW + timedelta(minutes=minutes))
    events = [e for e, _ in state(ref)[2]]
    assert events == ["created", "alerted", "timed_out", "alerted", "timed_out", "unassigned",
                      "alerted", "timed_out", "alerted", "timed_out", "unassigned", "alerted"], events
    assert [b for t, p, b in outbox("+12065550111") if p == "alert"] and len(outbox("+12065550111")) == 3
    assert len(outbox("+12065550112")) == 2
    told = [b for t, p, b in outbox("+12065550142")]
    assert len(told) == 1 and SAVED in told[0] and ref in told[0] and "911" in told[0]
    assert outbox("+12065550119") == []


@pytest.mark.parametrize("how", ["off", "stop", "none"])
def test_with_no_coordinator_the_request_expires_after_hub_expire_after(roster, how):
    coordinator_away(how)
    ref = open_handoff()
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(minutes=11))
        engine.escalate_due(session, NOW + timedelta(minutes=22))  # nobody left: saved, the clock starts
        for minutes in range(33, 60 * 24 + 22, 11):
            engine.escalate_due(session, NOW + timedelta(minutes=minutes))
    assert state(ref)[0] != "expired"
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(hours=24, minutes=23))
        engine.escalate_due(session, NOW + timedelta(hours=24, minutes=35))
    handoff_state, _, events = state(ref)
    assert handoff_state == "expired" and events[-1] == ("expired", "expired")
    with pytest.raises(engine.HandoffError, match="isn't a request open to you"):
        act("accept", "+12065550111", ref, now=NOW + timedelta(hours=25))
    told = [b for t, p, b in outbox("+12065550142")]
    assert len(told) == 2 and SAVED in told[0] and "nobody could take your request" in told[1]


def test_a_request_saved_at_once_is_not_told_twice(migrated_db):
    """Nobody on call at all when it was made: the opening reply said it was saved; a specialist
    who comes on shift and does not answer changes nothing the person needs to hear."""
    ref = open_handoff()
    from tests.bot.handoff.conftest import add

    add("Late", "+12065550115", zips="98104")
    with session_scope() as session:
        engine.escalate_due(session, NOW + timedelta(minutes=11))
        engine.escalate_due(session, NOW + timedelta(minutes=22))
    assert [e for e, _ in state(ref)[2]] == ["created", "unassigned", "alerted", "timed_out", "unassigned"]
    assert outbox("+12065550142") == []


def test_the_relay_carries_text_both_ways_with_prefixes(roster):
    ref = open_handoff()
    act("accept", "+12065550111", ref)
    with session_scope() as session:
        handoff = engine.relay_for_person(session, "h" + "1" * 40)
        engine.relay_to_specialist(session, handoff, "hi, I need narcan")
        engine.relay_to_person(session, handoff, "I can meet you at 3")
    assert ("+12065550111", "relay", f"{ref}: hi, I need narcan") in outbox()
    assert ("+12065550142", "relay", "Specialist: I can meet you at 3") in outbox()


def test_the_log_holds_no_number_and_no_message(roster):
    ref = open_handoff()
    act("accept", "+12065550111", ref)
    with session_scope() as session:
        details = " ".join(str((log.event, log.detail)) for log in session.scalars(select(HandoffLog)))
    assert "555" not in details and "narcan" not in details
