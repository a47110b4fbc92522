"""The console over HTTP, as a browser reaches it: `hub console` running as its own process against
a database of its own. Logged out, every page redirects to the login page; every POST needs the
CSRF token; viewers may not change anything; cookies carry their flags; a number is shown only to
a manager who asks, and that is audited."""
from __future__ import annotations

import dataclasses
import html
import io
import re
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.console import accounts, sessions
from bot.db.models import AuditLog, ConsoleSignIn, ConsoleUser
from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT, TEST_ENV
from tests.servers import free_port, wait_until_up

BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery"
PAGES = ["/", "/board", "/board.json", "/roster", "/directory", "/directory?service=naloxone&zip=98104", "/reports",
         "/reports/outcomes.svg", "/reports/outcomes.csv", "/health", "/audit", "/handoffs/H-0000"]
MANAGER_POSTS = [("/roster/specialists", {"name": "X", "phone": "+12065550113", "zips": "98104"}),
                 ("/roster/specialists/1", {"name": "X", "zips": "98104", "languages": "en"}),
                 ("/roster/officers", {"name": "X", "phone": "+12065550183", "agency": "Seattle PD"}),
                 ("/roster/remove", {"phone": "+12065550111"}),
                 ("/handoffs/H-0000/number", {})]


class Console:
    def __init__(self, url: str, database_url: str, env: dict):
        self.url, self.database_url, self.env = url, database_url, env

    def hub(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "hub"), *args], env=self.env, cwd=PROJECT_ROOT, input=stdin, capture_output=True,
                              text=True, timeout=120)

    def session(self) -> requests.Session:
        return requests.Session()

    def sign_in(self, email: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
        browser = requests.Session()
        token = csrf_of(browser.get(self.url + "/login"))
        return browser, browser.post(self.url + "/login", data={"csrf": token, "email": email, "password": password})

    def db(self):
        from bot.db import engine_for, session_scope

        return session_scope(engine_for(self.database_url))


def error_of(page: requests.Response) -> str:
    return html.unescape(re.search(r'<p class="error" role="alert">([^<]*)</p>', page.text).group(1))


def csrf_of(page: requests.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    yield from running_console(tmp_path_factory.mktemp("console"))


def running_console(work: Path, **settings: str):
    """A `hub console` process on a database of its own, with the three accounts; `settings` are
    further HUB_* variables."""
    database_url = f"sqlite:///{work / 'hub.db'}"
    port = free_port()
    env = {**TEST_ENV, "PATH": str(BIN) + ":/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "HUB_DATABASE_URL": database_url,
           "HUB_CONSOLE_PORT": str(port), "HUB_METRICS_TOKEN": "metrics-token-0123456789", "HUB_BIND_HOST": "127.0.0.1",
           **settings}
    running = Console(f"http://127.0.0.1:{port}", database_url, env)
    for command in (["db", "upgrade"], ["directory", "import", str(DEMO_DIRECTORY)],
                    ["roster", "add-specialist", "--name", "Ana", "--phone", "+12065550111", "--zips", "98104"]):
        assert running.hub(*command).returncode == 0
    for email, role in (("manager@example.org", "manager"), ("viewer@example.org", "viewer"), ("locked@example.org", "viewer")):
        done = running.hub("users", "add", "--email", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    log = work / "console.log"
    process = subprocess.Popen([str(BIN / "hub"), "console"], env=env, cwd=PROJECT_ROOT, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    try:
        wait_until_up(running.url + "/login", process, log, seconds=60)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


def open_handoff(console: Console, number: str | None = "+12065550142") -> str:
    from bot.handoff import engine

    with console.db() as session:
        return engine.create_handoff(session, source="community", person_key="k" * 64, consent_by="person",
                                     consent_text="yes", needs=["naloxone"], area="98104", person_number=number).ref


def test_logged_out_every_page_redirects_to_the_login_page(console):
    for path in PAGES:
        answer = requests.get(console.url + path, allow_redirects=False)
        assert (answer.status_code, answer.headers.get("Location")) == (303, "/login"), path
    assert requests.get(console.url + "/login").status_code == 200
    assert requests.get(console.url + "/static/console.css").status_code == 200  # the login page's own files


def test_a_post_without_the_csrf_token_gets_403(console):
    browser = requests.Session()
    token = csrf_of(browser.get(console.url + "/login"))
    for data in ({"email": "manager@example.org", "password": PASSWORD}, {"csrf": "", "email": "manager@example.org",
                                                                          "password": PASSWORD},
                 {"csrf": token + "x", "email": "manager@example.org", "password": PASSWORD}):
        assert browser.post(console.url + "/login", data=data).status_code == 403
    manager, signed_in = console.sign_in("manager@example.org")
    assert signed_in.url.endswith("/board")
    for path, data in MANAGER_POSTS + [("/logout", {}), ("/directory/upload", {})]:
        assert manager.post(console.url + path, data=data).status_code == 403, path
        assert manager.post(console.url + path, data={**data, "csrf": "😀"}).status_code == 403, path
    # The token of one session is worth nothing in another.
    assert requests.post(console.url + "/roster/remove", data={"csrf": token, "phone": "+12065550111"},
                         allow_redirects=False).status_code == 403
    with console.db() as session:
        from bot.db.models import Specialist

        assert session.scalar(select(Specialist.active).where(Specialist.phone == "+12065550111")) == 1


def test_a_viewer_gets_403_on_manager_actions(console):
    viewer, _ = console.sign_in("viewer@example.org")
    board = viewer.get(console.url + "/board")
    assert board.status_code == 200 and "viewer@example.org (viewer)" in board.text
    token = csrf_of(board)
    for path, data in MANAGER_POSTS:
        assert viewer.post(console.url + path, data={**data, "csrf": token}).status_code == 403, path
    upload = viewer.post(console.url + "/directory/upload", data={"csrf": token},
                         files={"package": ("d.zip", b"PK", "application/zip")})
    assert upload.status_code == 403
    assert viewer.get(console.url + "/audit").status_code == 403
    roster = viewer.get(console.url + "/roster")
    assert roster.status_code == 200 and "Ana" in roster.text and "+12065550111" not in roster.text
    assert 'action="/roster/specialists"' not in roster.text
    for path in ("/reports", "/health", "/directory?service=naloxone&zip=98104"):
        assert viewer.get(console.url + path).status_code == 200, path


def test_session_cookies_carry_their_flags(console):
    answer = requests.get(console.url + "/login")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("hub_console=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (a tunnel to localhost): a Secure cookie would never come back
    behind_tls = requests.get(console.url + "/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in behind_tls.headers["Set-Cookie"]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in answer.headers
    # A cookie altered by hand is no session.
    manager, _ = console.sign_in("manager@example.org")
    value = manager.cookies.get("hub_console")
    forged = requests.get(console.url + "/board", cookies={"hub_console": value[:-2] + "00"}, allow_redirects=False)
    assert forged.status_code == 303


def test_sign_in_wrong_passwords_lock_the_account(console):
    for attempt in range(5):
        browser, answer = console.sign_in("locked@example.org", f"wrong password {attempt}")
        assert answer.status_code == 401 and "/login" in answer.url
    _, unknown = console.sign_in("nobody-at-all@example.org", "wrong password")
    _, answer = console.sign_in("locked@example.org")  # the right password, locked: the same answer (review 16)
    assert answer.status_code == unknown.status_code == 401
    assert error_of(answer) == error_of(unknown) == accounts.WRONG_EMAIL_OR_PASSWORD
    with console.db() as session:
        assert session.scalar(select(AuditLog.detail).where(AuditLog.action == "account_locked",
                                                            AuditLog.actor == "locked@example.org")) is not None
    assert console.hub("users", "list").stdout.count("LOCKED") == 1
    done = console.hub("users", "reset-password", "--email", "locked@example.org", "--password-stdin",
                       stdin="a fresh long password\n")
    assert done.returncode == 0
    _, answer = console.sign_in("locked@example.org", "a fresh long password")
    assert answer.status_code == 200 and answer.url.endswith("/board")


def test_the_board_shows_no_number_and_a_manager_asking_for_one_is_audited(console):
    ref = open_handoff(console)
    manager, board = console.sign_in("manager@example.org")
    assert ref in board.text and "+1206555" + "0142" not in board.text and "555-0142" not in board.text
    assert ref in manager.get(console.url + "/board.json").text
    page = manager.get(console.url + f"/handoffs/{ref}")
    assert page.status_code == 200 and "0142" not in page.text and "Show the number" in page.text
    shown = manager.post(console.url + f"/handoffs/{ref}/number", data={"csrf": csrf_of(page)})
    assert shown.status_code == 200 and "+12065550142" in shown.text
    audit = manager.get(console.url + "/audit").text
    assert f"handoff {ref}: number shown" in audit and "manager@example.org" in audit and "0142" not in audit
    assert manager.get(console.url + "/handoffs/%F0%9F%98%80").status_code == 404
    assert manager.get(console.url + "/handoffs/" + "H" * 1600).status_code == 404


def test_roster_changes_use_the_roster_rules_and_are_audited(console):
    manager, board = console.sign_in("manager@example.org")
    token = csrf_of(board)
    add = {"csrf": token, "name": "Dee 🌱", "phone": "+12065550114", "zips": "98104,98122", "languages": "en,es", "hours": ""}
    added = manager.post(console.url + "/roster/specialists", data=add)
    assert added.status_code == 200 and "added Dee 🌱: ZIPs 98104, 98122; languages en, es; always on call" in added.text
    again = manager.post(console.url + "/roster/specialists", data=add)
    assert again.status_code == 400 and "+12065550114 is already on the roster as Dee 🌱" in again.text
    for field, value, message in (("zips", "00000", "ZIP codes: 00000 is not a known US ZIP code"),
                                  ("phone", "not a phone", "Phone: not a phone number"),
                                  ("hours", "weekdays", "Hours: &#39;WEEKDAYS&#39; is not like"),
                                  ("name", "x" * 1600, "Name: at most 120 characters"),
                                  ("name", "", "Name: is required")):
        refused = manager.post(console.url + "/roster/specialists", data={**add, "phone": "+12065550115", field: value})
        assert refused.status_code == 400 and message in refused.text, (field, refused.text[-2000:])
    listed = console.hub("roster", "list").stdout
    assert "Dee 🌱" in listed and "+12065550115" not in listed
    removed = manager.post(console.url + "/roster/remove", data={"csrf": token, "phone": "+12065550114"})
    assert removed.status_code == 200 and "removed Dee 🌱 from the roster" in removed.text
    assert "Dee" not in console.hub("roster", "list").stdout
    audit = manager.get(console.url + "/audit").text
    assert "added specialist Dee 🌱" in audit and "removed Dee 🌱" in audit


def package_zip(edit=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(DEMO_DIRECTORY.iterdir()):
            data = path.read_bytes()
            if edit and path.name in edit:
                data = edit[path.name](data)
            archive.writestr(f"directory/{path.name}", data)
    return out.getvalue()


def test_a_broken_package_writes_nothing_and_names_file_row_and_field(console):
    manager, board = console.sign_in("manager@example.org")
    token = csrf_of(board)

    def blank_first_service_name(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index("name")] = ""
        return "\n".join([lines[0], ",".join(cells), *lines[2:]]).encode() + b"\n"

    def upload(data: bytes, name="directory.zip"):
        return manager.post(console.url + "/directory/upload", data={"csrf": token},
                            files={"package": (name, data, "application/zip")})

    broken = upload(package_zip({"services.csv": blank_first_service_name}))
    assert broken.status_code == 400 and "nothing was written" in broken.text
    assert re.search(r"<td>services.csv</td><td>2</td><td>name</td><td>is required and is empty</td>", broken.text)
    for bad, message in ((b"", "no file was uploaded"), (b"not a zip", "not a zip archive"),
                         (package_zip({"datapackage.json": lambda _: b"{"}), "datapackage.json")):
        refused = upload(bad)
        assert refused.status_code == 400 and message in refused.text, message
    good = upload(package_zip())
    assert good.status_code == 200 and "Imported directory.zip" in good.text
    answer = manager.get(console.url + "/directory", params={"service": "naloxone", "zip": "98104"})
    assert answer.status_code == 200 and 'id="answer"' in answer.text
    for service, zip_code, message in (("naloxone", "00000", "not a known US ZIP code"), ("nothing", "98104", "unknown service"),
                                       ("naloxone", "😀", "not a known US ZIP code")):
        refused = manager.get(console.url + "/directory", params={"service": service, "zip": zip_code})
        assert message in refused.text


def test_an_upload_with_warnings_is_imported_and_lists_them(console):
    """Issue 32: a link that points nowhere skips its row (or leaves the link out), and the page
    says which file, row and field, and how many rows were skipped and why."""
    manager, board = console.sign_in("manager@example.org")

    def orphan_link(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        header, cells = lines[0].split(","), lines[1].split(",")
        cells[header.index("service_id")] = "11111111-2222-4333-8444-555555555555"
        return "\n".join([lines[0], ",".join(cells), *lines[2:]]).encode() + b"\n"

    def extra_column(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        return "\n".join([lines[0] + ",x_extension", *(line + ",1" for line in lines[1:])]).encode() + b"\n"

    uploaded = manager.post(console.url + "/directory/upload", data={"csrf": csrf_of(board)},
                            files={"package": ("directory.zip", package_zip({"service_at_location.csv": orphan_link,
                                                                             "organizations.csv": extra_column}),
                                               "application/zip")})
    assert uploaded.status_code == 200 and "Imported directory.zip" in uploaded.text
    assert "rows skipped: 1 (a required link points nowhere)" in uploaded.text
    assert re.search(r"<td>service_at_location.csv</td><td>2</td><td>service_id</td><td>[^<]*the row is skipped</td>",
                     uploaded.text.replace("&#39;", "'"))
    assert re.search(r"<td>organizations.csv</td><td>1</td><td>x_extension</td><td>[^<]*set aside", uploaded.text)


def test_a_corrupt_package_gets_400_with_a_plain_message(console):
    """Review 22: a member that cannot be unpacked (here a bad CRC-32) was an HTTP 500."""
    manager, board = console.sign_in("manager@example.org")
    data = bytearray(package_zip())
    services = (DEMO_DIRECTORY / "services.csv").read_bytes()
    data[data.index(services) + 30] ^= 1
    refused = manager.post(console.url + "/directory/upload", data={"csrf": csrf_of(board)},
                           files={"package": ("directory.zip", bytes(data), "application/zip")})
    assert refused.status_code == 400
    assert "the zip is damaged: directory/services.csv could not be unpacked" in html.unescape(refused.text)


def test_reports_draw_svg_charts_with_their_tables_and_csv(console):
    open_handoff(console)
    viewer, _ = console.sign_in("viewer@example.org")
    page = viewer.get(console.url + "/reports")
    assert page.status_code == 200
    for name in ("handoffs-per-week", "time-to-accept", "outcomes", "agencies"):
        assert f'src="/reports/{name}.svg"' in page.text
        chart = viewer.get(console.url + f"/reports/{name}.svg")
        assert chart.status_code == 200 and chart.headers["Content-Type"].startswith("image/svg+xml") and "<svg" in chart.text
        table = viewer.get(console.url + f"/reports/{name}.csv")
        assert table.status_code == 200 and "attachment" in table.headers["Content-Disposition"]
    weekly = viewer.get(console.url + "/reports/handoffs-per-week.csv").text.splitlines()
    assert weekly[0] == "week,community,total" and weekly[-1].endswith(",") is False
    assert viewer.get(console.url + "/reports/nothing.svg").status_code == 404
    assert viewer.get(console.url + "/reports/outcomes.exe").status_code == 404


def test_metrics_need_the_token(console):
    assert requests.get(console.url + "/metrics").status_code == 401
    assert requests.get(console.url + "/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    open_handoff(console, number=None)
    scraped = requests.get(console.url + "/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})
    assert scraped.status_code == 200 and re.search(r'hub_handoffs\{state="(created|alerted)"\} [1-9]', scraped.text)


def add_account(console: Console, email: str, role: str = "viewer") -> None:
    done = console.hub("users", "add", "--email", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def signed_out(console: Console, cookie: str, path: str = "/board") -> bool:
    answer = requests.get(console.url + path, cookies={sessions.COOKIE: cookie}, allow_redirects=False)
    assert answer.status_code in (200, 303), answer.status_code
    return (answer.status_code, answer.headers.get("Location")) == (303, "/login")


def test_a_removed_accounts_cookie_never_signs_in_as_a_newer_account(console):
    """Review 5: on SQLite the newest account's id was given again to the next one, whose epoch
    was 0 too, so the removed person's cookie signed in as the new (manager) account."""
    add_account(console, "lee@example.org")
    lee, board = console.sign_in("lee@example.org")
    assert board.url.endswith("/board")
    cookie = lee.cookies.get(sessions.COOKIE)
    assert console.hub("users", "remove", "--email", "lee@example.org").returncode == 0
    add_account(console, "pat@example.org", "manager")
    assert signed_out(console, cookie)
    assert "pat@example.org" not in requests.get(console.url + "/board", cookies={sessions.COOKIE: cookie}).text


def test_signing_out_ends_the_session_on_the_server(console):
    """Review 7: Sign out replaced only the browser's cookie; a copy of it stayed good."""
    add_account(console, "copied@example.org")
    browser, board = console.sign_in("copied@example.org")
    copy = browser.cookies.get(sessions.COOKIE)
    other, _ = console.sign_in("copied@example.org")  # the same person elsewhere
    assert not signed_out(console, copy)
    assert browser.post(console.url + "/logout", data={"csrf": csrf_of(board)}).url.endswith("/login")
    assert signed_out(console, copy)
    assert not signed_out(console, other.cookies.get(sessions.COOKIE))  # only that session ended


def test_sign_out_everywhere_on_the_account_page_ends_every_session(console):
    add_account(console, "everywhere@example.org")
    here, _ = console.sign_in("everywhere@example.org")
    there, _ = console.sign_in("everywhere@example.org")
    page = here.get(console.url + "/account")
    assert page.status_code == 200 and "everywhere@example.org" in page.text and "Sign out everywhere" in page.text
    assert 'href="/account"' in page.text  # reached from every page's header
    done = here.post(console.url + "/account/sign-out-everywhere", data={"csrf": csrf_of(page)})
    assert done.status_code == 200 and done.url.endswith("/login")
    assert signed_out(console, there.cookies.get(sessions.COOKIE))
    assert here.get(console.url + "/board", allow_redirects=False).status_code == 303
    _, again = console.sign_in("everywhere@example.org")  # a new sign-in works
    assert again.url.endswith("/board")
    with console.db() as session:
        assert session.scalar(select(AuditLog.detail).where(AuditLog.action == "sign_out_everywhere",
                                                            AuditLog.actor == "everywhere@example.org"))


def test_a_session_ends_after_HUB_CONSOLE_SESSION_MAX_however_busy(console):
    """Review 7: a session used every few seconds lived forever; now 12 h at most (the default)."""
    add_account(console, "busy@example.org")
    browser, _ = console.sign_in("busy@example.org")
    assert browser.get(console.url + "/board", allow_redirects=False).status_code == 200
    with console.db() as session:
        for row in session.scalars(select(ConsoleSignIn).join(ConsoleUser).where(ConsoleUser.email == "busy@example.org")):
            row.created_at -= timedelta(hours=12, minutes=1)
    assert browser.get(console.url + "/board", allow_redirects=False).status_code == 303


def test_the_boards_poll_does_not_keep_a_session_alive(console):
    """Review 7: /board.json, asked every 2 s by an open board, counted as activity, so a board
    left open on an office screen never idled out."""
    browser, _ = console.sign_in("viewer@example.org")
    key = TEST_ENV["HUB_SECRET_KEY"]
    now = time.time()
    signed_in = sessions.decode(browser.cookies.get(sessions.COOKIE), key, now, 3600)
    idle = sessions.encode(dataclasses.replace(signed_in, seen=now - 29 * 60), key)  # 29 of the 30 minutes idle
    polled = requests.get(console.url + "/board.json", cookies={sessions.COOKIE: idle}, allow_redirects=False)
    assert polled.status_code == 200
    after_poll = sessions.decode(polled.cookies.get(sessions.COOKIE), key, time.time(), 3600)
    assert after_poll.seen == int(now - 29 * 60)  # the idle clock runs on
    page = requests.get(console.url + "/board", cookies={sessions.COOKIE: idle}, allow_redirects=False)
    assert page.status_code == 200
    assert sessions.decode(page.cookies.get(sessions.COOKIE), key, time.time(), 3600).seen >= int(now)  # a page is activity
    gone = sessions.encode(dataclasses.replace(signed_in, seen=now - 31 * 60), key)
    assert signed_out(console, gone, "/board.json")


def test_many_failed_sign_ins_for_one_email_from_one_address_are_refused_before_any_password_is_checked(console):
    answers = [console.sign_in("nobody@example.org", f"wrong password {n}")[1].status_code for n in range(12)]
    assert answers[:10] == [401] * 10 and answers[-2:] == [429, 429]
    _, throttled = console.sign_in("nobody@example.org", "wrong password")
    assert "Too many failed sign-ins" in throttled.text
    # An X-Forwarded-For from anyone but HUB_TRUSTED_PROXY (unset here) is not believed.
    browser = requests.Session()
    token = csrf_of(browser.get(console.url + "/login"))
    spoofed = browser.post(console.url + "/login", data={"csrf": token, "email": "nobody@example.org", "password": "x"},
                           headers={"X-Forwarded-For": "198.51.100.77"})
    assert spoofed.status_code == 429
    # Review 6: everyone reaching the console through one tunnel or proxy shares its address; the
    # failures of one email there lock nobody else out.
    _, right = console.sign_in("manager@example.org")
    assert right.status_code == 200 and right.url.endswith("/board")


@pytest.fixture(scope="module")
def console_behind_proxy(tmp_path_factory):
    yield from running_console(tmp_path_factory.mktemp("console-behind-proxy"), HUB_TRUSTED_PROXY="127.0.0.1")


def test_behind_the_trusted_proxy_each_client_address_counts_on_its_own(console_behind_proxy):
    console = console_behind_proxy

    def attempt(address: str, email: str = "viewer@example.org", password: str = "wrong password") -> requests.Response:
        browser = requests.Session()
        token = csrf_of(browser.get(console.url + "/login"))
        return browser.post(console.url + "/login", data={"csrf": token, "email": email, "password": password},
                            headers={"X-Forwarded-For": address})

    # the account's own lockout (5 wrong passwords) is not what is tested: an unknown email
    answers = [attempt(f"203.0.113.{n}, 198.51.100.7", "nobody@example.org").status_code for n in range(11)]
    assert answers[-1] == 429  # what the client wrote before the proxy's entry changes nothing
    assert attempt("198.51.100.8", "nobody@example.org").status_code == 401  # another client behind the proxy
    assert attempt("198.51.100.7", "manager@example.org", PASSWORD).url.endswith("/board")
