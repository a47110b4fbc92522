"""Who an alert reaches: subscribers within the radius, once each, never after ALERTS OFF or STOP."""
from datetime import timedelta

from sqlalchemy import select

from bot.alerts.subscriptions import purge_unsubscribed, subscribe, unsubscribe, within
from bot.clock import utcnow
from bot.db import session_scope
from bot.db.models import AlertSubscription
from bot.directory.geo import lookup_zip, miles_between
from bot.notify.optout import opt_out

DOWNTOWN = lookup_zip("98104")  # Seattle
NEAR = ["98122", "98102", "98121"]  # Central District, Capitol Hill, Belltown: within 5 miles
FAR = ["98402", "99201"]  # Tacoma (about 25 miles), Spokane


def sign_up(index, zip_code, language="en"):
    number = f"+1206555{100 + index:04d}"
    with session_scope() as session:
        subscribe(session, f"h{index:040d}", number, lookup_zip(zip_code), language)
    return number


def test_the_radius_is_respected(migrated_db):
    for zip_code in NEAR + FAR:
        distance = miles_between(DOWNTOWN.latitude, DOWNTOWN.longitude, lookup_zip(zip_code).latitude, lookup_zip(zip_code).longitude)
        assert (distance <= 5) == (zip_code in NEAR), (zip_code, distance)
    numbers = {zip_code: sign_up(i, zip_code) for i, zip_code in enumerate(NEAR + FAR)}
    with session_scope() as session:
        assert {r.to_number for r in within(session, DOWNTOWN.latitude, DOWNTOWN.longitude, 5)} == {numbers[z] for z in NEAR}
        assert {r.to_number for r in within(session, DOWNTOWN.latitude, DOWNTOWN.longitude, 30)} == \
            {numbers[z] for z in NEAR + ["98402"]}


def test_unsubscribed_and_opted_out_numbers_are_left_out(migrated_db):
    kept, ended, stopped = (sign_up(i, "98104") for i in range(3))
    with session_scope() as session:
        unsubscribe(session, f"h{1:040d}")
        opt_out(session, f"h{2:040d}")  # STOP recorded (by the carrier's 21610, say) while still subscribed
    with session_scope() as session:
        assert [r.to_number for r in within(session, DOWNTOWN.latitude, DOWNTOWN.longitude, 5)] == [kept]


def test_each_subscriber_once_in_their_language(migrated_db):
    sign_up(0, "98104", "es")
    sign_up(0, "98122", "es")  # the same number again: its area moves, one subscription
    with session_scope() as session:
        recipients = within(session, DOWNTOWN.latitude, DOWNTOWN.longitude, 5)
        assert [(r.to_number, r.language) for r in recipients] == [("+12065550100", "es")]
        assert session.scalar(select(AlertSubscription.area)) == "98122"


def test_ended_subscriptions_are_purged_after_the_retention_period(migrated_db):
    sign_up(0, "98104")
    sign_up(1, "98104")
    with session_scope() as session:
        unsubscribe(session, f"h{0:040d}")
    with session_scope() as session:
        assert purge_unsubscribed(session, utcnow() - timedelta(days=30)) == 0  # ended just now: kept a while
        assert purge_unsubscribed(session, utcnow() + timedelta(seconds=1)) == 1
        assert [r.number_key for r in session.scalars(select(AlertSubscription))] == [f"h{1:040d}"]  # active stays
