"""The simulator's demo roster: put in place only where no Twilio account is configured, once."""
import csv
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.channels.simulator import PAGE_DIR
from bot.cli import main
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Officer, Specialist
from bot.handoff.demo_roster import DEMO_ROSTER, DEMO_ZIPS, demo_roster_wanted, put_demo_roster
from bot.handoff.roster import choose_specialist, coordinator, officer_for_key
from bot.privacy import sender_key
from tests.bot.handoff.conftest import add
from tests.conftest import DEMO_DIRECTORY, TEST_ENV

TWILIO_SID = "AC" + "1" * 32
MONDAY_10_SEATTLE = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def settings_with(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


@pytest.mark.parametrize("env, wanted", [
    ({}, True),  # the local default: no account, the outbox, HUB_SIMULATOR=auto
    ({"HUB_SIMULATOR": "on"}, True),
    ({"HUB_SIMULATOR": "off"}, False),  # no simulator, no demo roster for it
    ({"TWILIO_ACCOUNT_SID": TWILIO_SID, "HUB_TRANSPORT": ""}, False),  # a real line
    ({"TWILIO_ACCOUNT_SID": TWILIO_SID, "HUB_TRANSPORT": "outbox"}, False),  # an account is an account
    ({"TWILIO_ACCOUNT_SID": TWILIO_SID, "HUB_TRANSPORT": "twilio", "HUB_SIMULATOR": "on"}, False),  # a staging line sends for real
    ({"HUB_TRANSPORT": "twilio"}, False),  # the Twilio transport (e.g. a mock API) is not local either
])
def test_the_demo_roster_is_wanted_only_where_no_twilio_account_is_configured(monkeypatch, env, wanted):
    settings = settings_with(monkeypatch, **env)
    assert demo_roster_wanted(settings) is wanted
    if wanted:  # the same rule as HUB_SIMULATOR=auto's
        assert settings_with(monkeypatch, HUB_SIMULATOR="auto").simulator_enabled


def roster_rows(session):
    return (session.scalar(select(func.count()).select_from(Specialist)), session.scalar(select(func.count()).select_from(Officer)))


def test_put_in_place_the_officer_and_the_specialist_work_at_once(migrated_db):
    settings = get_settings()
    with session_scope() as session:
        added = put_demo_roster(session, settings)
    assert [person.role for person in added] == ["specialist", "coordinator", "officer"]
    with session_scope() as session:
        ana = choose_specialist(session, "98104", "es", exclude=set(), now=MONDAY_10_SEATTLE)
        assert ana is not None and ana.phone == "+12065550111" and ana.languages == "en,es"
        assert choose_specialist(session, "99201", "en", exclude=set(), now=MONDAY_10_SEATTLE).id == ana.id
        assert coordinator(session).phone == "+12065550119"
        key = sender_key("+12065550181", settings.require_secret_key(), settings.default_region)
        assert officer_for_key(session, key).name == "Ofc. Lee (demo)"


def test_putting_it_in_place_again_changes_nothing(migrated_db):
    settings = get_settings()
    with session_scope() as session:
        put_demo_roster(session, settings)
    with session_scope() as session:
        before = roster_rows(session)
        assert put_demo_roster(session, settings) == []
    with session_scope() as session:
        assert roster_rows(session) == before == (2, 1)


def test_someone_taken_off_stays_off_and_a_coordinator_is_not_replaced(migrated_db, capsys):
    add("Kim", "+12065550120", zips="", coordinator=True)
    settings = get_settings()
    with session_scope() as session:
        put_demo_roster(session, settings)
    assert main(["roster", "remove", "--phone", "+12065550111"]) == 0
    with session_scope() as session:
        assert put_demo_roster(session, settings) == []
        assert coordinator(session).name == "Kim"
        assert session.scalar(select(Specialist.active).where(Specialist.phone == "+12065550111")) == 0
        assert session.scalar(select(Specialist).where(Specialist.phone == "+12065550119")) is None


@pytest.mark.parametrize("env", [
    {"TWILIO_ACCOUNT_SID": TWILIO_SID, "HUB_TRANSPORT": ""},
    {"TWILIO_ACCOUNT_SID": TWILIO_SID, "HUB_TRANSPORT": "twilio", "HUB_SIMULATOR": "on"},
])
def test_not_put_in_place_when_a_twilio_account_is_configured(migrated_db, monkeypatch, capsys, env):
    settings = settings_with(monkeypatch, **env)
    with session_scope() as session:
        assert put_demo_roster(session, settings) == []
    assert main(["roster", "demo"]) == 0
    assert capsys.readouterr().out.startswith("Demo roster: not put in place (a Twilio account is configured")
    with session_scope() as session:
        assert roster_rows(session) == (0, 0)


def test_the_command_puts_it_in_place_once_and_says_so(migrated_db, monkeypatch, capsys):
    assert TEST_ENV["TWILIO_ACCOUNT_SID"] == ""
    assert main(["roster", "demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Demo roster (fictional numbers, for the simulator): added Ana (demo) +12065550111 as specialist")
    assert main(["roster", "demo"]) == 0
    assert capsys.readouterr().out.startswith("Demo roster: already in place")
    assert main(["roster", "list", "--json"]) == 0
    roles = {row["phone"]: row["role"] for row in json.loads(capsys.readouterr().out)["roster"]}
    assert roles == {"+12065550111": "specialist", "+12065550119": "coordinator", "+12065550181": "officer"}
    settings_with(monkeypatch, HUB_SIMULATOR="off")
    assert main(["roster", "demo"]) == 0
    assert capsys.readouterr().out == "Demo roster: not put in place (HUB_SIMULATOR=off)\n"


def test_the_demo_numbers_are_fictional_and_the_simulator_phones():
    assert all(re.fullmatch(r"\+1\d{3}55501\d\d", person.phone) for person in DEMO_ROSTER)
    page = (PAGE_DIR / "index.html").read_text()
    defaults = dict(re.findall(r'id="number-(\w+)"[^>]*value="([^"]+)"', page))
    by_role = {person.role: person.phone for person in DEMO_ROSTER}
    assert defaults["officer"] == by_role["officer"] and defaults["specialist"] == by_role["specialist"]
    assert defaults["person"] not in by_role.values()  # the community member is nobody on the roster


def test_the_demo_specialist_covers_every_zip_of_the_demo_directory():
    with open(DEMO_DIRECTORY / "addresses.csv", newline="") as handle:
        zips = {row["postal_code"] for row in csv.DictReader(handle)}
    assert set(DEMO_ZIPS) == zips
