"""The console's alerts page, the reported wrong listings on the directory page and the follow-up
linkage report, over HTTP against a real `hub console` (the fixture of test_app.py, a console and a
database of this module's own). Each goes through the same functions as its `hub` command."""
from __future__ import annotations

import requests
from sqlalchemy import select

from bot.clock import utcnow
from bot.directory.geo import lookup_zip
from tests.bot.console.test_app import console, csrf_of, open_handoff  # noqa: F401 (the fixture)

SUBSCRIBERS = (("a" * 64, "+12065550121", "en"), ("b" * 64, "+12065550122", "es"), ("c" * 64, "+12065550123", "en"))
ALERT = {"near": "98104", "radius": "5", "text": "Blue M30 pills much stronger than usual. Test first, don't use alone.",
         "text_es": "Pastillas azules M30 muy fuertes. Prueba primero, no uses a solas."}


def sign_up(console) -> None:
    from bot.alerts.subscriptions import subscribe

    with console.db() as session:
        for key, number, language in SUBSCRIBERS:
            subscribe(session, key, number, lookup_zip("98104"), language)


def test_logged_out_the_new_pages_and_posts_redirect_to_the_login_page(console):
    for path in ("/alerts", "/reports/follow-up-linkage.csv", "/reports/follow-up-linkage.svg"):
        answer = requests.get(console.url + path, allow_redirects=False)
        assert (answer.status_code, answer.headers.get("Location")) == (303, "/login"), path
    browser = requests.Session()
    token = csrf_of(browser.get(console.url + "/login"))
    for path in ("/alerts/check", "/alerts/send", "/directory/reports/1/clear"):
        answer = browser.post(console.url + path, data={"csrf": token, **ALERT}, allow_redirects=False)
        assert (answer.status_code, answer.headers.get("Location")) == (303, "/login"), path


def test_sending_and_clearing_need_the_csrf_token_and_a_manager(console):
    sign_up(console)
    manager, board = console.sign_in("manager@example.org")
    for path in ("/alerts/check", "/alerts/send", "/directory/reports/1/clear"):
        assert manager.post(console.url + path, data=ALERT).status_code == 403, path
        assert manager.post(console.url + path, data={**ALERT, "csrf": csrf_of(board) + "x"}).status_code == 403, path
    viewer, board = console.sign_in("viewer@example.org")
    token = csrf_of(board)
    for path in ("/alerts/check", "/alerts/send", "/directory/reports/1/clear"):
        assert viewer.post(console.url + path, data={**ALERT, "csrf": token}).status_code == 403, path
    page = viewer.get(console.url + "/alerts")
    assert page.status_code == 200 and 'id="sent"' in page.text and 'id="batch-reports"' in page.text
    assert 'action="/alerts/check"' not in page.text and 'action="/alerts/send"' not in page.text
    from bot.db.models import AreaAlert, OutboxMessage

    with console.db() as session:
        assert session.scalar(select(AreaAlert.id)) is None and session.scalar(select(OutboxMessage.id)) is None


def test_a_manager_checks_the_reach_then_sends_one_sms_per_subscriber_in_their_language(console):
    from bot.db.models import AuditLog, OutboxMessage

    sign_up(console)
    manager, board = console.sign_in("manager@example.org")
    token = csrf_of(board)
    checked = manager.post(console.url + "/alerts/check", data={**ALERT, "csrf": token})
    assert checked.status_code == 200 and "reaches <strong>3</strong> subscriber(s) within 5 miles of" in checked.text
    assert "en 2, es 1" in checked.text and "Send to 3 subscriber(s)" in checked.text
    with console.db() as session:
        assert session.scalar(select(OutboxMessage.id)) is None  # checking sends nothing
    sent = manager.post(console.url + "/alerts/send", data={**ALERT, "csrf": token})
    assert sent.status_code == 200 and "queued for 3 subscriber(s) within 5 miles of" in sent.text
    with console.db() as session:
        rows = session.execute(select(OutboxMessage.to_number, OutboxMessage.body, OutboxMessage.purpose)).all()
        audited = session.scalar(select(AuditLog.detail).where(AuditLog.action == "area_alert"))
    assert sorted(number for number, _, _ in rows) == [number for _, number, _ in SUBSCRIBERS]
    bodies = {number: body for number, body, _ in rows}
    assert "Pastillas azules" in bodies["+12065550122"] and "Blue M30" in bodies["+12065550121"]
    assert {purpose for _, _, purpose in rows} == {"area_alert"}
    assert "queued for 3 subscriber(s)" in audited and "0121" not in audited
    listed = manager.get(console.url + "/alerts").text
    assert "<td>3</td>" in listed and "Blue M30" in listed and "es: Pastillas" in listed
    assert "+1206555" not in listed
    # The same alert again is taken for a slip unless the box is ticked, as `hub alerts send --again`.
    again = manager.post(console.url + "/alerts/send", data={**ALERT, "csrf": token})
    assert again.status_code == 400 and "the same alert went to" in again.text and "nothing was sent" in again.text
    assert 'name="again"' in manager.post(console.url + "/alerts/check", data={**ALERT, "csrf": token}).text
    meant = manager.post(console.url + "/alerts/send", data={**ALERT, "again": "yes", "csrf": token})
    assert meant.status_code == 200 and "queued for 3" in meant.text
    with console.db() as session:
        assert len(session.scalars(select(OutboxMessage.id)).all()) == 6


def test_an_alert_is_refused_with_the_messages_of_hub_alerts_send(console):
    from bot.db.models import OutboxMessage

    manager, board = console.sign_in("manager@example.org")
    token = csrf_of(board)
    with console.db() as session:
        before = len(session.scalars(select(OutboxMessage.id)).all())
    for edit, message in (({"text": ""}, "English text is empty"),
                          ({"text": "   "}, "English text is empty"),
                          ({"text": "x" * 1600}, "English text does not fit one SMS"),
                          ({"text": "Fentanyl in blue pills 💊 " * 4}, "English text does not fit one SMS"),
                          ({"text_es": "y" * 300}, "Spanish text does not fit one SMS"),
                          ({"radius": "0"}, "Radius must be between 0.1 and 100 miles, not 0"),
                          ({"radius": "500"}, "Radius must be between 0.1 and 100 miles, not 500"),
                          ({"radius": "five"}, "Radius must be a number of miles between 0.1 and 100, not &#39;five&#39;"),
                          ({"near": "00000"}, "ZIP code or place 00000 is not a known US ZIP code"),
                          ({"near": "😀"}, "is neither a US ZIP code nor a city or neighbourhood")):
        for path in ("/alerts/check", "/alerts/send"):
            refused = manager.post(console.url + path, data={**ALERT, **edit, "csrf": token})
            assert refused.status_code == 400 and message in refused.text, (path, edit, refused.text[-1500:])
    far = manager.post(console.url + "/alerts/check", data={**ALERT, "near": "99501", "csrf": token})
    assert far.status_code == 200 and "No subscriber is within 5 miles" in far.text and 'action="/alerts/send"' not in far.text
    with console.db() as session:
        assert len(session.scalars(select(OutboxMessage.id)).all()) == before


def test_bad_batch_reports_show_words_and_area_and_never_a_number(console):
    from bot.alerts.reports import record

    with console.db() as session:
        record(session, "blue pills going around belltown, call me 206-555-0142", "en", "US")
    viewer, _ = console.sign_in("viewer@example.org")
    page = viewer.get(console.url + "/alerts").text
    assert "blue pills going around belltown" in page and "[number removed]" in page and "0142" not in page


def test_reported_wrong_listings_are_listed_and_a_manager_clears_a_place(console):
    from bot.db.models import AuditLog, ListingReport
    from bot.directory.reports import ListedPlace, record_report, reported_closed

    cedar = ListedPlace(1, "svc-cedar", "loc-cedar", "Cedar Street Clinic", "1 Cedar St")
    pine = ListedPlace(2, "svc-pine", "loc-pine", "Pine Pharmacy", "2 Pine St")
    with console.db() as session:
        record_report(session, "d" * 64, cedar, "closed", "they were closed today", "en")
        record_report(session, "e" * 64, cedar, "wrong", None, "en")
        record_report(session, "f" * 64, pine, "out_of_stock", "no tenían naloxona", "es")
        first = session.scalar(select(ListingReport.id).where(ListingReport.service_id == "svc-cedar"))
        pine_id = session.scalar(select(ListingReport.id).where(ListingReport.service_id == "svc-pine"))
    viewer, _ = console.sign_in("viewer@example.org")
    page = viewer.get(console.url + "/directory").text
    assert "Cedar Street Clinic (svc-cedar)" in page and "they were closed today" in page and "reported closed" in page
    assert "no tenían naloxona" in page and "out of stock" in page and "/clear" not in page
    manager, board = console.sign_in("manager@example.org")
    cleared = manager.post(console.url + f"/directory/reports/{first}/clear", data={"csrf": csrf_of(board)})
    assert cleared.status_code == 200 and f"cleared 2 report(s) about the place of report {first}" in cleared.text
    assert "Cedar Street Clinic" not in cleared.text.split('id="listing-reports"')[1] and "Pine Pharmacy" in cleared.text
    with console.db() as session:
        assert reported_closed(session, 2) == set()
        assert session.scalar(select(ListingReport.cleared_at).where(ListingReport.id == pine_id)) is None
        assert "cleared 2 report(s)" in session.scalar(select(AuditLog.detail).where(AuditLog.action == "listing_reports_cleared"))
    for report_id in (first, 999999):  # cleared already, and none such
        again = manager.post(console.url + f"/directory/reports/{report_id}/clear", data={"csrf": csrf_of(board)})
        assert again.status_code == 404 and f"there is no open report {report_id}" in again.text
    # No route takes it (Sanic reads no form for an unrouted POST, so the CSRF check refuses it first).
    assert manager.post(console.url + "/directory/reports/😀/clear", data={"csrf": csrf_of(board)}).status_code in (403, 404)
    with console.db() as session:
        assert session.scalar(select(ListingReport.cleared_at).where(ListingReport.id == pine_id)) is None


def test_the_follow_up_linkage_shows_its_counts_as_a_table_chart_and_csv(console):
    from bot.db.models import CheckIn, Handoff

    viewer, _ = console.sign_in("viewer@example.org")
    empty = viewer.get(console.url + "/reports/follow-up-linkage.csv").text.splitlines()
    assert empty == ["group,sent,answered,connected,reopened,re_contacts"]
    refs = [open_handoff(console) for _ in range(3)]
    with console.db() as session:
        ids = [session.scalar(select(Handoff.id).where(Handoff.ref == ref)) for ref in refs]
        for handoff_id, answer in zip(ids, ("1", "2", None)):
            # The 2 said yes to the question it got, and so re-opened a handoff (bot/handoff/follow_up.py).
            reopened = ids[2] if answer == "2" else None
            session.add(CheckIn(handoff_id=handoff_id, round=1, status="sent", at=utcnow(), answer=answer,
                                consent="yes" if reopened else None, reopened_handoff_id=reopened))
        session.add(CheckIn(handoff_id=ids[0], round=2, status="stopped", at=utcnow()))  # not sent: not counted
    page = viewer.get(console.url + "/reports").text
    assert 'src="/reports/follow-up-linkage.svg"' in page
    assert "<td>all check-ins</td><td>3</td><td>2</td><td>1</td><td>1</td><td>0</td>" in page
    table = viewer.get(console.url + "/reports/follow-up-linkage.csv").text.splitlines()
    assert table[1:] == ["all check-ins,3,2,1,1,0", "source: community,3,2,1,1,"]
    chart = viewer.get(console.url + "/reports/follow-up-linkage.svg")
    assert chart.status_code == 200 and "<svg" in chart.text and "No data in this period" not in chart.text


def test_the_health_page_says_when_no_coordinator_is_on_call(console):
    """Review 9: the console's Health page names a missing coordinator, and one who texted OFF."""
    from bot.db.models import Specialist

    viewer, _ = console.sign_in("viewer@example.org")
    assert "no coordinator is set" in viewer.get(console.url + "/health").text
    with console.db() as session:
        session.add(Specialist(name="Cora", phone="+12065550118", zips="", languages="en", is_coordinator=1, active=1,
                               created_at=utcnow(), off_call="off", off_call_since=utcnow()))
    try:
        page = viewer.get(console.url + "/health").text
        assert "coordinator Cora texted OFF" in page and "no coordinator is set" not in page
    finally:
        with console.db() as session:
            session.query(Specialist).filter_by(name="Cora").delete()


def test_the_board_says_the_sla_in_words(console):
    """Durations: the board said "The SLA is 600 min" for HUB_ESCALATE_AFTER=600 (ten hours)."""
    viewer, _ = console.sign_in("viewer@example.org")
    assert "The SLA is 10 minutes to accept" in viewer.get(console.url + "/board").text


def test_the_directory_page_shows_the_last_refreshes_and_what_was_held_back(console):
    """Issue 32, part 2: the last refresh from a feed, what it changed, and one held back."""
    from datetime import timedelta

    from bot.db.models import DirectoryRefresh

    now = utcnow()
    with console.db() as session:
        session.add(DirectoryRefresh(feed="https://feed.example.org/hsds", by="worker", started_at=now - timedelta(days=1),
                                     finished_at=now - timedelta(days=1), outcome="applied", services=120, new=3,
                                     updated=117, made_inactive=2, restored=1))
        session.add(DirectoryRefresh(feed="https://feed.example.org/hsds", by="worker", started_at=now, finished_at=now,
                                     outcome="held_back", services=10, new=0, updated=10, made_inactive=110, restored=0,
                                     detail="Directory refresh held back: the feed https://feed.example.org/hsds no longer "
                                            "lists 110 of its 120 services."))
    viewer, _ = console.sign_in("viewer@example.org")
    page = viewer.get(console.url + "/directory").text
    table = " ".join(page.split('id="refreshes"')[1].split("</table>")[0].split())
    assert table.index("held back") < table.index("applied")  # newest first
    assert "<td>applied</td><td>120</td> <td>3</td><td>117</td> <td>2</td><td>1</td>" in table
    held = page.split('id="held-back"')[1].split("</p>")[0]
    assert "no longer lists 110 of its 120 services" in held


def test_a_spike_on_the_alerts_page_is_sent_as_edited_or_dismissed_with_a_reason(console):
    """Issue 35, part 3: managers act on the console's Alerts page: the spike, its draft (editable,
    English and Spanish), the reach, Send, and Dismiss with a reason; a viewer sees, and changes nothing."""
    from datetime import timedelta

    from bot.alerts.drafts import draft_for
    from bot.db.models import AreaAlert, AuditLog, OutboxMessage, Spike

    sign_up(console)
    now = utcnow()
    with console.db() as session:
        spikes = []
        for area in ("98104", "98122"):
            place = lookup_zip(area)
            spike = Spike(area=area, latitude=place.latitude, longitude=place.longitude, detected_at=now - timedelta(minutes=5),
                          count=7, baseline=0.5, kinds="bad_batch=2,overdose=5", status="open")
            session.add(spike)
            session.flush()
            spikes.append((spike.id, draft_for(session, spike).id))
    (first, first_draft), (second, _) = spikes
    viewer, _ = console.sign_in("viewer@example.org")
    page = viewer.get(console.url + "/alerts").text
    section = page.split(f'id="spike-{first}"')[1].split("</section>")[0]
    assert "Near 98104" in section and "7 signals in 24 h (2 bad-batch, 5 overdose); usual 0.5" in section
    assert f"Draft A-{first_draft}" in section and "<form" not in section
    manager, board = console.sign_in("manager@example.org")
    page = manager.get(console.url + "/alerts").text
    assert f'action="/alerts/drafts/{first_draft}/send"' in page
    too_long = manager.post(console.url + f"/alerts/drafts/{first_draft}/send",
                            data={"csrf": csrf_of(board), "text_en": "x" * 300, "text_es": ""})
    assert too_long.status_code == 400 and "does not fit one SMS" in too_long.text
    edited = "Pink pills near Pioneer Square much stronger than usual. Test first, go slow, keep naloxone close."
    sent = manager.post(console.url + f"/alerts/drafts/{first_draft}/send",
                        data={"csrf": csrf_of(board), "text_en": edited, "text_es": ""})
    assert sent.status_code == 200 and f"A-{first_draft} is going to" in sent.text
    with console.db() as session:
        draft = session.get(AreaAlert, first_draft)
        assert (draft.status, draft.text_en, draft.text_es, draft.sent_by) == ("sent", edited, None, "manager@example.org")
        bodies = set(session.scalars(select(OutboxMessage.body).where(OutboxMessage.area_alert_id == first_draft)))
        assert bodies == {f"Health Hub alert: {edited}"}  # the Spanish subscriber too: no Spanish text was given
        assert session.get(Spike, first).status == "sent"
    refused = manager.post(console.url + f"/alerts/spikes/{second}/dismiss", data={"csrf": csrf_of(board), "reason": " "})
    assert refused.status_code == 400 and "say why" in refused.text
    dismissed = manager.post(console.url + f"/alerts/spikes/{second}/dismiss",
                             data={"csrf": csrf_of(board), "reason": "one family, one event"})
    assert dismissed.status_code == 200 and "dismissed" in dismissed.text and f'id="spike-{second}"' not in dismissed.text
    with console.db() as session:
        assert session.get(Spike, second).reason == "one family, one event"
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.actor == "manager@example.org")))
        assert "spike_dismissed" in actions and "area_alert" in actions


def test_the_signals_map_and_a_spikes_chart_are_svg_with_small_counts_left_out(console):
    """Issue 35, part 4: drawn on the server, served from the console itself (its CSP unchanged),
    areas under 3 signals not drawn; a spike's signals by hour."""
    from datetime import timedelta

    from bot.alerts.signals import SignalKind, record_signal
    from bot.db.models import Spike

    now = utcnow()
    with console.db() as session:
        for n in range(4):
            record_signal(session, f"{n:064x}", SignalKind.OVERDOSE, "98122", now - timedelta(hours=n))
        for n in range(2):
            record_signal(session, f"{n + 50:064x}", SignalKind.BAD_BATCH, "98402", now - timedelta(hours=n))
        place = lookup_zip("98122")
        spike = Spike(area="98122", latitude=place.latitude, longitude=place.longitude, detected_at=now, count=4,
                      baseline=0.5, kinds="overdose=4", status="dismissed", reason="a test")
        session.add(spike)
        session.flush()
        spike_id = spike.id
    viewer, _ = console.sign_in("viewer@example.org")
    drawn = viewer.get(console.url + "/alerts/signals.svg")
    assert drawn.status_code == 200 and drawn.headers["Content-Type"].startswith("image/svg+xml")
    assert "98122: 4" in drawn.text and "98402" not in drawn.text  # 2 signals: suppressed
    assert "<image" not in drawn.text and 'href="http' not in drawn.text  # nothing fetched from outside
    chart = viewer.get(console.url + f"/alerts/spikes/{spike_id}/signals.svg")
    assert chart.status_code == 200 and "Signals by hour near 98122" in chart.text
    assert viewer.get(console.url + "/alerts/spikes/999999/signals.svg").status_code == 404
    assert 'src="/alerts/signals.svg"' in viewer.get(console.url + "/reports").text
    assert 'src="/alerts/signals.svg"' in viewer.get(console.url + "/alerts").text
