"""Copies of the demo HSDS package with rows edited or added, for the directory's tests."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from bot.db import session_scope
from bot.directory.hsds import official_resources, read_package
from bot.directory.importer import import_package
from tests.conftest import DEMO_DIRECTORY


def copy_demo(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(DEMO_DIRECTORY, target)
    return target


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def edit_row(path: Path, row_id: str, **values) -> None:
    header, rows = read_rows(path)
    [row] = [row for row in rows if row["id"] == row_id]
    row.update(values)
    write_rows(path, header, rows)


def add_row(path: Path, **values) -> int:
    """Append a row (missing fields empty); its spreadsheet row number."""
    header, rows = read_rows(path)
    rows.append({name: values.get(name, "") for name in header})
    write_rows(path, header, rows)
    return len(rows) + 1


def add_resource(package: Path, name: str, rows: list[dict]) -> None:
    """Add an official resource (its CSV with the official header) to the package."""
    resource = official_resources()[name]
    write_rows(package / resource["path"], [spec["name"] for spec in resource["schema"]["fields"]],
               [{spec["name"]: row.get(spec["name"], "") for spec in resource["schema"]["fields"]} for row in rows])
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append(resource)
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def import_dir(path: Path):
    with session_scope() as session:
        return import_package(session, read_package(path))
