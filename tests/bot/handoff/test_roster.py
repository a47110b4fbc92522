from datetime import datetime, timezone

import pytest

from bot.db import session_scope
from bot.handoff.roster import InvalidHours, choose_specialist, on_call, parse_hours
from tests.bot.handoff.conftest import add

MONDAY_10_SEATTLE = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)
SATURDAY_23_SEATTLE = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)


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
