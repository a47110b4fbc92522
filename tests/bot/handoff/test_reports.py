"""Handoff reports for program staff: counts, time to accept, outcomes and the agencies' figures;
never a number or a message."""
from datetime import timedelta

import pytest

from bot.db import session_scope
from bot.db.models import Officer
from bot.handoff import engine, referral
from bot.handoff.reports import agencies, handoff_rows, report
from tests.bot.handoff.conftest import NOW

SLA = 5 * 60  # seconds
PERSON = "+12065550142"


def handoff(minutes_to_accept=None, source="community", number=PERSON, created=NOW, outcome=None):
    with session_scope() as session:
        row = engine.create_handoff(
            session, source=source, person_key="k" * 40, consent_by="person",
            consent_text='Asked: "Connect you?" Answered: "yes, please, my number is 206-555-0142"',
            needs=["naloxone", "moud"], area="98104", person_number=number, now=created, alert=False,
        )
        if minutes_to_accept is not None:
            row.state, row.accepted_at = "accepted", created + timedelta(minutes=minutes_to_accept)
        if outcome:
            row.state, row.outcome, row.closed_at = "closed", outcome, created + timedelta(hours=1)
        return row.ref


def test_with_no_handoffs_every_figure_is_zero_or_none(migrated_db):
    with session_scope() as session:
        figures = report(session, SLA)
        assert handoff_rows(session) == []
    assert figures["handoffs"] == 0 and figures["accepted"] == 0
    assert figures["by_source"] == {} and figures["agencies"] == {}
    assert figures["accepted_within_sla_percent"] is None
    assert figures["time_to_accept_minutes_p50"] is None and figures["time_to_accept_minutes_p90"] is None


def test_time_to_accept_and_the_share_within_the_sla(migrated_db):
    for minutes in (1, 2, 3, 4, 10):
        handoff(minutes)
    handoff()  # never accepted: counts against the SLA
    with session_scope() as session:
        figures = report(session, SLA)
    assert figures["handoffs"] == 6 and figures["accepted"] == 5 and figures["sla_minutes"] == 5.0
    assert figures["accepted_within_sla_percent"] == 66.7  # 4 of 6
    # Interpolated between the nearest ranks (bot/percentiles.py): p90 of 1, 2, 3, 4, 10 is 4 + 0.6 × 6.
    assert figures["time_to_accept_minutes_p50"] == 3.0 and figures["time_to_accept_minutes_p90"] == 7.6
    assert figures["by_state"] == {"accepted": 5, "created": 1} and figures["by_source"] == {"community": 6}


def test_one_accepted_handoff_is_its_own_percentiles(migrated_db):
    handoff(2.5)
    with session_scope() as session:
        figures = report(session, SLA)
    assert figures["time_to_accept_minutes_p50"] == figures["time_to_accept_minutes_p90"] == 2.5


def test_since_leaves_out_older_handoffs_and_outcomes_are_counted(migrated_db):
    handoff(1, created=NOW - timedelta(days=40), outcome="reached")
    handoff(1, outcome="engaged")
    handoff(1, outcome="engaged")
    with session_scope() as session:
        everything, recent = report(session, SLA), report(session, SLA, since=NOW - timedelta(days=30))
    assert everything["outcomes"] == {"reached": 1, "engaged": 2}
    assert recent["handoffs"] == 2 and recent["outcomes"] == {"engaged": 2}
    assert recent["since"] == "2026-10-24T18:00:00Z"


def test_rows_hold_no_number_and_no_words_and_open_only_filters(migrated_db):
    open_ref = handoff()
    handoff(1, outcome="reached")
    with session_scope() as session:
        rows, open_rows = handoff_rows(session), handoff_rows(session, open_only=True)
    assert [row["ref"] for row in open_rows] == [open_ref] and len(rows) == 2
    assert rows[0]["needs"] == ["naloxone", "moud"] and rows[0]["created_at"] == "2026-11-23T18:00:00Z"
    assert rows[1]["closed_at"] == "2026-11-23T19:00:00Z" and rows[1]["outcome"] == "reached"
    assert set(rows[0]) == {"ref", "source", "state", "needs", "area", "language", "consent_by", "created_at",
                            "accepted_at", "closed_at", "outcome"}
    assert "555" not in repr(rows) and "0142" not in repr(rows) and "please" not in repr(rows)


@pytest.fixture
def officers(migrated_db):
    with session_scope() as session:
        ids = []
        for name, phone, agency in (("Ofc. Lee", "+12065550181", "Seattle PD"),
                                    ("Medic Ray", "+12065550182", "Seattle Fire")):
            officer = Officer(name=name, phone=phone, phone_key=phone[-4:] * 10, agency=agency, active=1,
                              created_at=NOW)
            session.add(officer)
            session.flush()
            ids.append(officer.id)
        return ids


def refer(officer_id, consent, accept_after_minutes=None):
    with session_scope() as session:
        _, row = referral.record_referral(
            session, session.get(Officer, officer_id), consent=consent, reason="overdose", contact=PERSON,
            needs=["naloxone"], language="en", urgency="routine", area="98104", now=NOW, alert=False,
        )
        if row is not None and accept_after_minutes is not None:
            row.accepted_at = NOW + timedelta(minutes=accept_after_minutes)


def test_agencies_count_referrals_consent_and_acceptance_within_the_sla(officers):
    police, fire = officers
    refer(police, True, accept_after_minutes=3)
    refer(police, True, accept_after_minutes=30)
    refer(police, False)
    refer(fire, False)
    with session_scope() as session:
        figures = agencies(session, SLA)
        assert report(session, SLA)["agencies"] == figures
    assert figures["Seattle PD"] == {"referrals": 3, "consented": 2, "accepted_within_sla": 1,
                                     "consent_rate_percent": 66.7, "accepted_within_sla_percent": 50.0}
    assert figures["Seattle Fire"] == {"referrals": 1, "consented": 0, "accepted_within_sla": 0,
                                       "consent_rate_percent": 0.0, "accepted_within_sla_percent": None}
    with session_scope() as session:
        assert agencies(session, SLA, since=NOW + timedelta(days=1)) == {}
