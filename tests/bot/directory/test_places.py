"""Places in free text: ZIP codes, the directory's neighbourhoods, cities of its states, landmarks."""
import pytest

from bot.db import session_scope
from bot.directory.geo import lookup_zip, miles_between
from bot.directory.places import find_place, landmarks, resolve_place


def place_in(text):
    with session_scope() as session:
        match = find_place(session, text)
    return (match.place.label if match.place else None), match.unknown_zip


@pytest.mark.parametrize(
    "text, label",
    [
        ("narcan near 98104", "98104"),
        ("narcan 98122-1234", "98122"),
        ("narcan in capitol hill", "Capitol Hill"),
        ("syringes near Ballard please", "Ballard"),
        ("i'm around the international district", "International District"),
        ("white center", "White Center"),
        ("bupe in tacoma", "Tacoma, WA"),
        ("Seattle", "Seattle, WA"),
        ("Spokane, WA", "Spokane, WA"),
        ("anything near yakima?", "Yakima, WA"),
    ],
)
def test_places_the_directory_knows(demo_db, text, label):
    assert place_in(text) == (label, None)


@pytest.mark.parametrize("text", ["where can i get narcan", "narcan near me", "in the morning", "i need a plain answer", "george said hi", "narcan 123"])
def test_no_place(demo_db, text):
    assert place_in(text) == (None, None)


def test_an_unknown_zip_is_reported_as_such(demo_db):
    assert place_in("narcan 00000") == (None, "00000")


def test_a_one_word_city_counts_after_a_preposition(demo_db):
    assert place_in("i live in george") == ("George, WA", None)


def test_cities_outside_the_directory_states_are_not_guessed(demo_db):
    assert place_in("narcan in boston") == (None, None)


def test_stored_labels_resolve_back_to_places(demo_db):
    with session_scope() as session:
        hill = resolve_place(session, "Capitol Hill")
        tacoma = resolve_place(session, "Tacoma, WA")
        assert resolve_place(session, "98104").zip_code == "98104"
        assert resolve_place(session, "Atlantis") is None
    assert hill.name == "Capitol Hill" and 47.6 < hill.latitude < 47.64
    assert tacoma.state == "WA" and tacoma.timezone == "America/Los_Angeles"


def test_named_place_repeats_only_the_place_words():
    from bot.directory.places import named_place

    assert named_place("im in blahville") == "blahville"
    assert named_place("near the old mill?") == "the old mill"
    assert named_place("blahville") == "blahville"
    assert len(named_place("x" * 500)) == 40


def test_a_numbers_stand_in_is_no_place_even_with_five_digits_in_a_row(demo_db):
    # An officer's referral holds the person's number only as tel:<HMAC key> (bot/phonebook.py);
    # a key such as this one once made the referral's area ZIP 14609, which no specialist covers.
    key = "h" + "ab" * 7 + "14609" + "c" * 21
    assert place_in(f"Referral: consented, tel:{key}, post OD, needs narcan") == (None, None)
    assert place_in(f"Referral: consented, tel:{key}, post OD near 98104") == ("98104", None)


def test_every_landmark_lies_by_its_postal_code():
    # A typo in landmarks.csv's coordinates would send a texter's list to another town.
    for name, place in landmarks().items():
        centre = lookup_zip(place.zip_code)
        assert miles_between(place.latitude, place.longitude, centre.latitude, centre.longitude) < 3, name


def test_a_landmark_of_an_unknown_postal_code_is_named_with_its_file(tmp_path):
    far = tmp_path / "landmarks.csv"
    far.write_text("name,also_called,postal_code,latitude,longitude\nNowhere Rock,,00000,0,0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="landmarks.csv: Nowhere Rock: unknown postal_code '00000'"):
        landmarks(far)


@pytest.mark.parametrize("text, label", [
    ("near pike place", "Pike Place Market"), ("ballard, by the locks", "Ballard Locks"),
    ("im in the u district", "University District"), ("by the space needle", "Space Needle"),
    ("outside harborview", "Harborview Medical Center"), ("downtown tacoma by the dome", "Downtown Tacoma"),
])
def test_a_landmark_or_a_name_people_use_is_a_place(demo_db, text, label):
    assert place_in(text) == (label, None)
    with session_scope() as session:
        assert resolve_place(session, label).label == label  # stored as its label, and read back
