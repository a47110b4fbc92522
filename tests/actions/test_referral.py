"""Officer referral actions, driven as the action server drives them: a Tracker and a
CollectingDispatcher. The person's number reaches the slots only as its stand-in."""
import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.referral import REFERRAL_SLOTS, ActionSubmitReferral, ValidateReferralForm
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, Officer, OutboxMessage, Referral
from bot.phonebook import STAND_IN
from bot.privacy import sender_key
from tests.actions import call
from tests.bot.handoff.conftest import NOW, roster  # noqa: F401 (fixture)

OFFICER = "+12065550181"
ONE_LINER = "Referral: consented, 206-555-0142, post OD, needs narcan, spanish"


def officer_key(register=True):
    key = sender_key(OFFICER, get_settings().require_secret_key())
    if register:
        with session_scope() as session:
            session.add(Officer(name="Ofc. Lee", phone=OFFICER, phone_key=key, agency="Seattle PD", active=1, created_at=NOW))
    return key


def tracker(key, text, requested_slot=None, events=(), entities=(), **slots):
    return Tracker(
        sender_id=key,
        slots={"requested_slot": requested_slot, **slots},
        latest_message={"text": text, "intent": {"name": "officer_referral"}, "entities": list(entities)},
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={"name": "referral_form"},
        latest_action_name="action_listen",
    )


def extract(slot, t):
    return call(getattr(ValidateReferralForm(), f"extract_{slot}"), CollectingDispatcher(), t, {})


def test_one_message_fills_every_slot_and_the_contact_is_a_stand_in(roster):
    t = tracker(officer_key(), ONE_LINER)
    contact = extract("referral_contact", t)["referral_contact"]
    assert STAND_IN.fullmatch(contact) and "555" not in contact
    assert extract("referral_consent", t) == {"referral_consent": "yes"}
    assert extract("referral_reason", t) == {"referral_reason": "non_fatal_overdose"}


def test_a_place_and_time_answers_the_contact_question(roster):
    t = tracker(officer_key(), "library steps on 4th ave at 3pm", requested_slot="referral_contact")
    assert extract("referral_contact", t) == {"referral_contact": "library steps on 4th ave at 3pm"}
    # Not asked for yet: free text is not taken as a contact.
    assert extract("referral_contact", tracker(officer_key(False), "post OD near the library")) == {}


def submit(t):
    dispatcher = CollectingDispatcher()
    events = call(ActionSubmitReferral().run, dispatcher, t, {})
    return dispatcher.messages, events


def test_submit_opens_a_handoff_that_reaches_the_person_and_tells_the_officer_only_the_reference(roster):
    key = officer_key()
    contact = extract("referral_contact", tracker(key, ONE_LINER))["referral_contact"]
    said = {"event": "user", "text": ONE_LINER.replace("206-555-0142", contact),
            "parse_data": {"intent": {"name": "officer_referral"}, "entities": [{"entity": "service_type", "value": "naloxone"}]}}
    messages, events = submit(tracker(key, said["text"], events=[said], referral_consent="yes",
                                      referral_contact=contact, referral_reason="non_fatal_overdose"))
    (message,) = messages
    assert message["response"] == "utter_referral_received" and re.fullmatch(r"H-\d+", message["ref"])
    assert events == [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == message["ref"]))
        assert handoff.person_number == "+12065550142" and handoff.language == "es" and handoff.needs == "naloxone"
        assert handoff.contact_note is None
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).one()
        assert "0142" not in alert.body


def test_without_consent_nothing_is_opened_and_the_officer_gets_the_leave_behind(roster):
    messages, events = submit(tracker(officer_key(), "no consent", referral_consent="no"))
    assert messages[0]["response"] == "utter_referral_no_consent" and messages[0]["hotline"] == "(206) 555-0100"
    with session_scope() as session:
        assert session.scalar(select(Handoff.id)) is None
        assert session.scalars(select(Referral)).one().consented == 0


def test_an_unregistered_phone_is_told_how_registration_works(roster):
    messages, events = submit(tracker(officer_key(register=False), ONE_LINER, referral_consent="yes"))
    assert messages[0]["response"] == "utter_officer_not_registered"
    assert events == [SlotSet(slot, None) for slot in REFERRAL_SLOTS]


def test_by_voice_the_call_rings_a_specialist_instead_of_an_sms_alert(roster):
    key = officer_key()
    contact = extract("referral_contact", tracker(key, ONE_LINER))["referral_contact"]
    t = tracker(key, ONE_LINER.replace("206-555-0142", contact), referral_consent="yes", referral_contact=contact,
                referral_reason="non_fatal_overdose")
    t.latest_message["metadata"] = {"channel": "voice", "language": "en"}
    messages, events = submit(t)
    (message,) = messages
    ref = message["custom"]["voice"]["transfer"]  # the voice channel dials (bot/channels/twilio_voice.py)
    assert re.fullmatch(r"H-\d+", ref) and events == [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        assert handoff.source == "officer" and handoff.state == "created" and handoff.person_number == "+12065550142"
        assert session.scalar(select(OutboxMessage.id)) is None  # no SMS alert while the call rings


# --- consent: an explicit yes (review 1) ----------------------------------------------------------

def asked(times):
    """The events of a referral whose consent question was asked `times` times."""
    events = [{"event": "user", "text": "new referral", "parse_data": {"intent": {"name": "officer_referral"}}},
              {"event": "active_loop", "name": "referral_form"}]
    for _ in range(times):
        events += [{"event": "bot", "text": "Did the person agree to be contacted by a harm reduction specialist? Reply YES or NO.",
                    "metadata": {"utter_action": "utter_ask_referral_consent"}},
                   {"event": "user", "text": "maybe", "parse_data": {"intent": {"name": "officer_referral"}}}]
    return events


@pytest.mark.parametrize("text, slots", [
    ("Referral: hasn't consented, 206-555-0142, post OD, needs narcan", {"referral_consent": "no"}),
    ("did not give consent", {"referral_consent": "no"}), ("they don't consent", {"referral_consent": "no"}),
    ("refuses consent", {"referral_consent": "no"}), ("consent: no", {"referral_consent": "no"}),
    ("not agreed yet", {}), ("consent pending, hasn't decided", {}),
    ("Asked about consent, he said nah", {"referral_consent": "no"}), ("wouldn't consent", {"referral_consent": "no"}),
    ("unsure if she consented", {}), ("never consented", {"referral_consent": "no"}),
    ("Referral: consented, no phone, post OD", {"referral_consent": "yes"}), ("aceptó", {"referral_consent": "yes"}),
])
def test_a_referral_that_does_not_say_yes_is_not_read_as_consent(roster, text, slots):
    # {} leaves the slot empty: the form asks the consent question.
    assert extract("referral_consent", tracker(officer_key(), text)) == slots


@pytest.mark.parametrize("answer, slots", [
    ("yes", {"referral_consent": "yes"}), ("sure why not", {"referral_consent": "yes"}), ("dale", {"referral_consent": "yes"}),
    ("no", {"referral_consent": "no"}), ("she hasn't agreed", {"referral_consent": "no"}), ("nah", {"referral_consent": "no"}),
    ("not yet", {"referral_consent": None}), ("todavía no", {"referral_consent": None}), ("maybe", {"referral_consent": None}),
])
def test_the_answer_to_the_consent_question(roster, answer, slots):
    t = tracker(officer_key(), answer, requested_slot="referral_consent", events=asked(1))
    assert extract("referral_consent", t) == slots


def test_unclear_is_asked_twice_then_the_referral_lapses(roster):
    key = officer_key()
    # Asked once: the second unclear answer gets the question again (the slot stays empty).
    again = {"referral_consent": None}
    assert extract("referral_consent", tracker(key, "not sure", requested_slot="referral_consent", events=asked(1))) == again
    # Asked twice: the referral lapses.
    lapsed = tracker(key, "idk", requested_slot="referral_consent", events=asked(2))
    assert extract("referral_consent", lapsed) == {"referral_consent": "unclear"}
    # A question asked in an earlier referral does not count toward this one.
    earlier = asked(2) + [{"event": "active_loop", "name": None},
                          {"event": "bot", "text": "Referral received: H-1234.", "metadata": {"utter_action": "utter_referral_received"}}]
    assert extract("referral_consent", tracker(key, "maybe", requested_slot="referral_consent", events=earlier + asked(1))) == again
    # Nothing more is asked of a lapsed referral: no contact details of a person who did not say yes.
    form = ValidateReferralForm()
    required = call(form.required_slots, ["referral_consent", "referral_contact", "referral_reason"], CollectingDispatcher(),
                    tracker(key, "idk", referral_consent="unclear"), {})
    assert required == ["referral_consent"]


def test_a_lapsed_referral_opens_nothing_and_tells_the_officer(roster):
    messages, events = submit(tracker(officer_key(), "idk", referral_consent="unclear", referral_contact="library at 3pm"))
    (message,) = messages
    assert message["response"] == "utter_referral_lapsed" and message["hotline"] == "(206) 555-0100"
    assert events == [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
    with session_scope() as session:
        assert session.scalar(select(Handoff.id)) is None and session.scalar(select(OutboxMessage.id)) is None
        assert session.scalars(select(Referral)).one().consented == 0
