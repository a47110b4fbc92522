"""How fresh each listing is: the last-verified date from the HSDS package (last_modified,
assured_date, metadata), and "call ahead" in answers about a listing older than HUB_STALE_AFTER."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.db.models import Service
from bot.directory.geo import lookup_zip
from bot.directory.search import find_services
from bot.directory.sms import format_match, format_results
from bot.directory.speech import spoken_match
from tests.bot.directory.package_edits import add_resource, copy_demo, edit_row, import_dir

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
NINETY_DAYS = timedelta(days=90)


def search(session, **kwargs):
    return find_services(session, "naloxone", lookup_zip("98104"), now=NOW, limit=10, closed_reports=2, **kwargs)


@pytest.fixture
def dated(migrated_db, tmp_path):
    """The demo package with three naloxone services dated three ways; returns their ids."""
    package = copy_demo(tmp_path)
    import_dir(package)
    with session_scope() as session:
        first, second, third = [m.service_id for m in search(session, stale_after=NINETY_DAYS).matches[:3]]
    services = package / "services.csv"
    edit_row(services, first, last_modified="2025-01-15T10:00:00-08:00")
    edit_row(services, second, last_modified="", assured_date="2025-06-01")
    edit_row(services, third, last_modified="2025-01-01T00:00:00Z")
    add_resource(package, "metadata", [
        {"id": "0b0c0d0e-0000-4000-8000-000000000001", "resource_id": third, "resource_type": "service",
         "last_action_date": "2026-11-01", "last_action_type": "verified", "field_name": "status",
         "previous_value": "active", "replacement_value": "active", "updated_by": "coordinator"},
        {"id": "0b0c0d0e-0000-4000-8000-000000000002", "resource_id": third, "resource_type": "service",
         "last_action_date": "2026-02-01", "last_action_type": "verified", "field_name": "status",
         "previous_value": "active", "replacement_value": "active", "updated_by": "coordinator"},
    ])
    import_dir(package)
    return first, second, third


def test_the_last_verified_date_is_the_latest_the_package_gives(dated):
    first, second, third = dated
    with session_scope() as session:
        assert session.get(Service, first).verified_on == date(2025, 1, 15)
        assert session.get(Service, second).verified_on == date(2025, 6, 1)
        assert session.get(Service, third).verified_on == date(2026, 11, 1)  # metadata wins over last_modified


def test_answers_about_a_stale_listing_say_call_ahead(dated):
    first, second, third = dated
    with session_scope() as session:
        matches = {m.service_id: m for m in search(session, stale_after=NINETY_DAYS).matches}
    assert matches[first].call_ahead and matches[second].call_ahead and not matches[third].call_ahead
    # the demo's own date (2026-10-01) is within 90 days of NOW
    assert not any(m.call_ahead for sid, m in matches.items() if sid not in (first, second))
    line = format_match(1, matches[first])
    assert "call ahead" in line and len(line) <= 160
    assert "llama antes" in format_match(1, matches[first], "es")
    assert "call ahead" not in format_match(1, matches[third])
    assert "call ahead" in spoken_match(0, matches[first])
    assert "llama antes" in spoken_match(0, matches[first], "es")


def test_the_window_is_the_setting(dated, monkeypatch):
    _, _, third = dated
    monkeypatch.setenv("HUB_STALE_AFTER", "800d")
    get_settings.cache_clear()
    with session_scope() as session:
        assert not any(m.call_ahead for m in search(session).matches)
    monkeypatch.setenv("HUB_STALE_AFTER", "30d")
    get_settings.cache_clear()
    with session_scope() as session:
        result = search(session)
    # the demo's 2026-10-01 too; only the one verified on 2026-11-01 is within 30 days
    assert [m.service_id for m in result.matches if not m.call_ahead] == [third]
    assert format_results(result, "98104").count("call ahead") == len(result.matches) - 1


def test_a_listing_with_no_date_says_nothing_about_freshness(migrated_db, tmp_path):
    package = copy_demo(tmp_path)
    import_dir(package)
    with session_scope() as session:
        first = search(session, stale_after=NINETY_DAYS).matches[0].service_id
    edit_row(package / "services.csv", first, last_modified="")
    import_dir(package)
    with session_scope() as session:
        assert session.get(Service, first).verified_on is None
        match = next(m for m in search(session, stale_after=timedelta(days=1)).matches if m.service_id == first)
    assert not match.call_ahead


@pytest.mark.parametrize("name, value", [
    ("HUB_STALE_AFTER", "soon"), ("HUB_STALE_AFTER", "0d"), ("HUB_STALE_AFTER", "-5d"),
    ("HUB_CLOSED_REPORTS", "0"), ("HUB_CLOSED_REPORTS", "two"), ("HUB_CLOSED_REPORTS", "1000"),
])
def test_bad_settings_are_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=name):
        get_settings()


def test_the_defaults(monkeypatch):
    monkeypatch.delenv("HUB_STALE_AFTER")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.stale_after_seconds == 90 * 86400 and settings.closed_reports == 2
    monkeypatch.setenv("HUB_STALE_AFTER", "90")  # a plain number is days
    get_settings.cache_clear()
    assert get_settings().stale_after_seconds == 90 * 86400
