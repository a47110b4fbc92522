"""Directory results as heard on the voice line."""
from bot.directory.geo import lookup_zip
from bot.directory.search import SearchResult, ServiceMatch, find_services
from bot.directory.speech import SPOKEN_LIMIT, spoken_hours, spoken_place, spoken_results, spoken_street, spoken_time


def match(name="Downtown Harm Reduction Center", street="110 Prefontaine Pl S", hours="9am-5pm", open_now=True, flags=("free",)):
    return ServiceMatch("s", "l", name, street, "Seattle", "98104", 0.4, "(206) 555-0101", hours, open_now, flags)


def result(matches, **kw):
    base = dict(service_type="naloxone", origin=lookup_zip("98104"), requested_radius_miles=50.0, radius_miles=50.0,
                widened=False, open_first=False, offset=0, matches=matches, total=len(matches))
    base.update(kw)
    return SearchResult(**base)


def test_places_streets_and_times_are_said_as_words():
    assert spoken_place("98104") == "9 8 1 0 4" and spoken_place("Capitol Hill") == "Capitol Hill"
    assert spoken_street("110 Prefontaine Pl S") == "110 Prefontaine Place South"
    assert spoken_street("1100 E Pike St.") == "1100 East Pike Street"
    assert spoken_time("9am") == "9 AM" and spoken_time("12:30pm") == "12:30 PM" and spoken_time("7pm", "es") == "7 p. m."


def test_hours_in_both_languages():
    assert spoken_hours(match()) == "Open today from 9 AM to 5 PM, and open now"
    assert spoken_hours(match(hours="9am-12pm, 1pm-5pm", open_now=False)) == "Open today from 9 AM to 12 PM and 1 PM to 5 PM"
    assert spoken_hours(match(hours="closed today")) == "Closed today"
    assert spoken_hours(match(hours="open 24 hours"), "es") == "Abre las 24 horas"
    assert spoken_hours(match(hours="7pm-7am", open_now=False), "es") == "Hoy abre de 7 p. m. a 7 a. m."


def test_two_places_with_name_street_and_hours_and_no_phone_or_distance():
    text = spoken_results(result([match(), match(name="Pike Street Clinic", street="1100 E Pike St", open_now=False)], total=5), "98104")
    assert text.startswith("Here are the closest places for naloxone")
    assert "near 9 8 1 0 4." in text
    assert "First: Downtown Harm Reduction Center, 110 Prefontaine Place South, Seattle. Open today from 9 AM to 5 PM, and open now. It's free." in text
    assert "Second: Pike Street Clinic, 1100 East Pike Street, Seattle." in text
    assert "555" not in text and "206" not in text and "mi" not in text.split() and "0.4" not in text
    assert text.endswith("Say more to hear more places.")


def test_spanish_and_nothing_found():
    text = spoken_results(result([match()]), "98104", "es")
    assert text.startswith("Estos son los lugares más cercanos de") and "Primero: Downtown Harm Reduction Center" in text
    assert "Hoy abre de 9 a. m. a 5 p. m., y está abierto ahora. Es gratis." in text and "Di más" not in text
    assert spoken_results(result([]), "98104").startswith("I couldn't find naloxone (Narcan) within 50 miles of 9 8 1 0 4.")


def test_a_real_search_reads_at_most_two_places(demo_db):
    from bot.db import session_scope

    with session_scope() as session:
        found = find_services(session, "naloxone", lookup_zip("98104"), limit=SPOKEN_LIMIT)
    text = spoken_results(found, "98104")
    assert found.matches and len(found.matches) <= 2
    assert found.matches[0].name in text and "Third" not in text
