"""A place of the directory asked for by its name, or a fuzzy form of it; 'it' as the last place
named or listed."""
import pytest

from bot.db import session_scope
from bot.directory.named import NamedPlace, find_named_place, place_asked_about, place_details, place_meant


def named(text):
    with session_scope() as session:
        place = find_named_place(session, text)
        return place_details(session, place).name if place else None


@pytest.mark.parametrize("text, name", [
    ("hours for broadway drug checking", "Broadway Drug Checking"),
    ("hrs for brodway drug checkin", "Broadway Drug Checking"),
    ("pionner square drop in center hours", "Pioneer Square Drop-In Center"),
    ("wheres the intl district drop in", "International District Drop-In"),
    ("where is the capitol hill peer center", "Capitol Hill Peer Drop-In"),  # the location's name
    ("address for downtown tacoma harm reduction site", "Downtown Tacoma Naloxone and Syringe Services"),
    ("dónde queda el rainier valley health center", "Rainier Valley Harm Reduction Clinic"),
])
def test_places_by_name_or_a_fuzzy_form(demo_db, text, name):
    assert named(text) == name


@pytest.mark.parametrize("text", ["when does it close", "where is ballard", "hours for the library", "white center"])
def test_no_place_without_enough_of_a_name(demo_db, text):
    assert named(text) is None


def test_details_are_address_hours_and_phone(demo_db):
    with session_scope() as session:
        match = place_details(session, find_named_place(session, "broadway drug checking"))
        assert place_details(session, NamedPlace("gone", "nowhere")) is None
    assert (match.street, match.city, match.phone) == ("815 E Roy St", "Seattle", "(206) 555-0106")
    assert match.hours_today


def test_it_is_the_first_listed_unless_the_message_counts():
    listed = ["s1/l1", "s2/l2", "s3/l3"]
    assert place_meant("when does it close", listed) == NamedPlace("s1", "l1")
    assert place_meant("and the second one?", listed) == NamedPlace("s2", "l2")
    assert place_meant("the last one", listed) == NamedPlace("s3", "l3")
    assert place_meant("when does it close", []) is None


def test_a_name_wins_over_the_listing(demo_db):
    with session_scope() as session:
        place = place_asked_about(session, "hours for broadway drug checking", ["s1/l1"])
    assert place != NamedPlace("s1", "l1")
