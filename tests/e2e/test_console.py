"""The coordinator's console in a real browser (Debian's Chromium driven by Playwright, as the
simulator's test does) beside the whole hotline: sign-in and lockout; a handoff a signed SMS opens
appears on the board without a reload, with no number; a specialist added in the console is on
`hub roster list`; a broken directory package is refused by file, row and field, a good one
imported and searched; reports show charts with their figures; an alert checked for its reach and sent
reaches the outbox. Screenshots of each page go to
test-artifacts/console-*.png."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile

import pytest

from bot.console.accounts import WRONG_EMAIL_OR_PASSWORD
from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT
from tests.e2e.conftest import ARTIFACTS, BIN, text
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
MANAGER, VIEWER = "coordinator@example.org", "board@example.org"
PERSON = "+12065550177"
UPDATE_MS = 15_000  # the board polls every 2 s; a busy CI machine may take longer to answer


@pytest.fixture(scope="module")
def console(hotline):
    """`hub console` as `make run` starts it, on the hotline's database, with two accounts."""
    for email, role in ((MANAGER, "manager"), (VIEWER, "viewer")):
        subprocess.run([str(BIN / "hub"), "users", "add", "--email", email, "--role", role, "--password-stdin"],
                       input=PASSWORD + "\n", text=True, env=hotline.env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    port = free_port()
    env = {**hotline.env, "HUB_CONSOLE_PORT": str(port)}
    log = hotline.logs[0].parent / "console.log"
    process = subprocess.Popen([str(BIN / "hub"), "console"], cwd=PROJECT_ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login", process, log, seconds=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def page(browser):  # noqa: F811 (the fixture imported above)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)
    yield page
    page.close()


def sign_in(page, console, email=MANAGER, password=PASSWORD):
    page.goto(console + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def test_sign_in_and_a_locked_account(page, console, hotline):
    from playwright.sync_api import expect

    subprocess.run([str(BIN / "hub"), "users", "add", "--email", "guess@example.org", "--role", "viewer", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=hotline.env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    page.goto(console + "/board")
    expect(page).to_have_url(console + "/login")  # logged out: the login page, nothing else
    shot(page, "login")
    for attempt in range(5):
        sign_in(page, console, "guess@example.org", f"a wrong password {attempt}")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password.")
    sign_in(page, console, "guess@example.org")  # the right password, too late: the same answer as for anyone
    expect(page.get_by_role("alert")).to_have_text(WRONG_EMAIL_OR_PASSWORD)
    expect(page).to_have_url(console + "/login")

    sign_in(page, console)
    expect(page).to_have_url(console + "/board")
    expect(page.get_by_text(f"{MANAGER} (manager)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(console + "/login")


def test_the_board_shows_a_new_handoff_without_a_reload_and_no_number(page, console, hotline):
    from playwright.sync_api import expect

    sign_in(page, console, VIEWER)
    expect(page).to_have_url(console + "/board")
    page.evaluate("window.stillTheSamePage = true")
    text(hotline, PERSON, "narcan near 98104")
    status, replies = text(hotline, PERSON, "can i talk to someone")
    assert status == 200 and "Is it OK for them to text you?" in replies[0], replies
    status, replies = text(hotline, PERSON, "yes")
    ref = re.search(r"H-\d+", replies[0]).group(0)

    row = page.locator(f'#board tr[data-ref="{ref}"]')
    expect(row).to_be_visible(timeout=UPDATE_MS)
    expect(row).to_contain_text("naloxone")
    expect(row).to_contain_text("98104")
    expect(row).to_contain_text("community")
    assert page.evaluate("window.stillTheSamePage") is True  # drawn in place, not reloaded
    for shown in (PERSON, PERSON[2:], "555-0177", "0177"):
        assert shown not in page.content()
    shot(page, "board")

    row.get_by_role("link", name=ref).click()
    expect(page.get_by_role("heading", name=f"Handoff {ref}")).to_be_visible()
    expect(page.get_by_role("button", name="Show the number")).to_have_count(0)  # a viewer may not ask
    assert "0177" not in page.content()


def test_a_manager_sees_the_number_only_on_asking_and_it_is_audited(page, console, hotline):
    from playwright.sync_api import expect

    sign_in(page, console)
    refs = page.locator("#board tr[data-ref]").evaluate_all("rows => rows.map(row => row.dataset.ref)")
    assert refs
    page.goto(console + f"/handoffs/{refs[-1]}")
    assert "0177" not in page.content()
    page.get_by_role("button", name="Show the number").click()
    expect(page.locator("#number")).to_be_visible()
    shot(page, "handoff")
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit")).to_contain_text(f"handoff {refs[-1]}")
    expect(page.locator("#audit")).to_contain_text(MANAGER)
    assert "0177" not in page.locator("#audit").inner_text()
    shot(page, "audit")


def test_a_specialist_added_in_the_console_is_on_hub_roster_list(page, console, hotline):
    from playwright.sync_api import expect

    sign_in(page, console)
    page.get_by_role("link", name="Roster").click()
    form = page.locator("#add-specialist")
    form.get_by_label("Name").fill("Eve Park")
    form.get_by_label("Phone").fill("+12065550116")
    form.get_by_label("ZIP codes covered, comma-separated").fill("00000")
    form.get_by_role("button", name="Add specialist").click()
    expect(page.get_by_role("alert")).to_have_text("ZIP codes: 00000 is not a known US ZIP code")  # as `hub roster` says it
    form = page.locator("#add-specialist")
    expect(form.get_by_label("Name")).to_have_value("Eve Park")  # what was typed stays
    form.get_by_label("ZIP codes covered, comma-separated").fill("98199")  # nobody else's area: other tests unchanged
    form.get_by_label("Languages, two-letter codes").fill("en,es")
    form.get_by_label("On-call hours (empty: always)").fill("MO-SU 00:00-24:00")
    form.get_by_role("button", name="Add specialist").click()
    expect(page.get_by_role("status")).to_contain_text("added Eve Park: ZIPs 98199; languages en, es")
    expect(page.locator("#specialists")).to_contain_text("Eve Park")
    shot(page, "roster")
    listed = hotline.hub("roster", "list")
    assert re.search(r"specialist\s+Eve Park\s+\+12065550116\s+ZIPs 98199\s+en,es", listed), listed
    page.get_by_role("button", name="Remove Eve Park").click()
    expect(page.get_by_role("status")).to_contain_text("removed Eve Park from the roster")
    assert "Eve Park" not in hotline.hub("roster", "list")


def package_zip(edit=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(DEMO_DIRECTORY.iterdir()):
            data = path.read_bytes()
            archive.writestr(path.name, edit(path.name, data) if edit else data)
    return out.getvalue()


def test_a_broken_package_is_refused_by_file_row_and_field_and_a_good_one_searched(page, console, hotline):
    from playwright.sync_api import expect

    def bad_latitude(name, data):
        if name != "locations.csv":
            return data
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        rows[1]["latitude"] = "north"  # the file's row 3, after the header and one good row
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode()

    before = hotline.hub("directory", "search", "--type", "naloxone", "--near", "98104")
    sign_in(page, console)
    page.get_by_role("link", name="Directory").click()
    page.set_input_files("#package", files=[{"name": "broken.zip", "mimeType": "application/zip",
                                             "buffer": package_zip(bad_latitude)}])
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("alert")).to_contain_text("broken.zip was not imported; nothing was written")
    problem = page.locator("#problems tbody tr").first
    expect(problem.locator("td").nth(0)).to_have_text("locations.csv")
    expect(problem.locator("td").nth(1)).to_have_text("3")
    expect(problem.locator("td").nth(2)).to_have_text("latitude")
    shot(page, "directory-broken")
    assert hotline.hub("directory", "search", "--type", "naloxone", "--near", "98104") == before

    page.set_input_files("#package", files=[{"name": "directory.zip", "mimeType": "application/zip", "buffer": package_zip()}])
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator("#imported")).to_contain_text("Imported directory.zip")
    page.get_by_label("Service").select_option("naloxone")
    page.get_by_label("near ZIP code").fill("98104")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#answer")).to_have_text(before.strip())  # what the assistant would text back
    shot(page, "directory")


def test_reports_show_charts_with_their_figures_and_health(page, console):
    from playwright.sync_api import expect

    sign_in(page, console, VIEWER)
    page.get_by_role("link", name="Reports").click()
    for name in ("handoffs-per-week", "time-to-accept", "outcomes", "agencies"):
        section = page.locator(f"#report-{name}")
        chart = section.get_by_role("img")
        expect(chart).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
        expect(section.get_by_role("link", name="Download as CSV")).to_have_attribute("href", f"/reports/{name}.csv")
    weekly = page.locator("#report-handoffs-per-week tbody tr").last
    expect(weekly.locator("td").last).not_to_have_text("0")  # this week's handoffs, from the tests before
    shot(page, "reports")
    page.get_by_role("link", name="Health").click()
    expect(page.locator("#figures")).to_contain_text("Worker heartbeat")
    expect(page.locator("#misses")).to_be_visible()
    shot(page, "health")


ALERT_TEXT = "Pills sold as oxy in Magnolia are much stronger than usual. Test first, don't use alone."
SUBSCRIBER, REPORTER = "+12065550178", "+12065550179"


def test_a_manager_checks_an_alerts_reach_and_sends_it_through_the_outbox(page, console, hotline):
    from playwright.sync_api import expect

    from bot.alerts.texts import PHRASES

    # 98199, a mile: nobody else's subscription in the session's other tests lies that close.
    assert text(hotline, SUBSCRIBER, "ALERTS 98199") == (200, [PHRASES["en"]["subscribed"].format(area="98199")])
    assert text(hotline, REPORTER, "REPORT pills sold as oxy in magnolia are way stronger, call me 206-555-0179")[0] == 200
    sign_in(page, console)
    page.get_by_role("link", name="Alerts").click()
    form = page.locator("#compose")
    form.get_by_label("ZIP code or place").fill("98199")
    form.get_by_label("Radius (miles)").fill("0")
    form.get_by_label("English text").fill(ALERT_TEXT)
    form.get_by_role("button", name="Check reach").click()
    expect(page.locator("#alert-error")).to_contain_text("Radius must be between 0.1 and 100 miles, not 0")
    form = page.locator("#compose")
    expect(form.get_by_label("English text")).to_have_value(ALERT_TEXT)  # what was typed stays
    form.get_by_label("Radius (miles)").fill("1")
    form.get_by_role("button", name="Check reach").click()
    expect(page.locator("#reach")).to_contain_text("subscriber(s) within 1 miles of 98199")
    expect(page.locator("#reach strong")).to_have_text("1")
    page.get_by_role("button", name="Send to 1 subscriber(s)").click()
    expect(page.locator("#sent-notice")).to_contain_text("queued for 1 subscriber(s) within 1 miles of 98199")
    expect(page.locator("#sent tbody tr").first).to_contain_text(ALERT_TEXT)
    expect(page.locator("#batch-reports")).to_contain_text("pills sold as oxy in magnolia")
    shot(page, "alerts")
    for shown in (SUBSCRIBER, SUBSCRIBER[2:], REPORTER[2:], "555-0179"):
        assert shown not in page.content()
    assert [m["body"] for m in hotline.outbox(SUBSCRIBER) if m["purpose"] == "area_alert"] == [f"Health Hub alert: {ALERT_TEXT}"]


def test_a_manager_edits_a_spikes_draft_and_sends_it_with_the_map_drawn(page, console, hotline):
    """Issue 35: the Alerts page in Chromium: a spike, its chart and the map drawn from the console
    itself (no outside request), the draft edited and sent (after the alert test above, whose
    subscriber near 98199 gets it)."""
    from playwright.sync_api import expect
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from bot.alerts.drafts import draft_for
    from bot.clock import utcnow
    from bot.db.models import Spike
    from bot.directory.geo import lookup_zip

    engine = create_engine(hotline.database_url, future=True)
    place = lookup_zip("98199")  # no other end-to-end test's signals are there: no spike of theirs
    with Session(engine) as session:
        spike = Spike(area="98199", latitude=place.latitude, longitude=place.longitude, detected_at=utcnow(), count=5,
                      baseline=0.5, kinds="bad_batch=1,overdose=4", status="open")
        session.add(spike)
        session.flush()
        ref = f"A-{draft_for(session, spike).id}"
        session.commit()
        spike_id = spike.id
    engine.dispose()
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(console) else None)
    sign_in(page, console)
    page.get_by_role("link", name="Alerts").click()
    section = page.locator(f"#spike-{spike_id}")
    expect(section).to_contain_text("5 signals in 24 h (1 bad-batch, 4 overdose)")
    for image in (page.locator("#signals-map"), section.locator("img")):
        expect(image).to_be_visible()
        assert image.evaluate("img => img.naturalWidth") > 0  # the SVG was drawn and served
    edited = "Strong pills near Magnolia since yesterday. Test first, go slow, keep naloxone close."
    section.get_by_label(f"Draft {ref}, English").fill(edited)
    section.get_by_role("button", name=re.compile(f"Send {ref} to")).click()
    expect(page.locator("#sent-notice")).to_contain_text(f"{ref} is going to")
    expect(page.locator(f"#spike-{spike_id}")).to_have_count(0)
    expect(page.locator("#sent tbody tr").first).to_contain_text(edited)
    shot(page, "alerts-spike")
    assert outside == []
    assert f"Health Hub alert: {edited}" in [m["body"] for m in hotline.outbox(SUBSCRIBER) if m["purpose"] == "area_alert"]
