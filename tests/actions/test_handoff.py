"""Talk to a person: the handoff action, driven with a Tracker and a CollectingDispatcher."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.handoff import ActionOpenHandoff
from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage
from bot.handoff.follow_up_texts import say
from tests.actions import call
from tests.bot.handoff.conftest import roster  # noqa: F401 (fixture)

KEY = "h" + "1" * 40
QUESTION = "I can have a harm reduction specialist text you from this number. Is it OK for them to text you? Reply YES or NO."


def tracker(text="yes", metadata=None, **slots):
    asked = {"event": "bot", "text": QUESTION}
    return Tracker(
        sender_id=KEY,
        slots={"language": "en", **slots},
        latest_message={"text": text, "intent": {"name": "affirm"}, "entities": [], "metadata": metadata or {}},
        events=[asked, {"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(t):
    dispatcher = CollectingDispatcher()
    events = call(ActionOpenHandoff().run, dispatcher, t, {})
    return dispatcher.messages, events


def test_yes_by_text_opens_a_handoff_with_its_consent_and_alerts_a_specialist(roster, demo_db):
    messages, events = run(tracker("yes please", service_type="naloxone", location="98104", language="es"))
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).one()
    assert handoff.consent_text == f'Asked: "{QUESTION}" Answered: "yes please"'
    assert handoff.person_key == KEY and handoff.area == "98104" and handoff.needs == "naloxone" and handoff.language == "es"
    assert alert.to_number == "+12065550111"  # Ana: covers 98104 and speaks Spanish
    assert handoff.ref in messages[0]["text"] and events == []
    # Then, as a message of its own, the person's own question about check-ins, in their language.
    assert [m["text"] for m in messages[1:]] == [say("question", "es")] and handoff.follow_up_consent == "asked"


def test_yes_by_voice_asks_the_channel_to_ring_instead_of_texting(roster, demo_db):
    messages, _ = run(tracker("yes", metadata={"channel": "voice", "keypad": "1"}))
    with session_scope() as session:
        handoff = session.scalars(select(Handoff)).one()
        assert session.scalars(select(OutboxMessage)).all() == []
    assert messages == [{**messages[0], "custom": {"voice": {"transfer": handoff.ref}}}]
    assert 'Answered: "pressed 1 (yes)"' in handoff.consent_text and handoff.deadline_at is not None
    assert handoff.follow_up_consent == "to_ask"  # asked by text once the call gives the number


# --- only an explicit yes opens it (review 1: the person's own question) ----------------------------

def answered(text, times_asked=1, intent="affirm"):
    """The person asked for someone, was asked the question `times_asked` times, and answered
    `text` (read by the assistant as `intent`) each time."""
    asked = {"event": "bot", "text": QUESTION, "metadata": {"utter_action": "utter_ask_handoff_consent"}}
    events = [{"event": "user", "text": "can i talk to someone", "parse_data": {"intent": {"name": "request_human"}}}, asked]
    for _ in range(times_asked - 1):
        events += [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}, asked]
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})
    t = tracker(text)
    t.events = events
    return t


def handoffs():
    with session_scope() as session:
        return session.scalars(select(Handoff)).all(), session.scalars(select(OutboxMessage)).all()


@pytest.mark.parametrize("text", ["yes but not now", "sí, pero no ahora", "yeah no", "no thanks"])
def test_an_affirm_that_says_no_opens_nothing(roster, demo_db, text):
    messages, events = run(answered(text))
    assert [m["response"] for m in messages] == ["utter_handoff_declined"] and events == []
    assert handoffs() == ([], [])


@pytest.mark.parametrize("text", ["sure, maybe later", "ok, not sure", "si, tal vez", "/affirm"])
def test_an_unclear_answer_is_asked_again_and_opens_nothing(roster, demo_db, text):
    messages, events = run(answered(text))
    assert messages == [] and events == [FollowupAction("utter_ask_handoff_consent")]
    assert handoffs() == ([], [])


def test_after_two_unclear_answers_nobody_is_asked_to_contact_them(roster, demo_db):
    messages, events = run(answered("maybe, idk", times_asked=2))
    assert [m["response"] for m in messages] == ["utter_handoff_declined"] and events == []
    assert handoffs() == ([], [])


@pytest.mark.parametrize("text", ["yes", "sure why not", "no problem", "sí, claro", "dale", "ok text me"])
def test_a_plain_yes_opens_it(roster, demo_db, text):
    run(answered(text))
    assert len(handoffs()[0]) == 1
