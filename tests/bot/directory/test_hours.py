from datetime import date, datetime, time

import pytest

from bot.directory.hours import InvalidSchedule, OpeningRule, describe_day, open_at, parse_byday

SATURDAY = date(2026, 11, 21)
SUNDAY = date(2026, 11, 22)
MONDAY = date(2026, 11, 23)

WEEKDAYS_9_TO_5 = OpeningRule(opens_at=time(9), closes_at=time(17), freq="WEEKLY", byday="MO,TU,WE,TH,FR")
OVERNIGHT = OpeningRule(opens_at=time(19), closes_at=time(7), freq="WEEKLY", byday="FR,SA")
ALL_DAY = OpeningRule(opens_at=time(0), closes_at=time(23, 59, 59), freq="WEEKLY", byday="MO,TU,WE,TH,FR,SA,SU")


def test_weekday_hours():
    assert describe_day([WEEKDAYS_9_TO_5], MONDAY) == "9am-5pm"
    assert open_at([WEEKDAYS_9_TO_5], datetime(2026, 11, 23, 9, 0))
    assert not open_at([WEEKDAYS_9_TO_5], datetime(2026, 11, 23, 17, 0))


def test_a_service_closed_today():
    assert describe_day([WEEKDAYS_9_TO_5], SATURDAY) == "closed today"
    assert not open_at([WEEKDAYS_9_TO_5], datetime(2026, 11, 21, 12, 0))


def test_overnight_hours_run_past_midnight_into_the_next_day():
    assert describe_day([OVERNIGHT], SATURDAY) == "7pm-7am"
    # Saturday 19:00 to Sunday 07:00: open early Sunday although Sunday itself has no hours.
    assert open_at([OVERNIGHT], datetime(2026, 11, 22, 6, 30))
    assert not open_at([OVERNIGHT], datetime(2026, 11, 22, 7, 0))
    assert describe_day([OVERNIGHT], SUNDAY) == "closed today"
    assert not open_at([OVERNIGHT], datetime(2026, 11, 21, 18, 59))
    assert open_at([OVERNIGHT], datetime(2026, 11, 21, 23, 59))


def test_24_hour_service():
    assert describe_day([ALL_DAY], SUNDAY) == "open 24 hours"
    assert open_at([ALL_DAY], datetime(2026, 11, 22, 3, 0))
    assert open_at([ALL_DAY], datetime(2026, 11, 22, 23, 59, 59))


def test_two_sessions_a_day_and_half_hours():
    morning = OpeningRule(opens_at=time(8, 30), closes_at=time(12), freq="WEEKLY", byday="SA")
    evening = OpeningRule(opens_at=time(18), closes_at=time(21), freq="WEEKLY", byday="SA")
    assert describe_day([evening, morning], SATURDAY) == "8:30am-12pm, 6pm-9pm"
    assert not open_at([evening, morning], datetime(2026, 11, 21, 13, 0))


def test_monthly_ordinal_weekday():
    first_monday = OpeningRule(opens_at=time(10), closes_at=time(12), freq="MONTHLY", byday="1MO", dtstart=date(2026, 1, 1))
    assert describe_day([first_monday], date(2026, 12, 7)) == "10am-12pm"
    assert describe_day([first_monday], MONDAY) == "closed today"


def test_every_other_week_keeps_the_phase_of_dtstart():
    fortnightly = OpeningRule(opens_at=time(10), closes_at=time(11), freq="WEEKLY", interval=2, byday="MO", dtstart=date(2026, 11, 9))
    assert describe_day([fortnightly], MONDAY) == "10am-11am"
    assert describe_day([fortnightly], date(2026, 11, 16)) == "closed today"


def test_validity_window():
    winter = OpeningRule(opens_at=time(20), closes_at=time(8), freq="WEEKLY", byday="SA", valid_from=date(2026, 12, 1), valid_to=date(2027, 3, 1))
    assert describe_day([winter], SATURDAY) == "closed today"
    assert describe_day([winter], date(2026, 12, 5)) == "8pm-8am"


def test_no_schedule_means_call_for_hours():
    assert describe_day([], MONDAY) == "call for hours"


def test_bad_byday_is_named():
    with pytest.raises(InvalidSchedule, match="XX"):
        parse_byday("MO,XX")


@pytest.mark.parametrize("day_offset", range(0, 60))
def test_the_weekly_fast_path_agrees_with_the_recurrence_rule(day_offset):
    from datetime import timedelta

    from bot.directory import hours

    day = date(2026, 11, 1) + timedelta(days=day_offset)
    plain = OpeningRule(opens_at=time(9), closes_at=time(17), freq="WEEKLY", byday="MO,WE,SA", dtstart=date(2026, 1, 1))
    from dateutil import rrule as du

    expected = bool(
        du.rrule(du.WEEKLY, dtstart=datetime(2026, 1, 1), byweekday=(du.MO, du.WE, du.SA)).between(
            datetime.combine(day, time()), datetime.combine(day, time()), inc=True
        )
    )
    assert hours.occurs_on(plain, day) == expected
