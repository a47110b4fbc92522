"""Followers of a handoff's events (bot/handoff/events.py): called in order inside the transaction
that records the event, each in its own savepoint, so that one that fails is undone alone, raised
as an operator alarm, and the event stands."""
import subprocess
import sys

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import Handoff, OperatorAlarm, OutboxMessage, Specialist
from bot.handoff import engine, events
from bot.handoff.states import LogEvent, State

PERSON = "+12065550142"


@pytest.fixture
def followers(monkeypatch):
    """The followers subscribed here, for one test; the module's own are put back after it."""
    monkeypatch.setattr(events, "_FOLLOWERS", {})
    return events


def _accepted_by_ana(roster, source="community"):
    with session_scope() as session:
        handoff = engine.create_handoff(session, source=source, person_key="k", consent_by="person",
                                        consent_text="Person agreed", person_number=PERSON, area="98104")
        ref = handoff.ref
    with session_scope() as session:
        engine.accept(session, session.get(Specialist, roster["ana"]), ref)
    return ref


def _person_texts():
    with session_scope() as session:
        return session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_number == PERSON)).all()


def test_followers_are_called_in_order_and_their_words_join_the_persons_text(roster, followers):
    called = []

    def first(session, handoff, now):
        called.append(("first", handoff.state))
        return "First words."

    def second(session, handoff, now):
        called.append(("second", handoff.state))
        return None

    def third(session, handoff, now):
        called.append(("third", handoff.state))
        return "Third words."

    for follower in (first, second, third, first):  # subscribing twice is once
        followers.subscribe(LogEvent.ACCEPTED, follower)
    _accepted_by_ana(roster)
    assert called == [("first", State.ACCEPTED), ("second", State.ACCEPTED), ("third", State.ACCEPTED)]
    assert _person_texts()[-1].endswith(" First words. Third words.")


def test_a_failing_follower_is_undone_alone_and_raised_as_an_alarm_and_the_accept_stands(roster, followers):
    def breaks_halfway(session, handoff, now):
        handoff.outcome = "half-written"  # must not survive: its savepoint is rolled back
        session.flush()
        raise RuntimeError("boom")

    def after(session, handoff, now):
        return "Still said."

    followers.subscribe(LogEvent.ACCEPTED, breaks_halfway)
    followers.subscribe(LogEvent.ACCEPTED, after)
    ref = _accepted_by_ana(roster)
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        assert handoff.state == State.ACCEPTED and handoff.specialist_id == roster["ana"]
        assert handoff.outcome is None
        alarm = session.get(OperatorAlarm, events.alarm_name(breaks_halfway))
        assert alarm is not None and ref in alarm.detail and "stands" in alarm.detail
    assert _person_texts()[-1].endswith(" Still said.")


def test_a_close_is_published_to_its_followers(roster, followers):
    seen = []
    followers.subscribe(LogEvent.CLOSED, lambda session, handoff, now: seen.append(handoff.outcome) or None)
    ref = _accepted_by_ana(roster)
    with session_scope() as session:
        engine.done(session, session.get(Specialist, roster["ana"]), ref, "reached")
    assert seen == ["reached"]


@pytest.mark.parametrize("module", ["bot.handoff.inbound", "bot.handoff.transfer", "bot.channels.inbound", "bot.worker"])
def test_every_process_that_accepts_a_handoff_has_the_follow_up_question_subscribed(module):
    # In a fresh interpreter: what a process imports is what it has subscribed.
    code = (f"import {module}\n"
            "from bot.handoff import events\n"
            "from bot.handoff.states import LogEvent\n"
            "print(sorted(f.__module__ + '.' + f.__qualname__ for f in events.followers(LogEvent.ACCEPTED)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "bot.handoff.follow_up._ask_on_accept" in result.stdout
