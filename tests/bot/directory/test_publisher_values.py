"""Values as publishers write them (issue 32, bot/directory/publisher_values.py): HTML becomes
plain text, an age of -1 means none, a phone "number" with words keeps its number and sets the
words aside, a timestamp with no zone is read in its place's zone, and a place outside the US is
kept but never offered by ZIP. Each through `hub directory import` on a copy of the demo package,
and through a round trip (import, export, import again with no warning)."""
from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Location, Phone, Service, ServicePoint
from bot.directory.hsds import read_package
from bot.directory.publisher_values import localize_timestamps, phone_parts, plain_text, tidy_values
from tests.conftest import DEMO_DIRECTORY

PIONEER_SERVICE = "62ddd886-c334-4ba7-bf7e-9128af7e82a5"
PIONEER_LOCATION = "df676703-0ed3-4927-a808-e8d6df53b575"
PIONEER_PHONE = "8a467bcc-1629-4985-9327-7284b5b40799"


# Plain text from HTML.

@pytest.mark.parametrize("html, text", [
    ("<p>Free naloxone.</p><p>Walk-ins welcome.</p>", "Free naloxone.\nWalk-ins welcome."),
    ("Syringes &amp; test strips<br/>No ID needed", "Syringes & test strips\nNo ID needed"),
    ("<ul><li>Naloxone</li><li>Fentanyl test strips</li></ul>", "- Naloxone\n- Fentanyl test strips"),
    ("<div><strong>Abierto</strong> lunes a viernes,&nbsp;sin cita</div>", "Abierto lunes a viernes, sin cita"),
    ("<p>Ni&ntilde;os y adultos &#8212; gratis</p>", "Niños y adultos — gratis"),
    ("<style>p {color: red}</style><p>Open 24/7</p><!-- staff note -->", "Open 24/7"),
    ("<P>Upper-case tags</P>", "Upper-case tags"),
])
def test_html_becomes_plain_text_with_a_line_for_each_paragraph(html, text):
    assert plain_text(html) == text


@pytest.mark.parametrize("text", ["AT&T phones welcome", "ages <18 with a guardian", "3 < 4 > 2", "Q&A on Fridays", ""])
def test_text_that_only_looks_like_markup_is_left_as_written(text):
    assert plain_text(text) == text


# Phone numbers with words.

@pytest.mark.parametrize("written, number, extension, words", [
    ("(206) 555-0100", "(206) 555-0100", None, ""),
    ('"+44 1234 234567"', "+44 1234 234567", None, ""),  # the official 3.0 example's quotes
    ("1-800-273-TALK", "1-800-273-TALK", None, ""),  # vanity letters are digits
    ("741741", "741741", None, ""),  # a short code
    ("206-555-0100 (front desk)", "206-555-0100", None, "front desk"),
    ("Call 206.555.0101 ext. 23", "206.555.0101", "23", "Call"),
    ("206 555 0102 x4", "206 555 0102", "4", ""),
    ("Línea de crisis: 206-555-0103, pregunte por Ana", "206-555-0103", None, "Línea de crisis, pregunte por Ana"),
    ("text HOME to 741741", "741741", None, "text HOME to"),
])
def test_a_phone_keeps_its_number_and_its_extension_and_the_words_go_aside(written, number, extension, words):
    parts = phone_parts(written)
    assert (parts.number, parts.extension, parts.words) == (number, extension, words)


@pytest.mark.parametrize("written", ["call the front desk", "see website", "N/A", "🙂"])
def test_a_phone_with_no_number_in_it_has_none(written):
    assert phone_parts(written).number is None


# The package, as the importer sees it.

def edit(path, file: str, row_id: str, **values) -> None:
    with (path / file).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    [row] = [r for r in rows if r["id"] == row_id]
    row.update(values)
    with (path / file).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def package(tmp_path):
    target = tmp_path / "package"
    shutil.copytree(DEMO_DIRECTORY, target)
    return target


def test_tidy_values_counts_what_it_changed(package):
    edit(package, "services.csv", PIONEER_SERVICE, description="<p>Showers &amp; meals</p>",
         minimum_age="-1", maximum_age="-1")
    edit(package, "phones.csv", PIONEER_PHONE, number="(206) 555-0100 (front desk)", description="")
    read = read_package(package)
    tidied = tidy_values(read)
    [service] = [r for r in read.rows("service") if r["id"] == PIONEER_SERVICE]
    [phone] = [r for r in read.rows("phone") if r["id"] == PIONEER_PHONE]
    assert service["description"] == "Showers & meals"
    assert service["minimum_age"] is None and service["maximum_age"] is None
    assert (phone["number"], phone["description"]) == ("(206) 555-0100", "front desk")
    assert (tidied.html_fields, tidied.ages_none, tidied.phones_with_words) == (1, 2, 1)
    [warning] = [w for w in read.warnings if w.file == "phones.csv"]
    assert warning.field == "number" and "moved to its description" in warning.message


def test_words_are_set_aside_where_the_phone_already_has_a_description(package):
    edit(package, "phones.csv", PIONEER_PHONE, number="(206) 555-0100 (front desk)")
    read = read_package(package)
    tidy_values(read)
    [phone] = [r for r in read.rows("phone") if r["id"] == PIONEER_PHONE]
    assert (phone["number"], phone["description"]) == ("(206) 555-0100", "Main line")
    assert any("set aside" in w.message and "front desk" in w.message for w in read.warnings)


def test_a_timestamp_with_no_zone_is_read_in_its_locations_zone_else_the_fallback(package):
    edit(package, "services.csv", PIONEER_SERVICE, last_modified="2026-10-01T09:00:00")
    read = read_package(package)
    for row in read.rows("location"):
        row["time_zone"] = "America/Chicago" if row["id"] == PIONEER_LOCATION else None
    tidied = localize_timestamps(read, "America/Denver")
    [service] = [r for r in read.rows("service") if r["id"] == PIONEER_SERVICE]
    assert service["last_modified"].utcoffset().total_seconds() == -5 * 3600  # Chicago, daylight time
    assert tidied.timestamps_zoned == {"America/Chicago": 1}
    for row in read.rows("location"):
        row["time_zone"] = None
    service["last_modified"] = datetime(2026, 10, 1, 9)
    assert localize_timestamps(read, "America/Denver").timestamps_zoned == {"America/Denver": 1}


# Through `hub directory import`.

def import_json(path, capsys, *extra) -> dict:
    assert main(["directory", "import", str(path), "--json", "--quiet", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_makes_publisher_values_usable_and_says_so(migrated_db, package, capsys):
    edit(package, "services.csv", PIONEER_SERVICE, description="<p>Showers &amp; meals</p><ul><li>Naloxone</li></ul>",
         minimum_age="-1", maximum_age="25", last_modified="2026-10-01T09:00:00")
    edit(package, "phones.csv", PIONEER_PHONE, number="206-555-0100 ext 12 (ask for outreach)", description="", extension="")
    out = import_json(package, capsys)
    [warning] = out["warnings"]
    assert (warning["file"], warning["field"]) == ("phones.csv", "number")
    with session_scope() as session:
        service = session.get(Service, PIONEER_SERVICE)
        phone = session.get(Phone, PIONEER_PHONE)
        assert service.description == "Showers & meals\n- Naloxone"
        assert (service.minimum_age, service.maximum_age) == (None, 25.0)
        assert service.last_modified == datetime(2026, 10, 1, 16)  # 09:00 in Seattle, stored as UTC
        assert (phone.number, phone.extension, phone.description) == ("206-555-0100", "12", "ask for outreach")
    assert main(["directory", "import", str(package), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "fields of HTML made plain text: 1" in text
    assert "ages below zero read as no limit: 1" in text
    assert "timestamps without a zone read in America/Los_Angeles: 1" in text


def test_the_fallback_zone_comes_from_hub_directory_timezone(migrated_db, package, capsys, monkeypatch):
    from bot.config import get_settings

    edit(package, "services.csv", PIONEER_SERVICE, last_modified="2026-10-01T09:00:00")
    edit(package, "locations.csv", PIONEER_LOCATION, latitude="", longitude="")
    edit(package, "addresses.csv", "95b64239-dd92-4ae2-83f0-8e3cd20a37f0", postal_code="00000")
    monkeypatch.setenv("HUB_DIRECTORY_TIMEZONE", "America/New_York")
    get_settings.cache_clear()
    try:
        import_json(package, capsys)
    finally:
        get_settings.cache_clear()
    with session_scope() as session:
        assert session.get(Service, PIONEER_SERVICE).last_modified == datetime(2026, 10, 1, 13)


def test_a_phone_with_no_number_is_left_out_with_a_warning(migrated_db, package, capsys):
    edit(package, "phones.csv", PIONEER_PHONE, number="see website")
    out = import_json(package, capsys)
    assert [(w["file"], w["field"]) for w in out["warnings"]] == [("phones.csv", "number")]
    assert out["skipped"] == {"phones.csv": {"number holds no phone number": 1}}
    with session_scope() as session:
        assert session.get(Phone, PIONEER_PHONE) is None


@pytest.mark.parametrize("latitude, longitude", [("", ""), ("52.5311", "13.3847")])
def test_a_place_outside_the_us_is_kept_and_never_offered_by_zip(migrated_db, package, capsys, latitude, longitude):
    # 10115 is Berlin-Mitte's postal code, and New York's ZIP for Riverside Church.
    edit(package, "addresses.csv", "95b64239-dd92-4ae2-83f0-8e3cd20a37f0", address_1="Invalidenstraße 116",
         city="Berlin", region="", state_province="Berlin", postal_code="10115", country="DE")
    edit(package, "locations.csv", PIONEER_LOCATION, latitude=latitude, longitude=longitude)
    assert main(["directory", "import", str(package), "--quiet"]) == 0
    assert "locations outside the US (kept, never offered by ZIP): 1" in capsys.readouterr().out
    with session_scope() as session:
        location = session.get(Location, PIONEER_LOCATION)
        assert location.outside_us is True
        assert location.latitude == (float(latitude) if latitude else None)  # never New York's
        assert location.time_zone is None
        offered = set(session.scalars(select(ServicePoint.location_id)))
        assert PIONEER_LOCATION not in offered and offered  # the others still are


def test_round_trip_keeps_tidied_values_and_warns_no_more(migrated_db, package, tmp_path, capsys):
    edit(package, "services.csv", PIONEER_SERVICE, description="<p>Showers</p>", minimum_age="-1", maximum_age="25")
    edit(package, "phones.csv", PIONEER_PHONE, number="(206) 555-0100 (front desk)", description="")
    edit(package, "addresses.csv", "95b64239-dd92-4ae2-83f0-8e3cd20a37f0", postal_code="10115", country="DE")
    first = import_json(package, capsys)
    assert first["warnings"]
    assert main(["directory", "export", str(tmp_path / "exported")]) == 0
    capsys.readouterr()
    again = import_json(tmp_path / "exported", capsys)
    assert again["warnings"] == [] and again["skipped"] == {}
    with session_scope() as session:
        service = session.get(Service, PIONEER_SERVICE)
        assert (service.description, service.minimum_age, service.maximum_age) == ("Showers", None, 25.0)
        assert session.get(Location, PIONEER_LOCATION).outside_us is True
