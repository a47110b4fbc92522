"""Write the directory as an HSDS 3.0 tabular data package that `hub directory import` (or any
HSDS tool) reads back: every column of the official schema, the hotline's values where it keeps
them, empty where it does not."""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory.hsds import official_resources
from bot.directory.importer import TABLES


class ExportError(RuntimeError):
    pass


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"  # stored as naive UTC
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def export_package(session: Session, target: str | Path) -> dict[str, int]:
    """Export to `target` (a new or empty folder); return the number of rows per file."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} exists and is not an empty folder; choose a new one")
    resources = official_resources()
    counts: dict[str, int] = {}
    staging = Path(tempfile.mkdtemp(prefix=".hsds-export-", dir=target.parent if target.parent.exists() else None))
    try:
        for name, model in TABLES:
            resource = resources[name]
            header = [spec["name"] for spec in resource["schema"]["fields"]]
            table = model.__table__  # type: ignore[attr-defined]  # TABLES holds mapped classes (SQLAlchemy 1.4 ships no types)
            with open(staging / resource["path"], "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                rows = session.execute(select(table).order_by(table.c.id)).mappings()
                counts[resource["path"]] = 0
                for row in rows:
                    writer.writerow([_cell(row[column]) if column in row else "" for column in header])
                    counts[resource["path"]] += 1
        descriptor = {
            "name": "health_hub_hotline_directory",
            "title": "Health Hub Hotline directory",
            "profile": "tabular-data-package",
            "version": "3.0.0",
            "resources": [resources[name] for name, _ in TABLES],
        }
        (staging / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
        if target.exists():
            target.rmdir()
        shutil.move(str(staging), str(target))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return counts
