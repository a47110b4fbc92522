"""A directory that knows when it is wrong, end to end through signed webhooks: a stale listing says
call ahead, a holiday closure imported today says closed, a wrong listing reported by text reaches
`hub directory reports` with no number in it, and two numbers reporting a place closed flag it
until the coordinator clears it."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.privacy import sender_key
from tests.bot.directory.package_edits import add_row, copy_demo, edit_row, read_rows
from tests.conftest import TEST_ENV
from tests.e2e.conftest import running_hotline, text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def line(trained_model, tmp_path_factory):
    """A hotline with HUB_STALE_AFTER=90d and HUB_CLOSED_REPORTS=2, whose directory (re-imported
    with `hub directory import`) has the second naloxone place near 98104 last verified long ago
    and the first closed today for a holiday. Yields (hotline, the three names in order)."""
    work = tmp_path_factory.mktemp("directory_feedback")
    with running_hotline(trained_model, work, HUB_STALE_AFTER="90d", HUB_CLOSED_REPORTS="2") as hotline:
        found = json.loads(hotline.hub("directory", "search", "--type", "naloxone", "--near", "98104", "--json"))["results"]
        package = copy_demo(work)
        today = datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat()
        _, services = read_rows(package / "services.csv")
        for service in services:  # verified today, whatever day the test runs, except the stale one
            edit_row(package / "services.csv", service["id"], last_modified=f"{today}T08:00:00-08:00")
        edit_row(package / "services.csv", found[1]["service_id"], last_modified="2025-01-15T08:00:00Z")
        add_row(package / "schedules.csv", id="5c1e0000-0000-4000-8000-0000000000e2", service_id=found[0]["service_id"],
                valid_from=today, valid_to=today, description="Closed for the holiday")
        hotline.hub("directory", "import", str(package), "--quiet")
        yield hotline, [result["name"] for result in found]


def listed(hotline, sender, body="narcan near 98104"):
    status, replies = text(hotline, sender, body)
    assert status == 200 and replies, replies
    return replies[0].splitlines()


def test_a_stale_listing_says_call_ahead_and_a_holiday_closure_says_closed(line):
    hotline, names = line
    lines = listed(hotline, "+12065550170")
    assert lines[0] == "Naloxone (Narcan) near 98104:"
    assert lines[1].startswith("1) " + names[0][:15]) and "closed today" in lines[1] and "24 hours" not in lines[1]
    assert lines[2].startswith("2) ") and "call ahead" in lines[2]
    assert "call ahead" not in lines[1] and "call ahead" not in lines[3]
    spanish = listed(hotline, "+12065550171", "necesito naloxona cerca de 98104")
    assert "llama antes" in spanish[2] and "cerrado hoy" in spanish[1]
    found = json.loads(hotline.hub("directory", "search", "--type", "naloxone", "--near", "98104", "--json"))["results"]
    assert found[0]["hours_today"] == "closed today" and found[0]["open_now"] is False
    assert found[1]["call_ahead"] is True and found[1]["verified_on"] == "2025-01-15"


def test_a_wrong_listing_reaches_the_coordinator_with_no_number_in_it(line):
    hotline, names = line
    sender = "+12065550172"
    listed(hotline, sender)
    status, replies = text(hotline, sender, "WRONG 2")
    assert status == 200
    assert replies == [f"Thank you for letting us know about {names[1]}. We'll pass it on so the listing gets checked."]
    text(hotline, sender, "wrong 2 closed")  # the same number again: counts once
    status, replies = text(hotline, sender, "they were out of narcan, call me 206-555-0172")
    assert replies[0].startswith("Thank you for letting us know.") and "WRONG" in replies[0]

    listing = hotline.hub("directory", "reports")
    as_json = hotline.hub("directory", "reports", "--json")
    for shown in (listing, as_json):
        assert names[1] in shown
        for trace in ("5550172", "555-0172", sender_key(sender, TEST_ENV["HUB_SECRET_KEY"])):
            assert trace not in shown
    reports = json.loads(as_json)
    mine = [r for r in reports if r["place"] == names[1]]
    assert [r["kind"] for r in mine] == ["wrong", "closed"] and all(r["reporters"] == 1 and not r["flagged"] for r in mine)
    assert any(r["place"] is None and r["kind"] == "out_of_stock" and "[number]" in r["words"] for r in reports)
    # one number is not enough to flag the place
    assert "reported closed today" not in "\n".join(listed(hotline, "+12065550177"))


def test_two_numbers_reporting_a_place_closed_flag_it_until_the_coordinator_clears_it(line):
    hotline, names = line
    for sender in ("+12065550173", "+12065550174"):
        assert listed(hotline, sender)[3].startswith("3) ")
        status, replies = text(hotline, sender, "WRONG 3 closed")
        assert replies[0].startswith(f"Thank you for letting us know about {names[2]}")

    sender = "+12065550175"
    pages = listed(hotline, sender)
    assert not any(names[2][:15] in row for row in pages[1:4])  # dropped below the places with no reports
    while pages[-1] == "Reply MORE for more.":
        status, replies = text(hotline, sender, "MORE")
        pages += replies[0].splitlines()
    places = [row for row in pages if row[:1].isdigit()]
    assert names[2][:15] in places[-1] and "reported closed today" in places[-1]
    assert sum("reported closed today" in row for row in places) == 1

    reports = json.loads(hotline.hub("directory", "reports", "--json"))
    flagged = [r for r in reports if r["place"] == names[2]]
    assert len(flagged) == 2 and all(r["flagged"] and r["reporters"] == 2 for r in flagged)
    assert "cleared 2 report(s)" in hotline.hub("directory", "reports", "clear", str(flagged[0]["id"]))
    again = listed(hotline, "+12065550176")
    assert again[3].startswith("3) " + names[2][:15]) and "reported closed" not in again[3]


def test_wrong_beyond_the_list_and_with_no_list(line):
    hotline, _ = line
    listed(hotline, "+12065550178")
    status, replies = text(hotline, "+12065550178", "WRONG 9")
    assert status == 200 and replies == [
        "The list I sent has places 1 to 3. Text WRONG and the number of the place that was wrong (for example WRONG 3)."]
    status, replies = text(hotline, "+12065550179", "WRONG 2")
    assert status == 200 and "haven't sent you a list" in replies[0]


def test_an_overdose_in_the_words_gets_the_911_steps_first(line):
    hotline, _ = line
    listed(hotline, "+12065550180")
    status, replies = text(hotline, "+12065550180", "they were closed and my friend is not breathing")
    assert status == 200 and "911" in replies[0]


def test_a_report_that_asks_for_more_gets_places_and_is_kept(line):
    """Review 11: "they were out of narcan, where else can i get some" was thanked and the request
    dropped. Now the assistant answers it with places, and the report reaches the coordinator."""
    hotline, names = line
    sender = "+12065550183"
    listed(hotline, sender)
    body = "they were out of narcan, where else can i get some"
    status, replies = text(hotline, sender, body)
    assert status == 200 and not any(r.startswith("Thank you for letting us know") for r in replies), replies
    assert any(name[:15] in "\n".join(replies) for name in names), replies
    reports = json.loads(hotline.hub("directory", "reports", "--json"))
    assert any(r["kind"] == "out_of_stock" and r["words"] == body for r in reports), reports
