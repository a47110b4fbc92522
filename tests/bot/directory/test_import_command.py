"""`hub directory import`: progress on a large package, --json problems as file, row and field, and
the HSDS descriptor's own `unique` constraints enforced on every field that has one."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from bot.cli import main
from bot.directory.hsds import HsdsValidationError, read_package
from tests.bot.directory.package_edits import add_row, copy_demo, read_rows, write_rows

SERVICE = "62ddd886-c334-4ba7-bf7e-9128af7e82a5"
LOCATION = "df676703-0ed3-4927-a808-e8d6df53b575"


@pytest.fixture
def upgraded(migrated_db):
    return migrated_db


def test_json_on_success_counts_what_was_written(upgraded, capsys):
    from tests.conftest import DEMO_DIRECTORY

    assert main(["directory", "import", str(DEMO_DIRECTORY), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] is True and out["problems"] == [] and out["inserted"]["service"] == 23


def test_json_lists_problems_as_file_row_and_field_and_writes_nothing(upgraded, tmp_path, capsys):
    package = copy_demo(tmp_path)
    header, terms = read_rows(package / "taxonomy_terms.csv")
    twin = dict(terms[1], id=str(uuid.uuid4()))  # another id, the same code: codes are unique in HSDS
    write_rows(package / "taxonomy_terms.csv", header, terms + [twin])
    bad_date = add_row(package / "schedules.csv", id=str(uuid.uuid4()), service_id=SERVICE, valid_from="2026-02-30")
    header, services = read_rows(package / "services.csv")
    write_rows(package / "services.csv", header, services + [services[0]])  # the same id twice

    assert main(["directory", "import", str(package), "--json", "--quiet"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] is False
    problems = {(p["file"], p["row"], p["field"]) for p in out["problems"]}
    assert ("taxonomy_terms.csv", len(terms) + 2, "code") in problems
    assert ("schedules.csv", bad_date, "valid_from") in problems
    assert ("services.csv", len(services) + 2, "id") in problems
    code = next(p for p in out["problems"] if p["field"] == "code")
    assert terms[1]["code"] in code["message"] and "row 3" in code["message"] and "unique" in code["message"]
    assert main(["directory", "search", "--type", "naloxone", "--near", "98104", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == []


def test_the_text_output_names_them_too(upgraded, tmp_path, capsys):
    package = copy_demo(tmp_path)
    header, terms = read_rows(package / "taxonomy_terms.csv")
    write_rows(package / "taxonomy_terms.csv", header, terms + [dict(terms[0], id=str(uuid.uuid4()))])
    assert main(["directory", "import", str(package)]) == 1
    err = capsys.readouterr().err
    assert f"taxonomy_terms.csv, row {len(terms) + 2}, field 'code'" in err and "nothing was written" in err


def test_unique_comes_from_the_descriptor_not_a_list_of_names(tmp_path, monkeypatch):
    """A field the descriptor marks unique is checked, whatever its name; empty cells never clash."""
    from bot.directory import hsds

    official = hsds.official_resources()
    for spec in official["service"]["schema"]["fields"]:
        if spec["name"] == "email":
            spec["constraints"]["unique"] = True
    monkeypatch.setattr(hsds, "official_resources", lambda: official)
    package = copy_demo(tmp_path)
    header, services = read_rows(package / "services.csv")
    services[1]["email"] = services[0]["email"]  # the demo gives several services one email
    for row in services[2:]:
        row["email"] = ""
    write_rows(package / "services.csv", header, services)
    with pytest.raises(HsdsValidationError) as caught:
        read_package(package)
    assert [(i.row, i.field) for i in caught.value.issues] == [(3, "email")]


def test_progress_on_a_large_package(upgraded, tmp_path, capsys):
    package = copy_demo(tmp_path)
    header, phones = read_rows(package / "phones.csv")
    extra = [{name: "" for name in header} | {"id": str(uuid.uuid4()), "service_id": SERVICE, "location_id": LOCATION,
                                              "number": f"(206) 555-01{i % 100:02d}", "type": "voice"}
             for i in range(12000)]
    write_rows(package / "phones.csv", header, phones + extra)
    assert main(["directory", "import", str(package)]) == 0
    captured = capsys.readouterr()
    assert "importing" in captured.err and "rows" in captured.err
    total = int(re.findall(r"/(\d+)", captured.err)[-1])
    assert total > 12000
    assert "phone: 12021 new" in captured.out or f"phone: {len(phones) + 12000} new" in captured.out

    assert main(["directory", "import", str(package), "--quiet"]) == 0
    assert "importing" not in capsys.readouterr().err


def test_progress_is_reported_in_steps(upgraded, tmp_path):
    from bot.db import session_scope
    from bot.directory.importer import import_package

    package = copy_demo(tmp_path)
    header, phones = read_rows(package / "phones.csv")
    extra = [{name: "" for name in header} | {"id": str(uuid.uuid4()), "service_id": SERVICE, "number": "(206) 555-0150"}
             for _ in range(11000)]
    write_rows(package / "phones.csv", header, phones + extra)
    steps = []
    with session_scope() as session:
        import_package(session, read_package(package), progress=lambda table, rows: steps.append((table, rows)))
    phone_steps = [rows for table, rows in steps if table == "phone"]
    assert len(phone_steps) == 3 and sum(phone_steps) == len(phones) + 11000
