"""Issue 17's handoff fixes through the real path: signed Twilio webhooks into the SMS channel,
routed before Rasa (which must see none of it), into the database and the outbox."""
from __future__ import annotations

from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import ContactNumber, Handoff, OutboxMessage
from bot.handoff import engine
from bot.handoff.texts import MAX_SMS_CHARS, sms_length
from bot.phonebook import HELD
from tests.bot.channels.test_twilio_sms import FakeRasa, channel_url, post, post_all, replies, sms_params  # noqa: F401
from tests.bot.handoff.conftest import add

ANA, PERSON = "+12065550111", "+12065550142"


def open_accepted_handoff(post, rasa):
    add("Ana", ANA, zips="98104")
    from bot.config import get_settings
    from bot.privacy import sender_key

    settings = get_settings()
    with session_scope() as session:
        ref = engine.create_handoff(session, source="community", consent_by="person", consent_text="yes", area="98104",
                                    person_key=sender_key(PERSON, settings.require_secret_key(), "US"),
                                    person_number=PERSON).ref
    status, body = post(rasa, sms_params(f"ACCEPT {ref}", sender=ANA))
    assert status == 200 and replies(body)[0].startswith(f"You have {ref}.")
    return ref


def relayed(to):
    with session_scope() as session:
        return list(session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_number == to, OutboxMessage.purpose == "relay")
                                    .order_by(OutboxMessage.id)))


def test_a_specialist_s_words_that_begin_like_a_command_reach_the_person(post):
    rasa = FakeRasa()
    ref = open_accepted_handoff(post, rasa)
    status, body = post(rasa, sms_params("Yes I can bring narcan at 3pm", sender=ANA))
    assert status == 200 and replies(body) == []
    assert relayed(PERSON) == ["Specialist: Yes I can bring narcan at 3pm"]
    status, body = post(rasa, sms_params("off", sender=ANA))
    assert replies(body)[0].startswith("You're off call") and f"({ref})" in replies(body)[0]
    assert rasa.received == []


def test_a_1600_character_text_from_the_person_reaches_the_specialist_in_parts(post):
    rasa = FakeRasa()
    ref = open_accepted_handoff(post, rasa)
    status, body = post(rasa, sms_params("x " * 800, sender=PERSON))
    assert status == 200 and rasa.received == []
    parts = relayed(ANA)
    assert [p.split(": ", 1)[0] for p in parts] == [f"{ref} (1/2)", f"{ref} (2/2)"]
    assert all(sms_length(p) <= MAX_SMS_CHARS for p in parts)
    with session_scope() as session:
        assert session.scalar(select(Handoff.state).where(Handoff.ref == ref)) == "accepted"


class RasaOpeningAHandoffAcceptedAtOnce:
    """Stands in for Rasa whose turn opens a handoff with the real action (the person said yes)
    and whose specialist accepts it before the turn has even returned: the alert went out within
    a second, and the specialist was quick (or the line was busy)."""

    def __init__(self):
        self.refs = []

    async def __call__(self, message):
        import asyncio

        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        from actions.handoff import ActionOpenHandoff
        from bot.handoff.inbound import route

        question = "I can have a harm reduction specialist text you from this number. Is it OK for them to text you? Reply YES or NO."
        tracker = Tracker(sender_id=message.sender_id, slots={"language": "en"}, paused=False, followup_action=None,
                          latest_message={"text": message.text, "intent": {"name": "affirm"}, "entities": [],
                                          "metadata": message.metadata},
                          events=[{"event": "bot", "text": question}, {"event": "user", "text": message.text}],
                          active_loop={}, latest_action_name="action_listen")
        dispatcher = CollectingDispatcher()
        await ActionOpenHandoff().run(dispatcher, tracker, {})
        with session_scope() as session:
            ref = session.scalar(select(Handoff.ref).where(Handoff.person_key == message.sender_id))
        self.refs.append(ref)

        def accept():
            with session_scope() as session:
                return route(session, ANA, "k", f"ACCEPT {ref}").replies

        assert (await asyncio.get_running_loop().run_in_executor(None, accept))[0].startswith(f"You have {ref}.")
        for sent in dispatcher.messages:
            await message.output_channel.send_text_message(message.sender_id, sent["text"])


def test_a_specialist_who_accepts_before_the_turn_ends_reaches_the_person(post):
    # Before: the number was attached only after the turn, so this ACCEPT found none: the
    # person's "you have a specialist" notice was skipped, and the specialist's first text refused.
    add("Ana", ANA, zips="")
    rasa = RasaOpeningAHandoffAcceptedAtOnce()
    status, body = post(rasa, sms_params("yes", sender=PERSON))
    assert status == 200 and len(replies(body)) >= 1
    [ref] = rasa.refs
    with session_scope() as session:
        assert session.scalar(select(Handoff.person_number).where(Handoff.ref == ref)) == PERSON
        notices = session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_number == PERSON,
                                                                   OutboxMessage.purpose == "notice")).all()
    assert len(notices) == 1 and ref in notices[0]
    with session_scope() as session:  # the number was held for the turn only
        assert session.scalar(select(ContactNumber).where(ContactNumber.key.startswith(HELD))) is None
    status, body = post(RasaOpeningAHandoffAcceptedAtOnce(), sms_params("On my way, 10 minutes", sender=ANA))
    assert status == 200 and relayed(PERSON) == ["Specialist: On my way, 10 minutes"]
