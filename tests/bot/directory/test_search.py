"""Directory search: nearest active services of a type, today's hours, SMS shape."""
from datetime import UTC, datetime

import pytest

from bot.db import session_scope
from bot.directory.geo import lookup_zip
from bot.directory.search import ServiceMatch, UnknownServiceType, find_services
from bot.directory.sms import SMS_LINE_LIMIT, format_match, format_results

# Saturday 21 November 2026, 11:30 in Seattle.
SATURDAY_MORNING = datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # 23:00 in Seattle


def search(code, zip_code, **kwargs):
    with session_scope() as session:
        return find_services(session, code, lookup_zip(zip_code), now=kwargs.pop("now", SATURDAY_MORNING), **kwargs)


def test_lookup_zip():
    place = lookup_zip("98104")
    assert (place.city, place.state, place.timezone) == ("Seattle", "WA", "America/Los_Angeles")
    assert lookup_zip("98104-1234").zip_code == "98104"
    for bad in ("00000", "9810", "abcde", "", "98104 98122", "😀"):
        assert lookup_zip(bad) is None


def test_nearest_active_naloxone_first_with_hours_and_phone(demo_db):
    result = search("naloxone", "98104")
    names = [m.name for m in result.matches]
    assert names[0] == "Downtown Naloxone Vending Machine"
    assert len(result.matches) == 3 and not result.widened
    distances = [m.distance_miles for m in result.matches]
    assert distances == sorted(distances)
    first = result.matches[0]
    assert first.hours_today == "open 24 hours" and first.open_now
    assert first.phone == "(206) 555-0101" and first.street and first.city == "Seattle"


def test_inactive_and_temporarily_closed_services_are_never_shown(demo_db):
    everything = search("naloxone", "98104", limit=100).matches + search("wound-care", "98122", limit=100).matches
    names = {m.name for m in everything}
    assert "Pioneer Square Naloxone Pop-Up" not in names
    assert "Capitol Hill Wound Care Clinic" not in names


def test_overnight_van_is_open_at_night(demo_db):
    van = [m for m in search("syringe-services", "98134", now=SATURDAY_NIGHT, limit=20).matches if m.name == "Overnight Outreach Van"]
    assert van and van[0].open_now and van[0].hours_today == "7pm-7am"


def test_service_without_schedule_says_call_for_hours(demo_db):
    kiosk = [m for m in search("syringe-disposal", "98104", limit=20).matches if m.name == "International District Sharps Disposal Kiosk"]
    assert kiosk and kiosk[0].hours_today == "call for hours" and kiosk[0].open_now is None


def test_nothing_close_widens_and_says_how_far(demo_db):
    result = search("naloxone", "99352")  # Richland, WA: nothing within 50 miles, Spokane within 250
    assert result.widened and result.radius_miles > 50
    assert result.matches and result.matches[0].city == "Spokane"
    text = format_results(result, "99352")
    assert text.startswith("Nothing within 50 miles of 99352.")


def test_nothing_at_all_within_the_widest_radius(demo_db):
    result = search("naloxone", "10001")  # New York
    assert result.matches == []
    assert "couldn't find naloxone" in format_results(result, "10001")


def test_unknown_type_is_refused(demo_db):
    with pytest.raises(UnknownServiceType):
        search("pizza", "98104")


def test_every_result_line_fits_one_sms_segment(demo_db):
    for code in ("naloxone", "syringe-services", "moud", "testing", "drop-in"):
        for match in search(code, "98104").matches:
            assert len(format_match(1, match)) <= SMS_LINE_LIMIT


def test_a_very_long_name_is_shortened_to_fit():
    match = ServiceMatch("s", "l", "A" * 300, "100 Very Long Street Name Avenue South", "Seattle", "98104", 1.25, "(206) 555-0199", "9am-5pm", True)
    line = format_match(3, match)
    assert len(line) <= SMS_LINE_LIMIT and line.endswith("(206) 555-0199") and "…" in line


def test_open_first_puts_open_services_first_each_group_nearest_first(demo_db):
    everything = search("naloxone", "98104", limit=100, now=SATURDAY_NIGHT)
    ranked = search("naloxone", "98104", limit=100, now=SATURDAY_NIGHT, open_first=True)
    assert sorted(m.name for m in ranked.matches) == sorted(m.name for m in everything.matches)
    flags = [m.open_now for m in ranked.matches]
    assert flags == sorted(flags, key=lambda f: not f) and flags[0] and not all(flags)
    for group in (True, False):
        distances = [m.distance_miles for m in ranked.matches if bool(m.open_now) == group]
        assert distances == sorted(distances)


def test_open_first_pages_agree_with_the_full_ranking(demo_db):
    full = [m.name for m in search("naloxone", "98104", limit=100, now=SATURDAY_NIGHT, open_first=True).matches]
    paged = []
    for offset in range(0, len(full), 3):
        paged += [m.name for m in search("naloxone", "98104", offset=offset, now=SATURDAY_NIGHT, open_first=True).matches]
    assert paged == full


def test_low_barrier_flags_reach_the_results(demo_db):
    matches = search("naloxone", "98104", limit=20).matches
    assert any("free" in m.flags for m in matches)
    assert any("Spanish" in m.flags for m in matches)


def test_sms_pages_of_three_with_a_more_hint(demo_db):
    first = search("naloxone", "98104")
    text = format_results(first, "98104")
    assert first.has_more and text.endswith("Reply MORE for more.")
    assert text.count("\n") == 4  # header, 3 results, hint
    second = search("naloxone", "98104", offset=3)
    more = format_results(second, "98104")
    assert more.startswith("More naloxone (Narcan) near 98104:\n4) ")
    last = search("naloxone", "98104", offset=first.total)
    assert format_results(last, "98104").startswith("That's all the naloxone (Narcan) I know of")


def test_when_nothing_is_open_the_reply_says_so(demo_db):
    # Sunday 05:00 in Seattle: only the 24-hour machine and the overnight van could be open.
    early = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    result = search("moud", "98104", now=early, open_first=True)
    text = format_results(result, "98104")
    assert "open now first" in text and "None is open right now" in text


def test_flags_are_dropped_before_hours_or_phone_when_a_line_is_too_long():
    match = ServiceMatch("s", "l", "Rainier Valley Medication for Opioid Use Disorder", "4515 Martin Luther King Jr Way S, Building C",
                         "Seattle", "98118", 3.5, "(206) 555-0104", "8:30am-12pm, 1pm-6:30pm", True, ("free", "no ID", "walk-in", "Spanish"))
    line = format_match(1, match)
    assert len(line) <= SMS_LINE_LIMIT
    assert "today 8:30am-12pm, 1pm-6:30pm (open now) - (206) 555-0104" in line
    assert "Spanish" not in line and line.startswith("1) Rainier Valley Medicat")
