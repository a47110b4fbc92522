"""The retention purge (bot/retention.py) takes ended subscriptions and the words of reports."""
from datetime import timedelta

from sqlalchemy import select

from bot.clock import utcnow
from bot.db import session_scope
from bot.db.models import AlertSubscription, BatchReport
from bot.handoff.inbound import route
from bot.retention import purge


def text(key, body, number="+12065550142"):
    with session_scope() as session:
        route(session, number, key, body)


def test_ended_subscriptions_and_report_words_go_with_the_retention_period(demo_db):
    text("h" + "1" * 40, "ALERTS 98104", "+12065550141")
    text("h" + "1" * 40, "ALERTS OFF", "+12065550141")
    text("h" + "2" * 40, "ALERTS 98104", "+12065550142")
    text("h" + "3" * 40, "STOP", "+12065550143")
    text("h" + "4" * 40, "REPORT white powder sold as down in belltown is mostly xylazine")
    with session_scope() as session:
        purge(session, 30, None, now=utcnow() + timedelta(days=29))
    with session_scope() as session:
        assert len(session.scalars(select(AlertSubscription)).all()) == 2  # not yet
        assert session.scalar(select(BatchReport.words)) is not None
    with session_scope() as session:
        purge(session, 30, None, now=utcnow() + timedelta(days=31))
    with session_scope() as session:
        assert [(s.to_number, s.area) for s in session.scalars(select(AlertSubscription))] == [("+12065550142", "98104")]
        report = session.scalar(select(BatchReport))
        assert (report.words, report.area) == (None, "Belltown")  # where and when stay, for counts
