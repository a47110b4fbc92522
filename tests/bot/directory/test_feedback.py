"""A texter reports a wrong listing: WRONG n after a list, or in words about a place just listed.
Reached through bot.handoff.inbound.route, as the SMS channel reaches it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.db.models import ListingReport
from bot.directory.feedback import listing_feedback
from bot.directory.geo import lookup_zip
from bot.directory.reports import remember_listing
from bot.directory.search import find_services
from bot.handoff.inbound import route

NUMBER = "+12065550142"
KEY = "h" + "1" * 40
OTHER_KEY = "h" + "2" * 40


def show_list(session, key=KEY, language="en", limit=3):
    result = find_services(session, "naloxone", lookup_zip("98104"), limit=limit,
                           stale_after=timedelta(days=36500), closed_reports=2)
    remember_listing(session, key, result.matches, 0, language)
    return result.matches


def reports(session):
    return session.scalars(select(ListingReport).order_by(ListingReport.id)).all()


def test_wrong_n_names_the_place_listed_as_n_thanks_and_queues_it(demo_db):
    with session_scope() as session:
        matches = show_list(session)
        routed = route(session, NUMBER, KEY, "WRONG 2")
        assert routed.handled and routed.replies == [
            f"Thank you for letting us know about {matches[1].name}. We'll pass it on so the listing gets checked."]
        [report] = reports(session)
        assert (report.service_id, report.location_id, report.kind) == (matches[1].service_id, matches[1].location_id, "wrong")
        assert report.reporter_key == KEY and report.words is None


@pytest.mark.parametrize("body, kind", [
    ("wrong 3 closed for good", "closed"),
    ("Wrong #3: they were out of narcan", "out_of_stock"),
    ("WRONG 3 the phone is disconnected", "wrong"),
    ("ERROR 3", "wrong"),
])
def test_wrong_n_with_words_keeps_the_words_and_their_kind(demo_db, body, kind):
    with session_scope() as session:
        matches = show_list(session)
        assert route(session, NUMBER, KEY, body).handled
        [report] = reports(session)
        assert report.service_id == matches[2].service_id and report.kind == kind


def test_a_number_in_the_words_is_never_kept(demo_db):
    with session_scope() as session:
        show_list(session)
        route(session, NUMBER, KEY, "WRONG 1 closed, call me at 206-555-0142")
        [report] = reports(session)
        assert "555" not in report.words and "[number]" in report.words


def test_wrong_beyond_the_list_says_which_numbers_there_are(demo_db):
    with session_scope() as session:
        show_list(session)
        routed = route(session, NUMBER, KEY, "WRONG 9")
        assert routed.handled and "1 to 3" in routed.replies[0] and "WRONG" in routed.replies[0]
        assert route(session, NUMBER, KEY, "WRONG 0").replies == routed.replies
        assert reports(session) == []


def test_wrong_with_no_list_says_how_to_get_one(demo_db):
    with session_scope() as session:
        routed = route(session, NUMBER, KEY, "WRONG 2")
        assert routed.handled and "haven't sent you a list" in routed.replies[0] and "98104" in routed.replies[0]
        assert route(session, NUMBER, KEY, "WRONG").replies == routed.replies
        assert reports(session) == []


def test_bare_wrong_after_a_list_asks_which_place(demo_db):
    with session_scope() as session:
        show_list(session)
        routed = route(session, NUMBER, KEY, "wrong")
        assert "Which place" in routed.replies[0] and "1 to 3" in routed.replies[0]
        assert reports(session) == []


def test_spanish_keyword_and_list_answer_in_spanish(demo_db):
    with session_scope() as session:
        matches = show_list(session, language="es")
        routed = route(session, NUMBER, KEY, "INCORRECTO 1")
        assert routed.replies == [f"Gracias por avisarnos sobre {matches[0].name}. Lo pasaremos para que se revise la información."]
        assert "del 1 al 3" in route(session, NUMBER, KEY, "incorrecto 7").replies[0]
        assert route(session, NUMBER, KEY, "WRONG 1").replies[0].startswith("Gracias")  # the list was in Spanish


def test_a_place_named_by_its_street_or_name_after_a_list(demo_db):
    with session_scope() as session:
        matches = show_list(session)
        street = matches[1].street  # e.g. "621 3rd Ave"
        core = [w for w in street.split() if not w.isdigit() and w.lower() not in ("ave", "st", "s", "n", "way")][0]
        routed = route(session, NUMBER, KEY, f"the one on {core} Avenue is closed")
        assert routed.replies[0].startswith(f"Thank you for letting us know about {matches[1].name}")
        assert reports(session)[-1].kind == "closed" and reports(session)[-1].service_id == matches[1].service_id


def test_they_with_several_places_listed_is_queued_without_a_place(demo_db):
    with session_scope() as session:
        show_list(session)
        routed = route(session, NUMBER, KEY, "they were out of narcan")
        assert routed.handled and "WRONG" in routed.replies[0] and routed.replies[0].startswith("Thank you")
        [report] = reports(session)
        assert report.service_id is None and report.kind == "out_of_stock" and report.words == "they were out of narcan"


def test_they_with_one_place_listed_is_that_place(demo_db):
    with session_scope() as session:
        matches = show_list(session, limit=1)
        assert route(session, NUMBER, KEY, "It was closed when I got there").handled
        assert reports(session)[0].service_id == matches[0].service_id


@pytest.mark.parametrize("body", [
    "is Cedar Street closed?",          # a question
    "I'm out of narcan",                 # asks for some
    "narcan near 98104",                 # a search
    "wrong number",                      # not a report of a place
    "they're closed and he's not breathing",  # the 911 steps come first, from the assistant's path
    "",
    "🙂" * 10,
    "x" * 1600,
])
def test_what_is_not_a_report_goes_on_to_the_assistant(demo_db, body):
    with session_scope() as session:
        show_list(session)
        assert listing_feedback(session, KEY, body) is None
        assert reports(session) == []


@pytest.mark.parametrize("body, kind", [
    ("they were out of narcan, where else can i get some", "out_of_stock"),
    ("they were out of narcan where else can i get it", "out_of_stock"),
    ("They were out of Narcan. Where else can I get some?", "out_of_stock"),
    ("they didnt have any narcan, anywhere else?", "out_of_stock"),
    ("they were outta narcan, need some asap", "out_of_stock"),
    ("they were out of narcan wher else can i get sum", "out_of_stock"),
    ("it was closed, u know any other place open rn", "closed"),
    ("they were closed. i still need narcan near 98104", "closed"),
    ("no tenían narcan, donde mas consigo", "out_of_stock"),
    ("estaba cerrado, necesito otro lugar", "closed"),
    ("no tenian naloxona ¿dónde más hay?", "out_of_stock"),
    # A denied request still goes on: the assistant's answer costs little, a dropped request a lot.
    ("they were closed, dont need anything else tho", "closed"),
])
def test_a_report_that_also_asks_is_recorded_and_goes_on_to_the_assistant(demo_db, body, kind):
    """Review 11: the request is answered (by the assistant, with places) and the report is kept."""
    with session_scope() as session:
        show_list(session)
        assert listing_feedback(session, KEY, body) is None
        [report] = reports(session)
        assert report.kind == kind and report.words == body


@pytest.mark.parametrize("body", [
    "were they out of narcan? where else can i go",   # the report is itself a question
    "is it closed? where else",
    "¿estaba cerrado? necesito narcan",
    "they weren't closed, where else can i get strips",  # negated: no report
    "they didn't run out, i just need more",
])
def test_a_request_whose_report_is_asked_or_denied_records_nothing(demo_db, body):
    with session_scope() as session:
        show_list(session)
        assert listing_feedback(session, KEY, body) is None
        assert reports(session) == []


@pytest.mark.parametrize("body, kind", [
    ("University District Syringe Services is closed today", "closed"),
    ("university district syringe services was shut", "closed"),
    ("Pioneer Square Drop-In Center ran out of narcan", "out_of_stock"),
    ("pionner square drop in center is closd", "closed"),
    ("Pioneer Square Drop-In Center estaba cerrado hoy", "closed"),
])
def test_a_place_of_the_directory_named_closed_with_no_list_is_a_listing_report(demo_db, body, kind):
    """Review 11: no list shown first, a place named by name, and nothing asked."""
    with session_scope() as session:
        routed = route(session, NUMBER, KEY, body)
        assert routed.handled and routed.replies[0].startswith(("Thank you for letting us know about", "Gracias por avisarnos sobre"))
        [report] = reports(session)
        assert report.kind == kind and report.service_id is not None


@pytest.mark.parametrize("body, recorded", [
    ("University District Syringe Services is closed today, where else can I get needles", True),
    ("university district syringe services estaba cerrado, donde mas hay", True),
    ("is University District Syringe Services closed today?", False),
    ("University District Syringe Services isn't closed today", False),
    ("University District Syringe Services wasnt closed after all", False),
    ("University District Syringe Services no estaba cerrado", False),
    ("University District Syringe Services is open", False),
    ("my friend's place is closed", False),
    ("University District Syringe Services is closed and he's not breathing", False),
])
def test_a_named_place_with_no_list_that_asks_denies_or_is_no_report_goes_on(demo_db, body, recorded):
    with session_scope() as session:
        assert listing_feedback(session, KEY, body) is None
        assert len(reports(session)) == int(recorded)


def test_words_with_no_list_lately_go_on_to_the_assistant(demo_db):
    with session_scope() as session:
        show_list(session)
        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
        assert listing_feedback(session, KEY, "they were closed", now=later) is None
        # WRONG still works for a few days
        assert listing_feedback(session, KEY, "WRONG 1", now=later)[0].startswith("Thank you")
        assert listing_feedback(session, OTHER_KEY, "they were closed") is None


def test_a_specialist_or_a_relay_never_reaches_the_report_path(demo_db):
    from bot.clock import utcnow
    from bot.db.models import Specialist

    with session_scope() as session:
        session.add(Specialist(name="Ana", phone=NUMBER, zips="98104", languages="en", active=1, created_at=utcnow()))
        session.flush()
        show_list(session)
        routed = route(session, NUMBER, KEY, "WRONG 2")
        assert not any("Thank you for letting us know" in r for r in routed.replies)
        assert reports(session) == []
