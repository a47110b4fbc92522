"""Three-way introduction: when there is one to make, what the log records, the one outcome, and
the specialist's SMS when the person does not join."""
import pytest

from bot.db import session_scope
from bot.db.models import Officer
from bot.handoff import introduction, referral, transfer
from bot.phonebook import first_stand_in
from tests.bot.handoff.conftest import NOW
from tests.bot.handoff.test_transfer import log, outbox, ring, voice_handoff
from tests.conftest import TEST_ENV

PERSON = "+12065550147"


@pytest.fixture
def officer(roster):
    with session_scope() as session:
        officer = Officer(name="Ofc. Lee", phone="+12065550181", phone_key="o" * 40, agency="Seattle PD", active=1, created_at=NOW)
        session.add(officer)
        session.flush()
        return officer.id


def referred(officer_id, contact=PERSON, language="en"):
    """An officer's referral made by phone (no SMS alert: the call rings), taken by the first specialist."""
    with session_scope() as session:
        # As the action hands it over: a number only as its stand-in (bot/phonebook.py).
        stand_in = first_stand_in(session, contact, TEST_ENV["HUB_SECRET_KEY"], "US") or contact
        _, handoff = referral.record_referral(
            session, session.get(Officer, officer_id), consent=True, reason="overdose", contact=stand_in, needs=["naloxone"],
            language=language, urgency="routine", area="98104", now=NOW, alert=False,
        )
        ref = handoff.ref
    first = ring(ref)
    with session_scope() as session:
        transfer.accept_call(session, ref, first.specialist_id, NOW)
    return ref, first.specialist_id


def events(ref):
    return [event for event, *_ in log(ref) if event.startswith("intro_")]


def test_only_an_officer_referral_with_a_number_has_someone_to_introduce(officer):
    ref, _ = referred(officer)
    by_place, _ = referred(officer, contact="under the Jackson St bridge, mornings")
    with session_scope() as session:
        assert introduction.possible(transfer.find(session, ref))
        assert not introduction.possible(transfer.find(session, by_place))
        assert introduction.room(transfer.find(session, ref)) == f"health-hub-{ref}"  # no personal data in the name
    caller = voice_handoff()
    with session_scope() as session:
        assert not introduction.possible(transfer.find(session, caller))  # a person who called is on the line already


def test_the_referred_person_is_texted_who_has_it_when_the_specialist_takes_the_call(officer):
    ref, specialist = referred(officer)
    to_person = [body for number, purpose, body in outbox() if number == PERSON]
    assert len(to_person) == 1 and "An officer asked us, with your OK" in to_person[0] and ref in to_person[0]


def test_joined_once_then_the_outcome_stands(officer):
    ref, specialist = referred(officer)
    with session_scope() as session, pytest.raises(transfer.TransferError):
        introduction.joined(session, ref, NOW)  # the hotline never called the person
    with session_scope() as session:
        introduction.dialed(session, ref, NOW)
    with session_scope() as session:
        assert introduction.joined(session, ref, NOW) is True
    with session_scope() as session:
        assert introduction.joined(session, ref, NOW) is False  # a repeated press moves nobody again
        assert introduction.call_ended(session, ref, "completed", NOW) is False  # they hung up after talking
    assert events(ref) == ["intro_dialed", "intro_joined"]
    assert all(specialist_id == specialist for event, specialist_id, _ in log(ref) if event.startswith("intro_"))
    assert not [m for m in outbox() if "did not" in m[2]]


@pytest.mark.parametrize("status, event, words", [
    ("no-answer", "intro_no_answer", "did not answer"),
    ("busy", "intro_no_answer", "did not answer"),
    ("completed", "intro_declined", "did not join"),
    ("failed", "intro_failed", "could not bring"),
])
def test_a_person_who_does_not_join_is_reached_by_text_and_the_specialist_is_told_once(officer, status, event, words):
    ref, specialist = referred(officer)
    with session_scope() as session:
        introduction.dialed(session, ref, NOW)
    with session_scope() as session:
        assert introduction.call_ended(session, ref, "ringing", NOW) is False  # not a final status
        assert introduction.call_ended(session, ref, status, NOW) is True
    with session_scope() as session:
        assert introduction.call_ended(session, ref, status, NOW) is False  # Twilio retried the callback
        with pytest.raises(transfer.TransferError):
            introduction.joined(session, ref, NOW)  # too late to join
    assert events(ref) == ["intro_dialed", event]
    notices = [body for number, purpose, body in outbox() if number == "+12065550111" and words in body]
    assert len(notices) == 1 and ref in notices[0] and "text here" in notices[0] and "555" not in notices[0]


def test_a_join_that_fails_after_the_press_is_recorded_and_the_specialist_told(officer):
    ref, _ = referred(officer)
    with session_scope() as session:
        introduction.dialed(session, ref, NOW)
        introduction.joined(session, ref, NOW)
    with session_scope() as session:
        assert introduction.missed(session, ref, "intro_failed", NOW) is True
        assert introduction.outcome(session, transfer.find(session, ref)) == "intro_failed"
    with session_scope() as session:
        assert introduction.missed(session, ref, "intro_declined", NOW) is False
    assert events(ref) == ["intro_dialed", "intro_joined", "intro_failed"]


def test_no_introduction_for_a_handoff_nobody_has_taken(officer):
    with session_scope() as session:
        _, handoff = referral.record_referral(
            session, session.get(Officer, officer), consent=True, reason="overdose", contact=None, needs=[],
            language="en", urgency="routine", now=NOW, alert=False,
        )
        ref = handoff.ref
    with session_scope() as session, pytest.raises(transfer.TransferError):
        introduction.dialed(session, ref, NOW)
    with session_scope() as session, pytest.raises(ValueError):
        introduction.missed(session, ref, "intro_joined", NOW)


def test_nothing_in_the_log_is_a_phone_number(officer):
    ref, _ = referred(officer)
    with session_scope() as session:
        introduction.dialed(session, ref, NOW)
        introduction.call_ended(session, ref, "busy", NOW)
    assert not [row for row in log(ref) if any("555" in str(value) for value in row if value)]
