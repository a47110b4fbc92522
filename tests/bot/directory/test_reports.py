"""Reports of wrong listings: the list remembered by key, the closed flag counted by different
numbers within a day, cleared by the coordinator, and ranked below unreported places."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import ListingReport, ListingShown
from bot.directory.geo import lookup_zip
from bot.directory.reports import (
    ReportError,
    clear_report,
    last_listing,
    open_reports,
    record_report,
    remember_listing,
    reported_closed,
)
from bot.directory.search import find_services
from bot.directory.sms import format_results

NOW = datetime(2026, 11, 30, 18, 0)  # naive UTC, as stored
KEY_A, KEY_B, KEY_C = "h" + "a" * 40, "h" + "b" * 40, "h" + "c" * 40


def search(session, **kwargs):
    return find_services(session, "naloxone", lookup_zip("98104"), now=NOW.replace(tzinfo=UTC),
                         stale_after=timedelta(days=36500), closed_reports=2, **kwargs)


def listed(session, key=KEY_A):
    result = search(session)
    remember_listing(session, key, result.matches, 0, "en", now=NOW)
    return result, last_listing(session, key, now=NOW)


def test_the_listing_is_remembered_by_key_with_the_numbers_the_texter_saw(demo_db):
    with session_scope() as session:
        result, listing = listed(session)
        assert [p.position for p in listing.places] == [1, 2, 3]
        assert [p.service_id for p in listing.places] == [m.service_id for m in result.matches]
        more = search(session, offset=3)
        remember_listing(session, KEY_A, more.matches, 3, "en", now=NOW)
        listing = last_listing(session, KEY_A, now=NOW)
        assert [p.position for p in listing.places] == list(range(1, 4 + len(more.matches)))
        # a new search starts the numbering again
        remember_listing(session, KEY_A, result.matches[:1], 0, "es", now=NOW)
        listing = last_listing(session, KEY_A, now=NOW)
        assert [p.position for p in listing.places] == [1] and listing.language == "es"
        stored = session.get(ListingShown, KEY_A)
        assert "+1" not in stored.places and KEY_A not in stored.places


def test_an_old_listing_is_not_used_when_a_window_is_given(demo_db):
    with session_scope() as session:
        listed(session)
        assert last_listing(session, KEY_A, timedelta(hours=1), now=NOW + timedelta(hours=2)) is None
        assert last_listing(session, KEY_A, timedelta(hours=3), now=NOW + timedelta(hours=2)) is not None
        assert last_listing(session, KEY_B, now=NOW) is None


def test_two_different_numbers_flag_a_place_one_number_repeating_does_not(demo_db):
    with session_scope() as session:
        _, listing = listed(session)
        place = listing.places[0]
        pair = {(place.service_id, place.location_id)}
        for minutes in (0, 5, 60):
            record_report(session, KEY_A, place, "closed", "closed", "en", now=NOW + timedelta(minutes=minutes))
        assert reported_closed(session, 2) == set()
        assert reported_closed(session, 1) == pair
        record_report(session, KEY_B, place, "wrong", None, "en", now=NOW + timedelta(hours=3))
        assert reported_closed(session, 2) == pair
        assert reported_closed(session, 3) == set()


def test_reports_more_than_a_day_apart_do_not_add_up(demo_db):
    with session_scope() as session:
        _, listing = listed(session)
        place = listing.places[0]
        record_report(session, KEY_A, place, "closed", None, "en", now=NOW)
        record_report(session, KEY_B, place, "closed", None, "en", now=NOW + timedelta(hours=25))
        assert reported_closed(session, 2) == set()
        record_report(session, KEY_C, place, "closed", None, "en", now=NOW + timedelta(hours=30))
        assert reported_closed(session, 2) == {(place.service_id, place.location_id)}


def test_out_of_supplies_is_queued_but_does_not_flag_the_place(demo_db):
    with session_scope() as session:
        _, listing = listed(session)
        place = listing.places[0]
        record_report(session, KEY_A, place, "out_of_stock", "they were out of narcan", "en", now=NOW)
        record_report(session, KEY_B, place, "out_of_stock", "no narcan", "en", now=NOW)
        assert reported_closed(session, 2) == set()
        assert [r.kind for r in open_reports(session, 2)] == ["out_of_stock", "out_of_stock"]


def test_a_flagged_place_drops_below_every_unreported_place_and_says_so(demo_db):
    with session_scope() as session:
        before, listing = listed(session)
        first = listing.places[0]
        for key in (KEY_A, KEY_B):
            record_report(session, key, first, "closed", None, "en", now=NOW)
        everything = search(session, limit=50)
        assert everything.matches[-1].service_id == first.service_id and everything.matches[-1].reported_closed
        assert not any(m.reported_closed for m in everything.matches[:-1])
        page = search(session)
        assert first.service_id not in [m.service_id for m in page.matches]
        # open-now ranking keeps it below too
        assert search(session, limit=50, open_first=True).matches[-1].service_id == first.service_id
        text = format_results(everything, "98104")
        flagged_line = [line for line in text.splitlines() if first.name[:15] in line][0]
        assert "reported closed today" in flagged_line
        assert "reportado cerrado hoy" in format_results(everything, "98104", "es")


def test_the_coordinator_clears_the_place_and_the_flag_goes(demo_db):
    with session_scope() as session:
        _, listing = listed(session)
        place, other = listing.places[0], listing.places[1]
        ids = [record_report(session, key, place, "closed", None, "en", now=NOW).id for key in (KEY_A, KEY_B)]
        kept = record_report(session, KEY_A, other, "closed", None, "en", now=NOW).id
        assert clear_report(session, ids[1]) == 2
        assert reported_closed(session, 2) == set()
        assert [r.id for r in open_reports(session, 2)] == [kept]
        with pytest.raises(ReportError):
            clear_report(session, ids[0])  # already cleared
        with pytest.raises(ReportError):
            clear_report(session, 99999)
        # a later report about the same place counts afresh
        record_report(session, KEY_C, place, "closed", None, "en", now=NOW + timedelta(hours=1))
        assert reported_closed(session, 2) == set()


def test_the_coordinators_list_holds_no_number_and_no_key(demo_db):
    with session_scope() as session:
        _, listing = listed(session)
        record_report(session, KEY_A, listing.places[0], "closed", "closed, call [number]", "en", now=NOW)
        record_report(session, KEY_B, None, "wrong", "they were closed", "en", now=NOW)
        views = open_reports(session, 2)
        dumped = json.dumps([v.__dict__ for v in views])
        assert KEY_A not in dumped and KEY_B not in dumped
        assert views[0].place == listing.places[0].name and views[0].reporters == 1
        assert views[1].place is None and views[1].reporters == 1


def test_an_unknown_kind_is_refused(demo_db):
    with session_scope() as session:
        with pytest.raises(ValueError):
            record_report(session, KEY_A, None, "angry", None, "en")
        assert session.scalars(select(ListingReport)).all() == []
