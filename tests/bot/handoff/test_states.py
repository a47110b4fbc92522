"""The handoff vocabulary: the stored words, and the groups of states the code asks about."""
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import Handoff
from bot.handoff import engine
from bot.handoff.states import AWAITING, OFFERED, OPEN, OVER, RINGABLE, ConsentBy, Source, State


def test_the_stored_words_are_the_ones_the_database_always_held():
    assert [s.value for s in State] == ["created", "alerted", "escalated", "accepted", "closed", "expired", "stale"]
    assert [s.value for s in Source] == ["community", "officer"] and [c.value for c in ConsentBy] == ["person", "officer"]
    # A State is its word wherever it is written: compared, formatted, printed, or logged.
    assert State.ALERTED == "alerted" and f"{State.ALERTED}" == "alerted" and str(State.ALERTED) == "alerted"
    assert "%s" % State.STALE == "stale"  # noqa: UP031 - printf formatting is what is under test


def test_every_state_is_open_or_over_and_never_both():
    assert set(OPEN) | set(OVER) == set(State) and not set(OPEN) & set(OVER)
    assert set(OFFERED) < set(AWAITING) < set(OPEN) and State.ACCEPTED not in AWAITING
    assert set(RINGABLE) == {State.CREATED, State.ALERTED}


def test_a_handoff_stores_and_reads_back_plain_words(migrated_db):
    with session_scope() as session:
        handoff = engine.create_handoff(session, source=Source.COMMUNITY, person_key="k", consent_by=ConsentBy.PERSON,
                                        consent_text="yes")
        ref = handoff.ref
    with session_scope() as session:
        raw = session.execute(select(Handoff.state, Handoff.source, Handoff.consent_by).where(Handoff.ref == ref)).one()
        assert tuple(raw) == ("created", "community", "person") and raw.state in OPEN
        assert session.scalar(select(Handoff.id).where(Handoff.state.in_(AWAITING))) is not None
