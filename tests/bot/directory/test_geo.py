import pytest

from bot.directory.geo import bounding_box, lookup_zip, miles_between, time_zone_at


def test_distance_seattle_to_tacoma():
    seattle, tacoma = lookup_zip("98104"), lookup_zip("98402")
    assert 23 < miles_between(seattle.latitude, seattle.longitude, tacoma.latitude, tacoma.longitude) < 27


def test_bounding_box_contains_the_radius():
    min_lat, max_lat, min_lon, max_lon = bounding_box(47.6, -122.3, 50)
    assert miles_between(47.6, -122.3, max_lat, -122.3) >= 49.9
    assert miles_between(47.6, -122.3, 47.6, min_lon) >= 49.9


@pytest.mark.parametrize(
    "postal, lat, lon, zone",
    [
        ("98104", None, None, "America/Los_Angeles"),
        (None, 40.71, -74.0, "America/New_York"),
        (None, 33.45, -112.07, "America/Phoenix"),  # Arizona keeps standard time all year
        ("00000", 41.88, -87.63, "America/Chicago"),  # an unknown ZIP falls back to the coordinates
        (None, None, None, None),
        (None, 0.0, -30.0, None),  # the middle of the Atlantic: no ZIP near
    ],
)
def test_time_zone_from_zip_or_coordinates(postal, lat, lon, zone):
    assert time_zone_at(postal, lat, lon) == zone
