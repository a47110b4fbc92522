"""search_near: the one search behind a texted search, a spoken one, the texted list and the CLI."""
import pytest

from bot.db import session_scope
from bot.directory.geo import lookup_zip
from bot.directory.near import UnknownPlace, search_near
from bot.directory.search import UnknownServiceType, find_services


def near(code, where, **options):
    with session_scope() as session:
        return search_near(session, code, where, **options)


def test_the_same_search_as_find_services_within_the_configured_radius(demo_db):
    nearby = near("naloxone", "98104")
    with session_scope() as session:
        direct = find_services(session, "naloxone", lookup_zip("98104"), radius_miles=nearby.result.radius_miles)
    assert nearby.place.zip_code == "98104" and nearby.place.label == "98104"
    assert [m.name for m in nearby.result.matches] == [m.name for m in direct.matches] and len(direct.matches) == 3


def test_a_page_and_a_limit(demo_db):
    first, second = near("naloxone", "98104", limit=2), near("naloxone", "98104", offset=2, limit=2)
    assert len(first.result.matches) == 2 and first.result.matches[0].name != second.result.matches[0].name
    assert near("naloxone", "98104", limit=0).result.matches == []


def test_a_neighbourhood_of_the_directory_is_a_place(demo_db):
    assert near("naloxone", "Capitol Hill").place.label == "Capitol Hill"


@pytest.mark.parametrize("code", ["pizza", "", None, "🍕", "x" * 1600])
def test_an_unknown_service_type(demo_db, code):
    with pytest.raises(UnknownServiceType):
        near(code, "98104")


@pytest.mark.parametrize("where", ["00000", "", None, "Atlantis", "😀", "9" * 1600])
def test_an_unknown_place(demo_db, where):
    with pytest.raises(UnknownPlace):
        near("naloxone", where)
