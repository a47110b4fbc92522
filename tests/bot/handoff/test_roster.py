from datetime import UTC, datetime

import pytest

from bot.db import session_scope
from bot.handoff.roster import InvalidHours, choose_specialist, on_call, parse_hours
from tests.bot.handoff.conftest import add

MONDAY_10_SEATTLE = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
SATURDAY_23_SEATTLE = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def test_parse_hours_and_on_call():
    spans = parse_hours("MO-FR 08:00-20:00; SA 10:00-14:00")
    assert on_call(spans, datetime(2026, 11, 23, 8, 0)) and not on_call(spans, datetime(2026, 11, 23, 20, 0))
    assert on_call(spans, datetime(2026, 11, 28, 11, 0)) and not on_call(spans, datetime(2026, 11, 29, 11, 0))


def test_overnight_and_wrapping_days():
    spans = parse_hours("FR-SU 20:00-08:00")
    assert on_call(spans, datetime(2026, 11, 27, 21, 0))  # Friday night
    assert on_call(spans, datetime(2026, 11, 30, 7, 0))  # Monday morning, from Sunday night
    assert not on_call(spans, datetime(2026, 11, 24, 7, 0))  # Tuesday morning


def test_no_hours_means_always():
    assert parse_hours(None) == [] and on_call([], datetime(2026, 11, 23, 3, 0))


@pytest.mark.parametrize("text", ["weekdays 9-5", "MO-XX 08:00-20:00", "MO 25:00-26:00", "MO 08:00"])
def test_bad_hours_are_refused(text):
    with pytest.raises(InvalidHours):
        parse_hours(text)


def test_choose_prefers_area_then_language_then_fewest_open(migrated_db):
    ana = add("Ana", "+12065550111", zips="98104", languages="en,es")
    ben = add("Ben", "+12065550112", zips="98104")
    add("Cy", "+12065550113", zips="98118")
    with session_scope() as session:
        assert choose_specialist(session, "98104", "es", set(), MONDAY_10_SEATTLE).id == ana
        assert choose_specialist(session, "98104", "en", set(), MONDAY_10_SEATTLE).id == ana  # same load: longest on roster
        assert choose_specialist(session, "98104", "en", {ana}, MONDAY_10_SEATTLE).id == ben
        assert choose_specialist(session, "98104", "en", {ana, ben}, MONDAY_10_SEATTLE) is None
        assert choose_specialist(session, "98118", "es", set(), MONDAY_10_SEATTLE).name == "Cy"  # language preferred, not required


def test_off_call_specialists_are_skipped(migrated_db):
    add("Day", "+12065550114", zips="98104", hours="MO-FR 08:00-20:00")
    with session_scope() as session:
        assert choose_specialist(session, "98104", "en", set(), MONDAY_10_SEATTLE).name == "Day"
        assert choose_specialist(session, "98104", "en", set(), SATURDAY_23_SEATTLE) is None


# --- the roster's rules, shared by `hub roster` and the console -----------------------------------

from bot.handoff.availability import remove, set_coordinator  # noqa: E402
from bot.handoff.roster import (  # noqa: E402
    NAME_LIMIT,
    RosterError,
    add_officer,
    add_specialist,
    edit_specialist,
    roster_listing,
)


@pytest.mark.parametrize("fields, field", [
    ({"phone": ""}, "phone"),
    ({"phone": "not a phone"}, "phone"),
    ({"phone": "😀"}, "phone"),
    ({"name": ""}, "name"),
    ({"name": "x" * 1600}, "name"),
    ({"zips": ""}, "zips"),
    ({"zips": "00000"}, "zips"),
    ({"zips": "98104,😀"}, "zips"),
    ({"languages": ""}, "languages"),
    ({"languages": "english"}, "languages"),
    ({"languages": "e1"}, "languages"),
    ({"hours": "weekdays"}, "hours"),
    ({"hours": "x" * 1600}, "hours"),
])
def test_a_specialist_with_bad_input_is_refused_and_nothing_written(migrated_db, fields, field):
    given = {"name": "Ana 🌱", "phone": "+12065550111", "zips": "98104", "languages": "en", "hours": None, **fields}
    with session_scope() as session:
        with pytest.raises(RosterError) as refused:
            add_specialist(session, **given)
        assert refused.value.field == field and str(refused.value)
        assert roster_listing(session) == []


def test_a_specialist_is_added_once_edited_removed_and_added_back(migrated_db):
    with session_scope() as session:
        ana = add_specialist(session, "  Ana   Ruiz ", "(206) 555-0111", " 98104 , 98122 ", "EN,es", "MO-FR 08:00-20:00")
        assert (ana.name, ana.phone, ana.zips, ana.languages) == ("Ana Ruiz", "+12065550111", "98104,98122", "en,es")
        with pytest.raises(RosterError, match="already on the roster as Ana Ruiz") as twice:
            add_specialist(session, "Ana again", "+12065550111", "98104")
        assert twice.value.field is None
        edit_specialist(session, ana.id, "Ana R.", "98118", "es", "")
        assert (ana.name, ana.zips, ana.languages, ana.hours) == ("Ana R.", "98118", "es", None)
        with pytest.raises(RosterError) as bad_edit:
            edit_specialist(session, ana.id, "Ana", "00000", "es", None)
        assert bad_edit.value.field == "zips" and ana.zips == "98118"
        removed = remove(session, "+12065550111")
        assert (removed.name, removed.handed_on) == ("Ana R.", [])
        with pytest.raises(RosterError, match="not on the roster"):
            remove(session, "+12065550111")
        with pytest.raises(RosterError, match="not on the roster"):
            edit_specialist(session, ana.id, "Ana", "98104", "en", None)
        back = add_specialist(session, "Ana", "+12065550111", "98104")
        assert back.id == ana.id and back.active == 1  # the old row, which the handoff log names


def test_officers_and_the_coordinator(migrated_db):
    with session_scope() as session:
        for agency in ("", "   ", "y" * (NAME_LIMIT + 1)):
            with pytest.raises(RosterError) as refused:
                add_officer(session, "Ofc. Lee", "+12065550181", agency, None, "k" * 32)
            assert refused.value.field == "agency"
        with pytest.raises(RosterError) as short_pin:
            add_officer(session, "Ofc. Lee", "+12065550181", "Seattle PD", "12", "k" * 32)
        assert short_pin.value.field == "pin"
        assert not add_officer(session, "Ofc. Lee", "+12065550181", "Seattle PD", None, "k" * 32).pin_only
        with pytest.raises(RosterError, match="already registered for Seattle PD"):
            add_officer(session, "Ofc. Lee", "+12065550181", "Seattle PD", None, "k" * 32)
        assert add_officer(session, "Ofc. Lee", "+12065550181", "Seattle PD", "4821", "k" * 32).pin_only
        kim = set_coordinator(session, "+12065550119", "Kim").person
        assert [(r["name"], r["role"]) for r in roster_listing(session)] == [("Kim", "coordinator"), ("Ofc. Lee", "officer")]
        assert set_coordinator(session, "+12065550119").person.id == kim.id
        with pytest.raises(RosterError) as bad:
            set_coordinator(session, "nope")
        assert bad.value.field == "phone"
