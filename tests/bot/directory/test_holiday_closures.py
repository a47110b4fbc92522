"""Holiday closures: an HSDS schedule for a date with no hours closes the service that day, through
import and search; a malformed one is named by file, row and field."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.db import session_scope
from bot.directory.geo import lookup_zip
from bot.directory.hours import OpeningRule, closed_on, describe_day, is_closure, open_at
from bot.directory.hsds import HsdsValidationError
from bot.directory.search import find_services
from tests.bot.directory.package_edits import add_row, copy_demo, import_dir

WEEKDAYS = OpeningRule(time(9), time(17), freq="WEEKLY", byday="MO,TU,WE,TH,FR")
CHRISTMAS = OpeningRule(None, None, valid_from=date(2026, 12, 25), valid_to=date(2026, 12, 25))
WINTER_BREAK = OpeningRule(None, None, valid_from=date(2026, 12, 24), valid_to=date(2027, 1, 1))
FIRST_MONDAYS = OpeningRule(None, None, freq="MONTHLY", byday="1MO", dtstart=date(2026, 1, 1))


def test_a_dated_schedule_with_no_hours_is_a_closure():
    assert is_closure(CHRISTMAS) and is_closure(FIRST_MONDAYS)
    assert not is_closure(WEEKDAYS)
    assert not is_closure(OpeningRule(None, None))  # no hours and no date: not a closure


def test_the_service_is_closed_on_the_holiday_and_open_around_it():
    rules = (WEEKDAYS, CHRISTMAS)
    assert describe_day(rules, date(2026, 12, 24)) == "9am-5pm"
    assert describe_day(rules, date(2026, 12, 25)) == "closed today"
    assert not open_at(rules, datetime(2026, 12, 25, 12))
    assert open_at(rules, datetime(2026, 12, 28, 12))


def test_a_range_and_a_recurring_closure():
    assert all(closed_on(WINTER_BREAK, date(2026, 12, d)) for d in range(24, 32))
    assert closed_on(WINTER_BREAK, date(2027, 1, 1)) and not closed_on(WINTER_BREAK, date(2027, 1, 2))
    assert closed_on(FIRST_MONDAYS, date(2026, 12, 7)) and not closed_on(FIRST_MONDAYS, date(2026, 12, 14))
    assert describe_day((WEEKDAYS, FIRST_MONDAYS), date(2026, 12, 7)) == "closed today"
    # only a valid_from: that one day
    one_day = OpeningRule(None, None, valid_from=date(2026, 7, 4))
    assert closed_on(one_day, date(2026, 7, 4)) and not closed_on(one_day, date(2026, 7, 5))


def test_overnight_hours_from_the_day_before_still_count():
    overnight = OpeningRule(time(19), time(7))
    closed = OpeningRule(None, None, valid_from=date(2026, 12, 25))
    assert open_at((overnight, closed), datetime(2026, 12, 25, 3))  # Christmas Eve's night
    assert not open_at((overnight, closed), datetime(2026, 12, 25, 20))


def test_a_closure_alone_is_not_hours():
    assert describe_day((CHRISTMAS,), date(2026, 12, 26)) == "call for hours"
    assert describe_day((CHRISTMAS,), date(2026, 12, 25)) == "closed today"


def _vending(session, now):
    result = find_services(session, "naloxone", lookup_zip("98104"), now=now, limit=20, stale_after=None, closed_reports=2)
    return next(m for m in result.matches if "Vending" in m.name)


def test_a_holiday_closure_through_import_and_search(migrated_db, tmp_path):
    package = copy_demo(tmp_path)
    import_dir(package)
    christmas_noon = datetime(2026, 12, 25, 20, 0, tzinfo=UTC)  # noon in Seattle
    with session_scope() as session:
        machine = _vending(session, christmas_noon)
    assert machine.hours_today == "open 24 hours" and machine.open_now
    add_row(package / "schedules.csv", id="5c1e0000-0000-4000-8000-000000000025", service_id=machine.service_id,
            valid_from="2026-12-25", valid_to="2026-12-25", description="Closed for Christmas")
    import_dir(package)
    with session_scope() as session:
        machine = _vending(session, christmas_noon)
        open_first = find_services(session, "naloxone", lookup_zip("98104"), now=christmas_noon, limit=50,
                                   open_first=True, stale_after=None, closed_reports=2)
        boxing_day = _vending(session, datetime(2026, 12, 26, 20, 0, tzinfo=UTC))
    assert machine.hours_today == "closed today" and machine.open_now is False
    open_ones = [m.service_id for m in open_first.matches if m.open_now]
    assert machine.service_id not in open_ones
    assert boxing_day.hours_today == "open 24 hours" and boxing_day.open_now


@pytest.mark.parametrize("values, field, words", [
    ({"valid_from": "2026-12-32"}, "valid_from", "is not a date"),
    ({"valid_from": "25/12/2026"}, "valid_from", "is not a date"),
    ({"valid_from": "2026-12-26", "valid_to": "2026-12-25"}, "valid_to", "is before valid_from"),
    ({"valid_from": "2026-12-25", "opens_at": "09:00:00"}, "closes_at", "go together"),
])
def test_a_malformed_closure_is_named_by_file_row_and_field(migrated_db, tmp_path, values, field, words):
    package = copy_demo(tmp_path)
    row = add_row(package / "schedules.csv", id="5c1e0000-0000-4000-8000-000000000026",
                  service_id="62ddd886-c334-4ba7-bf7e-9128af7e82a5", **values)
    with pytest.raises(HsdsValidationError) as caught:
        import_dir(package)
    assert any(i.file == "schedules.csv" and i.row == row and i.field == field and words in i.message
               for i in caught.value.issues), caught.value.issues
