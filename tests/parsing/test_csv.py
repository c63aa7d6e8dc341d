"""CSV/TSV uploads: encodings, delimiters, quoting, headers, blank and ragged rows."""

from __future__ import annotations

import codecs

import polars as pl
import pytest

from coherence_pipelines.parsing import parse_file

from .files import write_bytes, write_text

CONTACTS = "Name,City,Price\r\nRené,Zürich,€12\r\nZoë,Köln,5\r\n"


def rows(parsed) -> list[tuple]:
    return parsed.frame.rows()


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CONTACTS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CONTACTS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + CONTACTS.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + CONTACTS.encode("utf-16-be"), "utf-16"),
        (CONTACTS.encode("utf-16-le"), "utf-16"),
        (CONTACTS.encode("utf-16-be"), "utf-16"),
        (CONTACTS.encode("windows-1252"), "windows-1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be", "cp1252"],
)
def test_encodings_decode_to_the_same_table(tmp_path, data, encoding):
    parsed = parse_file(write_bytes(tmp_path, "contacts.csv", data))

    assert parsed.file_type == "csv"
    assert parsed.encoding == encoding
    assert parsed.delimiter == ","
    assert parsed.columns == ["Name", "City", "Price"]
    assert rows(parsed) == [("René", "Zürich", "€12"), ("Zoë", "Köln", "5")]


def test_latin1_text_is_decoded(tmp_path):
    # Latin-1 and windows-1252 agree on é/ü; they differ only on 0x80-0x9f.
    parsed = parse_file(write_text(tmp_path, "a.csv", "Name,City\nJosé,Müller ½\n", "latin-1"))

    assert parsed.encoding in ("windows-1252", "latin-1")
    assert rows(parsed) == [("José", "Müller ½")]


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin1(tmp_path):
    data = "Name,Note\nJosé,".encode("latin-1") + b"a\x81b \x80\n"

    parsed = parse_file(write_bytes(tmp_path, "a.csv", data))

    assert parsed.encoding == "latin-1"
    assert rows(parsed) == [("José", "a\x81b €")]


def test_mostly_ascii_utf8_with_a_late_cp1252_byte_falls_back_to_cp1252(tmp_path):
    data = b"Name,City\n" + b"Bob,Paris\n" * 20_000 + "Zoë,Köln\n".encode("cp1252")

    parsed = parse_file(write_bytes(tmp_path, "a.csv", data))

    assert parsed.encoding == "windows-1252"
    assert parsed.frame.height == 20_001
    assert rows(parsed)[-1] == ("Zoë", "Köln")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    text = "\n".join(delimiter.join(r) for r in [["Name", "Zip", "Amount"], ["Ann", "02134", "1,5"],
                                                  ["Bob", "007", "2"]]) + "\n"
    if delimiter == ",":
        text = text.replace("1,5", '"1,5"')

    parsed = parse_file(write_text(tmp_path, "a.txt", text))

    assert parsed.delimiter == delimiter
    assert parsed.columns == ["Name", "Zip", "Amount"]
    assert rows(parsed) == [("Ann", "02134", "1,5"), ("Bob", "007", "2")]


def test_delimiter_inside_quotes_does_not_fool_detection(tmp_path):
    text = 'Name;Note\n"Smith, John";"a, b, c"\n"Doe, Jane";"d, e"\n'

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert parsed.delimiter == ";"
    assert rows(parsed) == [("Smith, John", "a, b, c"), ("Doe, Jane", "d, e")]


def test_single_column_file(tmp_path):
    parsed = parse_file(write_text(tmp_path, "a.csv", "Email\na@x.com\nb@y.org\n"))

    assert parsed.delimiter == ","
    assert parsed.columns == ["Email"]
    assert rows(parsed) == [("a@x.com",), ("b@y.org",)]


def test_quoted_fields_with_commas_quotes_and_newlines(tmp_path):
    text = (
        'Name,Address,Note\r\n'
        '"Smith, John","12 Main St\r\nApt 4","He said ""hi"""\r\n'
        'Ann,"1 High St",plain\r\n'
        '"Bob","x\ny",""\r\n'
    )

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert parsed.frame.height == 3  # records, not lines
    assert rows(parsed) == [
        ("Smith, John", "12 Main St\r\nApt 4", 'He said "hi"'),
        ("Ann", "1 High St", "plain"),
        ("Bob", "x\ny", None),
    ]


def test_values_keep_leading_zeros_phone_formats_and_spaces(tmp_path):
    text = "Zip,Code,Phone,Note\n02134,007,+1 (555) 010-0199,  padded  \n"

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert rows(parsed) == [("02134", "007", "+1 (555) 010-0199", "  padded  ")]
    assert parsed.frame.schema == pl.Schema(dict.fromkeys(parsed.columns, pl.String))


def test_blank_and_whitespace_lines_are_dropped_but_empty_cells_are_null(tmp_path):
    text = "\n\n  \nName,Email\n\nAnn,\n   ,  \n,,\nBob,b@x.com\n\n"

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert parsed.columns == ["Name", "Email"]
    assert rows(parsed) == [("Ann", None), ("Bob", "b@x.com")]


def test_blank_duplicate_and_whitespace_headers_are_cleaned(tmp_path):
    text = " Name ,,Email,Name,\tEmail\t, Name (2),\n1,2,3,4,5,6,7\n"

    parsed = parse_file(write_text(tmp_path, "a.csv", text, "utf-8-sig"))

    assert parsed.columns == ["Name", "Column 2", "Email", "Name (3)", "Email (2)", "Name (2)", "Column 7"]
    assert parsed.frame.columns == parsed.columns
    assert rows(parsed) == [tuple("1234567")]


def test_ragged_rows_are_padded_or_cut_to_the_header(tmp_path):
    text = "A,B,C\n1\n1,2\n1,2,3,4,5\n"

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert rows(parsed) == [("1", None, None), ("1", "2", None), ("1", "2", "3")]


def test_stray_quotes_in_unquoted_fields_are_kept(tmp_path):
    text = 'Item,Size\nPizza,12" large\nRod,5" long\n'

    parsed = parse_file(write_text(tmp_path, "a.csv", text))

    assert rows(parsed) == [("Pizza", '12" large'), ("Rod", '5" long')]


def test_old_mac_line_endings(tmp_path):
    parsed = parse_file(write_text(tmp_path, "a.csv", "Name,Zip\r02134,x\rBob,y\r", "cp1252"))

    assert rows(parsed) == [("02134", "x"), ("Bob", "y")]


def test_header_only_file_has_no_rows(tmp_path):
    parsed = parse_file(write_text(tmp_path, "a.csv", "Name,Email\n"))

    assert parsed.columns == ["Name", "Email"]
    assert parsed.frame.height == 0
    assert parsed.frame.columns == ["Name", "Email"]


def test_large_file(tmp_path):
    lines = ["Id,Zip,Name,Note"] + [f"{i},{i % 100000:05d},Name {i},\"a, b\"" for i in range(100_000)]

    parsed = parse_file(write_text(tmp_path, "big.csv", "\n".join(lines) + "\n"))

    assert parsed.frame.height == 100_000
    assert parsed.frame.row(7) == ("7", "00007", "Name 7", "a, b")
