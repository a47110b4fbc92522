"""The board's groups, and the weekly figures the reports draw."""
from datetime import timedelta

from bot.clock import utcnow
from bot.console.board import board, handoff_detail
from bot.db import session_scope
from bot.handoff import engine
from bot.handoff.reports import counts_by_state, weekly
from tests.bot.handoff.conftest import roster  # noqa: F401 (fixture)

SLA = 600


def make(session, minutes_ago, now=None, **fields):
    handoff = engine.create_handoff(session, source=fields.pop("source", "community"), person_key="k" * 64,
                                    consent_by="person", consent_text="yes", needs=["naloxone", "moud"], area="98104",
                                    person_number="+12065550142", now=(now or utcnow()) - timedelta(minutes=minutes_ago))
    for name, value in fields.items():
        setattr(handoff, name, value)
    session.flush()
    return handoff.ref


def test_each_handoff_is_in_one_group_and_no_number_is_in_any(roster):
    now = utcnow()
    with session_scope() as session:
        fresh = make(session, 1)
        late = make(session, 30, now)
        nobody = make(session, 2, state="created", specialist_id=None)
        taken = make(session, 40, state="accepted", accepted_at=now - timedelta(minutes=35))
        done = make(session, 50, state="closed", closed_at=now - timedelta(minutes=1), outcome="connected")
        make(session, 3 * 24 * 60, state="closed", closed_at=now - timedelta(days=2), outcome="connected")  # not today
        groups = board(session, SLA, now)
        assert {key: [row["ref"] for row in rows] for key, rows in groups.items()} == {
            "late": [late], "waiting": [nobody], "alerted": [fresh], "accepted": [taken], "closed": [done]}
        assert groups["alerted"][0]["with"] == "Ana" and groups["waiting"][0]["with"] is None
        assert groups["alerted"][0]["needs"] == ["naloxone", "moud"] and groups["late"][0]["age"] == "30 min"
        assert "0142" not in repr(groups)
        assert "0142" not in repr(handoff_detail(session, fresh)) and handoff_detail(session, "H-NOPE") is None
        assert counts_by_state(session) == {"alerted": 2, "created": 1, "accepted": 1, "closed": 2}


def test_weekly_figures_list_quiet_weeks_too(roster):
    now = utcnow()
    with session_scope() as session:
        make(session, 60 * 24 * 14, source="officer", state="accepted",
             accepted_at=now - timedelta(days=14) + timedelta(minutes=6))
        make(session, 10, accepted_at=now - timedelta(minutes=8))
        rows = weekly(session, now - timedelta(days=21))
    assert len(rows) in (4, 5)  # three weeks back to this one, by Monday
    assert sum(row["by_source"]["officer"] for row in rows) == 1 and rows[-1]["by_source"]["community"] == 1
    assert rows[-1]["time_to_accept_minutes_p50"] == 2.0
    assert any(row["accepted"] == 0 and row["time_to_accept_minutes_p50"] is None for row in rows)
