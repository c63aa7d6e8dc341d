"""XLSX and XLS uploads: cells become the text the user sees in Excel."""

from __future__ import annotations

import datetime as dt

from coherence_pipelines.parsing import excel_reader, parse_file
from coherence_pipelines.parsing.cells import cell_text

from .files import write_xls, write_xlsx, write_xlsx_bulk

HEADER = ["Zip", "Amount", "Price", "Phone", "Joined", "Last call", "Active", "Code"]
RECORDS = [
    ["02134", 2134, 12.5, 5550100.0, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 14, 30), True, "007"],
    ["10001", -3.0, 0.1, "+1 (555) 010-0199", dt.date(1999, 12, 31), dt.datetime(2024, 1, 2, 8, 5, 9),
     False, None],
]
EXPECTED = [
    ("02134", "2134", "12.5", "5550100", "2024-03-05", "2024-03-05T14:30:00", "TRUE", "007"),
    ("10001", "-3", "0.1", "+1 (555) 010-0199", "1999-12-31", "2024-01-02T08:05:09", "FALSE", None),
]


def test_xlsx_values_read_as_displayed(tmp_path):
    path = write_xlsx(tmp_path, "contacts.xlsx", {"Contacts": [HEADER, *RECORDS]})

    parsed = parse_file(path)

    assert (parsed.file_type, parsed.sheet_name, parsed.encoding, parsed.delimiter) == (
        "xlsx", "Contacts", None, None)
    assert parsed.columns == HEADER
    assert parsed.frame.rows() == EXPECTED


def test_xls_values_read_as_displayed(tmp_path):
    path = write_xls(tmp_path, "contacts.xls", {"Contacts": [HEADER, *RECORDS]})

    parsed = parse_file(path)

    assert (parsed.file_type, parsed.sheet_name, parsed.encoding, parsed.delimiter) == (
        "xls", "Contacts", None, None)
    assert parsed.columns == HEADER
    assert parsed.frame.rows() == EXPECTED


def test_xls_time_only_cell(tmp_path):
    parsed = parse_file(write_xls(tmp_path, "a.xls", {"S": [["At"], [dt.time(9, 15)]]}))

    assert parsed.frame.rows() == [("09:15:00",)]


def test_midnight_datetime_in_a_date_formatted_cell_is_a_date(tmp_path):
    path = write_xlsx(tmp_path, "a.xlsx", {"S": [["Joined"], [dt.datetime(2024, 1, 1)]]},
                      number_formats={("S", "A2"): "yyyy-mm-dd"})

    assert parse_file(path).frame.rows() == [("2024-01-01",)]


def test_first_sheet_with_data_and_first_non_empty_row_are_used(tmp_path):
    sheets = {
        "Cover": [],
        "Data": [[], [], [None, "Name", None, "Name"], [None, "Ann", None, "x"], [], [None, " ", None, None],
                 [None, "Bob", None, None]],
    }
    parsed = parse_file(write_xlsx(tmp_path, "a.xlsx", sheets))

    assert parsed.sheet_name == "Data"
    assert parsed.columns == ["Name", "Column 2", "Name (2)"]
    assert parsed.frame.rows() == [("Ann", None, "x"), ("Bob", None, None)]


def test_hidden_sheets_come_after_visible_ones(tmp_path):
    sheets = {"Lookup": [["Code"], ["X"]], "Contacts": [["Name"], ["Ann"]]}
    parsed = parse_file(write_xlsx(tmp_path, "a.xlsx", sheets, hidden=["Lookup"]))

    assert parsed.sheet_name == "Contacts"


def test_xls_first_sheet_with_data(tmp_path):
    sheets = {"Empty": [], "Data": [[None, None], [None, "Name", "Zip"], [None, "Ann", "02134"]]}
    parsed = parse_file(write_xls(tmp_path, "a.xls", sheets))

    assert parsed.sheet_name == "Data"
    assert parsed.columns == ["Name", "Zip"]
    assert parsed.frame.rows() == [("Ann", "02134")]


def test_numeric_headers_become_text(tmp_path):
    parsed = parse_file(write_xlsx(tmp_path, "a.xlsx", {"S": [[2024, 2025.0, True], [1, 2, 3]]}))

    assert parsed.columns == ["2024", "2025", "TRUE"]


def test_large_xlsx(tmp_path):
    rows = [["Id", "Zip", "Amount"]] + [[float(i), f"{i % 100000:05d}", i + 0.5] for i in range(100_000)]

    parsed = parse_file(write_xlsx_bulk(tmp_path, "big.xlsx", rows))

    assert parsed.frame.height == 100_000
    assert parsed.frame.row(7) == ("7", "00007", "7.5")


def test_cell_text_rules():
    assert cell_text(2134.0) == "2134"
    assert cell_text(0.1 + 0.2) == "0.3"  # Excel shows 15 significant digits
    assert cell_text(2133.9999999999995) == "2134"
    assert cell_text(1e20) == "100000000000000000000"
    assert cell_text(12.25) == "12.25"
    assert cell_text(7) == "7"
    assert cell_text(False) == "FALSE"
    assert cell_text("") is None
    assert cell_text(None) is None
    assert cell_text(" 02134 ") == " 02134 "
    assert cell_text(dt.datetime(2024, 3, 5, 14, 29, 59, 999_999)) == "2024-03-05T14:30:00"
    assert cell_text(dt.time(9, 15)) == "09:15:00"
    assert cell_text(dt.timedelta(hours=26, minutes=5)) == "26:05:00"


def test_openpyxl_reads_the_xlsx_when_calamine_fails(tmp_path, monkeypatch):
    class BrokenCalamine:
        @classmethod
        def from_path(cls, path):
            raise RuntimeError("calamine cannot read this file")

    monkeypatch.setattr(excel_reader, "CalamineWorkbook", BrokenCalamine)
    sheets = {"Hidden": [["X"], ["1"]], "Empty": [], "Contacts": [[], HEADER, *RECORDS]}
    path = write_xlsx(tmp_path, "contacts.xlsx", sheets, hidden=["Hidden"])

    parsed = parse_file(path)

    assert (parsed.file_type, parsed.sheet_name) == ("xlsx", "Contacts")
    assert parsed.columns == HEADER
    assert parsed.frame.rows() == EXPECTED


def test_header_only_sheet_has_no_rows(tmp_path):
    parsed = parse_file(write_xlsx(tmp_path, "a.xlsx", {"S": [["Name", "Email"]]}))

    assert parsed.columns == ["Name", "Email"]
    assert parsed.frame.height == 0
    assert parsed.frame.columns == ["Name", "Email"]
