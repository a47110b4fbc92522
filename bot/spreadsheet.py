"""CSV meant to be opened in a spreadsheet (report downloads, `hub handoffs --csv`).

A text cell that begins with = + - @ (or a tab or carriage return) is a formula to Excel,
LibreOffice and Google Sheets: text a person or a specialist wrote could run one on the
coordinator's computer ("CSV injection"). Such cells are written with a leading apostrophe, which
spreadsheets show as plain text. Numbers stay numbers. Data files for other programs, such as the
HSDS export (bot/directory/exporter.py), are exact data and must not use this.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from numbers import Number
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return value
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_spreadsheet_csv(handle: TextIO, header: Sequence[str], rows: Iterable[dict]) -> None:
    writer = csv.writer(handle)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(row.get(column)) for column in header])
