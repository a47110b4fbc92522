"""An alert checked, counted and queued: one outbox row per subscriber, in their language,
refused when it would not fit one SMS."""
import pytest
from sqlalchemy import select

from bot.alerts.sending import AlertError, check_radius, check_text, draft, earlier_same, send, sent_alerts
from bot.alerts.subscriptions import subscribe
from bot.db import session_scope
from bot.db.models import OutboxMessage
from bot.directory.geo import lookup_zip
from bot.notify.outbox import Purpose
from bot.notify.segments import sms_length

DOWNTOWN = lookup_zip("98104")
HOTLINE = "+12065550100"
ENGLISH = "Blue M30 pills much stronger than usual in Belltown. Test first, don't use alone, carry naloxone."
SPANISH = "Pastillas azules M30 mucho mas fuertes que lo normal. Usa tiras de prueba y no uses a solas."


def sign_up(index, zip_code="98104", language="en"):
    with session_scope() as session:
        subscribe(session, f"h{index:040d}", f"+1206555{100 + index:04d}", lookup_zip(zip_code), language)


def queued():
    with session_scope() as session:
        return [(m.to_number, m.body, m.purpose, m.status) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_each_subscriber_gets_it_in_their_language_through_the_outbox(migrated_db):
    sign_up(1, language="en")
    sign_up(2, language="es")
    sign_up(3, zip_code="99201")  # Spokane: outside the radius
    with session_scope() as session:
        alert = send(session, draft(session, DOWNTOWN, 5, ENGLISH, SPANISH), HOTLINE)
        assert alert.recipients == 2
    assert queued() == [("+12065550101", f"Health Hub alert: {ENGLISH}", Purpose.AREA_ALERT, "pending"),
                        ("+12065550102", f"Alerta de Health Hub: {SPANISH}", Purpose.AREA_ALERT, "pending")]


def test_without_a_spanish_text_spanish_speakers_get_the_english_one_and_the_coordinator_is_told(migrated_db):
    sign_up(1, language="es")
    with session_scope() as session:
        alert = draft(session, DOWNTOWN, 5, ENGLISH, None)
        assert alert.spanish_in_english == 1 and alert.by_language == {"es": 1}
        send(session, alert, HOTLINE)
    assert queued()[0][1] == f"Health Hub alert: {ENGLISH}"


@pytest.mark.parametrize("radius", [0, 500, -1, 100.5, float("nan"), float("inf")])
def test_a_radius_out_of_bounds_is_refused(radius):
    with pytest.raises(AlertError, match="between 0.1 and 100 miles"):
        check_radius(radius)


def test_a_radius_in_bounds_is_taken():
    assert check_radius(0.1) == 0.1 and check_radius(100) == 100


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_alert_is_refused(text):
    with pytest.raises(AlertError, match="--text is empty"):
        check_text(text, "en", "--text")


def test_an_alert_longer_than_one_sms_is_refused_saying_by_how_much():
    longest = "x" * (160 - len("Health Hub alert: "))
    assert check_text(longest, "en", "--text") == longest
    with pytest.raises(AlertError, match=r"is 161 characters and one SMS holds 160.*Shorten it by 1; alerts are never split"):
        check_text(longest + "y", "en", "--text")
    with pytest.raises(AlertError, match=r"is 1618 characters and one SMS holds 160"):
        check_text("x" * 1600, "en", "--text")


def test_an_emoji_or_an_accent_puts_the_alert_in_the_70_character_alphabet():
    with pytest.raises(AlertError, match=r"it has '🔥'.*70-character alphabet.*without them the limit is 160"):
        check_text("Bad batch downtown 🔥 test before you use, carry naloxone", "en", "--text")
    with pytest.raises(AlertError, match=r"--text-es does not fit one SMS.*it has 'á'"):
        check_text(SPANISH.replace("mas", "más"), "es", "--text-es")
    assert check_text("🔥 test first", "en", "--text") == "🔥 test first"
    text = "Alerta de Health Hub: 🔥 test first"
    assert len(text) == 34 and sms_length(text).units == 35  # the emoji is two UTF-16 units


def test_whitespace_is_tidied(migrated_db):
    assert check_text("  Bad   batch\n downtown ", "en", "--text") == "Bad batch downtown"


def test_the_same_alert_to_the_same_area_is_noticed(migrated_db):
    sign_up(1)
    with session_scope() as session:
        first = send(session, draft(session, DOWNTOWN, 5, ENGLISH, None), HOTLINE).id
    with session_scope() as session:
        assert earlier_same(session, draft(session, DOWNTOWN, 5, ENGLISH, None)).id == first
        assert earlier_same(session, draft(session, DOWNTOWN, 5, "Another warning", None)) is None
        assert earlier_same(session, draft(session, lookup_zip("98402"), 5, ENGLISH, None)) is None


def test_the_list_counts_what_became_of_each_copy(migrated_db):
    for index in range(4):
        sign_up(index)
    with session_scope() as session:
        alert_id = send(session, draft(session, DOWNTOWN, 5, ENGLISH, None), HOTLINE).id
    with session_scope() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        rows[0].status, rows[0].delivery_status = "sent", "delivered"
        rows[1].status, rows[1].delivery_status = "sent", "undelivered"
        rows[2].status = "blocked"
    with session_scope() as session:
        [listed] = sent_alerts(session)
    assert listed["id"] == alert_id and listed["recipients"] == 4 and listed["area"] == "98104"
    assert listed["outbox"] == {"waiting": 1, "sent": 2, "blocked": 1, "failed": 0}
    assert listed["receipts"] == {"delivered": 1, "undelivered": 1}


def test_copies_a_restore_held_are_counted_as_waiting(migrated_db):
    from bot.notify.outbox import HELD

    for index in range(2):
        sign_up(index)
    with session_scope() as session:
        send(session, draft(session, DOWNTOWN, 5, ENGLISH, None), HOTLINE)
    with session_scope() as session:
        session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first().status = HELD
    with session_scope() as session:
        assert sent_alerts(session)[0]["outbox"] == {"waiting": 2, "sent": 0, "blocked": 0, "failed": 0}
