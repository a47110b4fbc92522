"""Talk to a person: the handoff action, driven with a Tracker and a CollectingDispatcher."""
from rasa_sdk import Tracker
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
