"""ALERTS, ALERTS OFF and REPORT as texters send them, through the same routing the SMS channel
calls (bot/handoff/inbound.route), against the demo directory's places."""
import pytest
from sqlalchemy import select

from bot.alerts.texts import PHRASES, SAFETY_TIPS
from bot.db import session_scope
from bot.db.models import AlertSubscription, BatchReport, OutboxMessage, Specialist
from bot.handoff.inbound import STOP_REPLY, route
from bot.notify.optout import is_opted_out
from bot.safety import EMERGENCY_REPLY
from tests.bot.handoff.conftest import NOW

PERSON, KEY = "+12065550142", "h" + "4" * 40
OTHER, OTHER_KEY = "+12065550143", "h" + "5" * 40


def text(body, number=PERSON, key=KEY):
    with session_scope() as session:
        routed = route(session, number, key, body)
        return routed.handled, routed.replies


def subscription(key=KEY):
    with session_scope() as session:
        row = session.scalar(select(AlertSubscription).where(AlertSubscription.number_key == key))
        return None if row is None else {c: getattr(row, c) for c in ("to_number", "area", "language", "unsubscribed_at")}


def reports():
    with session_scope() as session:
        return [(r.words, r.area, r.language) for r in session.scalars(select(BatchReport).order_by(BatchReport.id))]


def test_alerts_with_a_zip_subscribes_and_says_how_to_stop(demo_db):
    handled, replies = text("ALERTS 98104")
    assert handled and replies == [PHRASES["en"]["subscribed"].format(area="98104")]
    assert "ALERTS OFF" in replies[0] and "STOP" in replies[0]
    assert subscription() == {"to_number": PERSON, "area": "98104", "language": "en", "unsubscribed_at": None}


def test_the_number_is_kept_only_where_alerts_go(demo_db):
    text("alerts 98104")
    with session_scope() as session:
        row = session.scalar(select(AlertSubscription))
        assert row.number_key == KEY and row.to_number == PERSON
        assert PERSON not in (row.area, row.language, row.number_key)


@pytest.mark.parametrize("body, area", [("ALERTS belltown", "Belltown"), ("Alerts: Capitol Hill!", "Capitol Hill"),
                                        ("ALERTS tacoma", "Tacoma, WA"), ("ALERTS 98104-1234", "98104")])
def test_a_neighbourhood_or_city_the_directory_knows_subscribes(demo_db, body, area):
    assert text(body) == (True, [PHRASES["en"]["subscribed"].format(area=area)])
    assert subscription()["area"] == area


def test_alertas_subscribes_in_spanish(demo_db):
    assert text("ALERTAS 98122") == (True, [PHRASES["es"]["subscribed"].format(area="98122")])
    assert subscription()["language"] == "es"
    assert text("alertas no") == (True, [PHRASES["es"]["unsubscribed"]])


def test_subscribing_twice_keeps_one_subscription(demo_db):
    text("ALERTS 98104")
    assert text("ALERTS 98104") == (True, [PHRASES["en"]["already"].format(area="98104")])
    assert text("ALERTS 98122") == (True, [PHRASES["en"]["moved"].format(area="98122", before="98104")])
    with session_scope() as session:
        assert [r.area for r in session.scalars(select(AlertSubscription))] == ["98122"]


def test_alerts_off_unsubscribes_and_forgets_the_number(demo_db):
    text("ALERTS 98104")
    assert text("ALERTS OFF") == (True, [PHRASES["en"]["unsubscribed"]])
    row = subscription()
    assert row["to_number"] is None and row["unsubscribed_at"] is not None
    assert text("alerts off") == (True, [PHRASES["en"]["not_subscribed"]])


def test_stop_ends_the_subscription_and_is_answered_as_always(demo_db):
    text("ALERTS 98104")
    assert text("STOP") == (True, [STOP_REPLY])
    assert subscription()["to_number"] is None
    with session_scope() as session:
        assert is_opted_out(session, KEY)


def queue_alert():
    """A drug-supply alert sent to everyone subscribed near 98104 (one outbox row each)."""
    from bot.alerts.sending import draft, send
    from bot.directory.geo import lookup_zip

    with session_scope() as session:
        send(session, draft(session, lookup_zip("98104"), 5, "Blue pills much stronger than usual.", None), "+12065550100")


@pytest.mark.parametrize("body, why", [("ALERTS OFF", "ALERTS OFF"), ("STOP", "STOP")])
def test_alerts_off_stops_the_copies_already_queued_for_that_number(demo_db, body, why):
    # Before: the copy sat 'pending' with the number and the worker sent it anyway after ALERTS OFF.
    from bot.worker import deliver_due
    from tests.bot.test_worker import RecordingTransport

    text("ALERTS 98104")
    text("ALERTS 98104", number=OTHER, key=OTHER_KEY)
    queue_alert()
    text(body)
    with session_scope() as session:
        rows = {m.to_number: (m.status, m.last_error) for m in session.scalars(select(OutboxMessage))}
    assert rows[PERSON][0] == "blocked" and why in rows[PERSON][1]
    assert rows[OTHER] == ("pending", None)
    transport = RecordingTransport()
    deliver_due(transport)
    assert [to for to, _ in transport.sent] == [OTHER]


def test_alerts_off_leaves_the_numbers_other_messages_alone(demo_db):
    from bot.notify.outbox import enqueue

    text("ALERTS 98104")
    with session_scope() as session:
        enqueue(session, to_number=PERSON, from_number="+12065550100", body="Specialist: on my way", purpose="relay")
    text("ALERTS OFF")
    with session_scope() as session:
        assert session.scalar(select(OutboxMessage.status)) == "pending"


@pytest.mark.parametrize("body, key, values", [
    ("ALERTS 00000", "unknown_zip", {"zip": "00000"}),
    ("ALERTS 99999", "unknown_zip", {"zip": "99999"}),
    ("ALERTS blahville", "unknown_place", {"place": "blahville"}),
    ("ALERTS 🔥🔥", "unknown_place", {"place": "🔥🔥"}),
    ("ALERTS", "how", {}),
    ("alerts!", "how", {}),
])
def test_what_cannot_subscribe_is_told_how(demo_db, body, key, values):
    assert text(body) == (True, [PHRASES["en"][key].format(**values)])
    assert subscription() is None


def test_a_1600_character_alerts_text_is_answered_briefly(demo_db):
    handled, replies = text("ALERTS " + "x" * 1593)
    assert handled and replies == [PHRASES["en"]["unknown_place"].format(place="x" * 39 + "…")]
    assert subscription() is None


def test_a_sender_without_a_phone_number_cannot_subscribe(demo_db):
    with session_scope() as session:
        assert route(session, None, "client:alice", "ALERTS 98104").replies == [PHRASES["en"]["no_number"]]
        assert session.scalar(select(AlertSubscription)) is None


def test_other_texts_still_go_to_the_assistant(demo_db):
    for body in ("narcan 98104", "alert", "alertsomething 98104", "reports", "im going to report you"):
        assert text(body) == (False, [])
    assert subscription() is None and reports() == []


def test_a_report_is_thanked_with_safety_tips_and_kept_without_the_number(demo_db):
    handled, replies = text("REPORT blue pills going around belltown, way stronger than usual")
    assert handled and replies == [PHRASES["en"]["report_thanks"] + SAFETY_TIPS["en"]]
    assert reports() == [("blue pills going around belltown, way stronger than usual", "Belltown", "en")]
    with session_scope() as session:
        row = session.scalar(select(BatchReport))
        assert {c.name for c in BatchReport.__table__.columns} == {"id", "words", "area", "language", "received_at"}
        assert PERSON not in row.words and KEY not in row.words
        # Nothing is sent to anyone: not to an officer, an agency, the coordinator's phone.
        assert session.scalar(select(OutboxMessage)) is None


def test_a_number_written_in_a_report_is_taken_out(demo_db):
    text("REPORT: guy selling pressed bars at 3rd and pine, call me 206-555-0142")
    assert reports() == [("guy selling pressed bars at 3rd and pine, call me [number removed]", None, "en")]


def test_a_spanish_report_is_thanked_in_spanish(demo_db):
    handled, replies = text("REPORTE pastillas azules muy fuertes en el centro de tacoma")
    assert replies == [PHRASES["es"]["report_thanks"] + SAFETY_TIPS["es"]]
    assert reports()[0][1:] == ("Tacoma, WA", "es")


def test_a_report_of_an_overdose_happening_now_gets_the_911_steps_first(demo_db):
    handled, replies = text("REPORT my friend took one of the blue pills and he is not breathing")
    assert handled and replies == [EMERGENCY_REPLY, PHRASES["en"]["report_thanks"] + SAFETY_TIPS["en"]]
    assert len(reports()) == 1


def test_report_alone_says_how(demo_db):
    assert text("report") == (True, [PHRASES["en"]["report_how"]])
    assert reports() == []


def test_a_specialists_report_is_words_for_the_person_not_a_report(demo_db):
    with session_scope() as session:
        session.add(Specialist(name="Ana", phone=OTHER, zips="98104", languages="en", active=1, created_at=NOW))
    handled, _ = text("Report back when you're there", number=OTHER, key=OTHER_KEY)
    assert handled and reports() == []  # a specialist's text: a command or relay, never a report
    assert text("ALERTS 98104", number=OTHER, key=OTHER_KEY)[1] == [PHRASES["en"]["subscribed"].format(area="98104")]


def listing_reports():
    from bot.db.models import ListingReport
    with session_scope() as session:
        return [(r.place_name, r.kind, r.reporter_key, r.language) for r in session.scalars(select(ListingReport))]


def test_a_directory_place_reported_closed_by_name_goes_to_the_directory_not_the_bad_batch_list(demo_db):
    # Before: "REPORT <place> is closed" landed in the bad-batch list, where nobody fixes listings.
    from bot.directory.feedback import _PHRASES as LISTING_PHRASES
    handled, replies = text("REPORT pioneer square drop-in center is closed, went there today")
    assert handled and replies == [LISTING_PHRASES["en"]["thanks place"].format(name="Pioneer Square Drop-In Center")]
    assert reports() == []
    assert listing_reports() == [("Pioneer Square Drop-In Center", "closed", KEY, "en")]
    handled, replies = text("REPORTE el pioneer square drop-in center ya no existe", number=OTHER, key=OTHER_KEY)
    assert replies == [LISTING_PHRASES["es"]["thanks place"].format(name="Pioneer Square Drop-In Center")]
    assert len(listing_reports()) == 2 and reports() == []


@pytest.mark.parametrize("body", [
    "REPORT blue pills going around by the pioneer square drop-in center, they were out of narcan",
    "REPORT the pioneer square drop-in center is great",  # nothing wrong with it: kept as said
    "REPORT belltown is closed off by cops tonight",  # no place of the directory by name
])
def test_a_report_that_is_no_listing_report_stays_a_bad_batch_report(demo_db, body):
    handled, _ = text(body)
    assert handled and len(reports()) == 1 and listing_reports() == []
