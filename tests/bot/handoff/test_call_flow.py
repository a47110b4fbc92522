"""A handoff's decisions on a call, without Twilio or Rasa: what the caller hears while the first
phone rings, what follows a ring that ended, who is promised what when nobody took the call, and
when taking a referral leads to calling the person in."""
import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import Officer, Specialist
from bot.handoff import call_flow, referral, transfer
from bot.handoff.call_flow import AfterDial, Announcement, Promise
from bot.handoff.referrers import Kind
from bot.phonebook import first_stand_in
from tests.bot.handoff.conftest import NOW
from tests.bot.handoff.test_transfer import handoff_state, log, outbox, voice_handoff
from tests.conftest import TEST_ENV

PERSON = "+12065550147"
NOBODY_HERE = "98001"  # a ZIP code no specialist covers


@pytest.fixture
def officer(roster):
    with session_scope() as session:
        officer = Officer(name="Ofc. Lee", phone="+12065550181", phone_key="o" * 40, agency="Seattle PD", active=1,
                          created_at=NOW)
        session.add(officer)
        session.flush()
        return officer.id


def referred(officer_id, contact=PERSON, area="98104"):
    """An officer's referral made by phone: no SMS alert, the call rings."""
    with session_scope() as session:
        stand_in = first_stand_in(session, contact, TEST_ENV["HUB_SECRET_KEY"], "US") or contact
        _, handoff = referral.record_referral(
            session, session.get(Officer, officer_id), consent=True, reason="overdose", contact=stand_in,
            needs=["naloxone"], language="en", urgency="routine", area=area, now=NOW, alert=False,
        )
        return handoff.ref


def events(ref):
    return [event for event, *_ in log(ref)]


# --- the first ring ------------------------------------------------------------------------------

def test_a_person_who_asked_hears_connecting_while_the_best_specialist_rings(roster):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True)
    assert first.announcement is Announcement.CONNECTING
    assert first.ring.specialist_id == roster["ana"] and first.ring.attempt == 1
    assert handoff_state(ref) == ("alerted", roster["ana"]) and events(ref)[-1] == "call_dialed"


def test_an_officer_hears_about_the_introduction_only_when_there_is_one_to_make(officer):
    with_number, by_place = referred(officer), referred(officer, contact="under the Jackson St bridge, mornings")
    assert call_flow.first_ring(with_number, can_call_out=True).announcement is Announcement.REFERRAL_INTRODUCTION
    assert call_flow.first_ring(referred(officer), can_call_out=False).announcement is Announcement.REFERRAL
    assert call_flow.first_ring(by_place, can_call_out=True).announcement is Announcement.REFERRAL


def test_nobody_on_call_in_the_area_rings_nobody(roster):
    ref = voice_handoff(area=NOBODY_HERE)
    first = call_flow.first_ring(ref, can_call_out=True)
    assert first.ring is None and first.announcement is Announcement.CONNECTING
    assert "call_dialed" not in events(ref)


def test_an_unknown_reference_is_refused(migrated_db):
    with pytest.raises(transfer.TransferError):
        call_flow.first_ring("H-0000", can_call_out=True)


# --- after a ring ----------------------------------------------------------------------------------

def test_no_answer_with_the_caller_waiting_rings_the_next_then_falls_back_at_the_limit(roster):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True).ring
    ended = call_flow.after_dial(ref, first.specialist_id, "no-answer", "in-progress", duplicate=False)
    assert ended.next is AfterDial.RING_NEXT and ended.ring.specialist_id == roster["ben"] and ended.ring.attempt == 2
    last = call_flow.after_dial(ref, ended.ring.specialist_id, "busy", "in-progress", duplicate=False)
    assert last == call_flow.DialEnded(AfterDial.FALL_BACK)  # HUB_VOICE_MAX_DIALS defaults to 2
    assert events(ref) == ["created", "call_dialed", "call_no_answer", "call_dialed", "call_busy"]


@pytest.mark.parametrize("call_status", ["completed", "canceled"])
def test_a_caller_who_hung_up_is_not_kept_ringing(roster, call_status):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True).ring
    ended = call_flow.after_dial(ref, first.specialist_id, "no-answer", call_status, duplicate=False)
    assert ended.next is AfterDial.FALL_BACK and ended.ring is None
    assert events(ref) == ["created", "call_dialed", "call_no_answer"]


def test_a_retried_callback_rings_nobody_twice_and_records_nothing(roster):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True).ring
    retried = call_flow.after_dial(ref, first.specialist_id, "no-answer", "in-progress", duplicate=True)
    assert retried.next is AfterDial.FALL_BACK
    assert events(ref) == ["created", "call_dialed"]


def test_a_ring_never_made_is_refused(roster):
    ref = voice_handoff()
    call_flow.first_ring(ref, can_call_out=True)
    with pytest.raises(transfer.TransferError):
        call_flow.after_dial(ref, roster["cy"], "no-answer", "in-progress", duplicate=False)


def test_a_call_taken_ends_in_goodbye_and_a_joined_introduction_in_the_conference(officer):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True).ring
    call_flow.take_call(ref, first.specialist_id, can_call_out=True)
    ended = call_flow.after_dial(ref, first.specialist_id, "completed", "in-progress", duplicate=False)
    assert ended.next is AfterDial.CONNECTED

    referral_ref = referred(officer)
    ring = call_flow.first_ring(referral_ref, can_call_out=True).ring
    call_flow.take_call(referral_ref, ring.specialist_id, can_call_out=True)
    call_flow.person_dialed(referral_ref)
    assert call_flow.person_joined(referral_ref) == (True, f"health-hub-{referral_ref}")
    ended = call_flow.after_dial(referral_ref, ring.specialist_id, "completed", "in-progress", duplicate=True)
    assert ended == call_flow.DialEnded(AfterDial.INTRODUCE, room=f"health-hub-{referral_ref}")


# --- nobody took the call --------------------------------------------------------------------------

def test_a_person_is_promised_the_specialist_alerted_by_sms(roster):
    ref = voice_handoff()
    first = call_flow.first_ring(ref, can_call_out=True).ring
    call_flow.after_dial(ref, first.specialist_id, "no-answer", "completed", duplicate=False)
    assert call_flow.fall_back(ref) == call_flow.FallBack(Promise.CALLBACK_ALERTED, ask_to_call_back=False)
    assert [purpose for _, purpose, _ in outbox()] == ["alert"]


def test_with_nobody_on_call_the_coordinator_has_it_and_a_caller_without_a_number_is_asked_to_call_back(roster):
    ref = voice_handoff(area=NOBODY_HERE, number=None)
    assert call_flow.fall_back(ref) == call_flow.FallBack(Promise.CALLBACK_ESCALATED, ask_to_call_back=True)
    assert [purpose for _, purpose, _ in outbox()] == ["escalation"]


def test_with_nobody_at_all_the_request_is_saved(migrated_db):
    ref = voice_handoff()
    assert call_flow.fall_back(ref) == call_flow.FallBack(Promise.CALLBACK_SAVED, ask_to_call_back=False)
    assert handoff_state(ref) == ("created", None)


def test_an_officer_is_told_who_contacts_the_person_and_never_asked_to_call_back(officer):
    ref = referred(officer, contact="under the Jackson St bridge, mornings", area=NOBODY_HERE)
    assert call_flow.fall_back(ref) == call_flow.FallBack(Promise.REFERRAL_ESCALATED, ask_to_call_back=False)
    with session_scope() as session:
        for specialist in session.scalars(select(Specialist)):
            specialist.active = 0
    assert call_flow.fall_back(referred(officer)).promise is Promise.REFERRAL_SAVED


def test_every_promise_and_announcement_is_said_in_both_languages():
    from bot.voice import texts

    for key in [*Promise, *Announcement]:
        for language in ("en", "es"):
            assert "{" not in texts.say(language, key.value, ref="H, 1 2 3 4")


# --- the whisper and taking the call ---------------------------------------------------------------

def test_the_specialist_hears_of_the_introduction_only_when_the_person_will_be_called(officer):
    ref = referred(officer)
    ring = call_flow.first_ring(ref, can_call_out=True).ring
    assert "introduce you" in call_flow.whisper(ref, can_call_out=True)
    assert "introduce you" not in call_flow.whisper(ref, can_call_out=False)
    assert "555" not in call_flow.whisper(ref, can_call_out=True)
    taken = call_flow.take_call(ref, ring.specialist_id, can_call_out=True)
    assert taken == call_flow.CallTaken(ref, PERSON, "en", Kind.POLICE)


def test_a_call_taken_without_call_control_or_from_a_person_introduces_nobody(officer):
    ref = referred(officer)
    ring = call_flow.first_ring(ref, can_call_out=False).ring
    assert call_flow.take_call(ref, ring.specialist_id, can_call_out=False).introduce_to is None
    caller = voice_handoff(language="es")
    ring = call_flow.first_ring(caller, can_call_out=True).ring
    assert call_flow.take_call(caller, ring.specialist_id, can_call_out=True) == call_flow.CallTaken(caller, None, "es")


def test_a_call_is_taken_once_and_never_by_someone_never_rung(roster):
    ref = voice_handoff()
    ring = call_flow.first_ring(ref, can_call_out=True).ring
    with pytest.raises(transfer.TransferError):
        call_flow.take_call(ref, roster["cy"], can_call_out=True)
    taken = call_flow.take_call(ref, ring.specialist_id, can_call_out=True)
    assert call_flow.take_call(ref, ring.specialist_id, can_call_out=True) == taken  # a second 1 changes nothing
    assert events(ref).count("accepted") == 1
    with pytest.raises(transfer.TransferError):
        call_flow.take_call(ref, roster["ben"], can_call_out=True)
