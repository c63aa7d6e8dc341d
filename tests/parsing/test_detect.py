"""File type from the bytes, and the errors for files that are not spreadsheets."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from coherence_pipelines.errors import UnreadableFile, UnsupportedFileType
from coherence_pipelines.parsing import parse_file

from .files import write_bytes, write_text, write_xls, write_xlsx


def test_xlsx_with_a_csv_name_is_read_as_xlsx(tmp_path):
    real = write_xlsx(tmp_path, "real.xlsx", {"S": [["Zip"], ["02134"]]})
    lying = write_bytes(tmp_path, "x.csv", real.read_bytes())

    parsed = parse_file(lying)

    assert parsed.file_type == "xlsx"
    assert parsed.frame.rows() == [("02134",)]


def test_xls_with_a_txt_name_is_read_as_xls(tmp_path):
    real = write_xls(tmp_path, "real.xls", {"S": [["Zip"], ["02134"]]})

    parsed = parse_file(write_bytes(tmp_path, "x.txt", real.read_bytes()))

    assert parsed.file_type == "xls"


def test_csv_with_an_xlsx_name_is_read_as_csv(tmp_path):
    parsed = parse_file(write_text(tmp_path, "x.xlsx", "Name,Zip\nAnn,02134\n"))

    assert parsed.file_type == "csv"
    assert parsed.frame.rows() == [("Ann", "02134")]


@pytest.mark.parametrize("start", ["<!DOCTYPE html>\n<html><body><table>", "  <html>\n<table><tr><td>"])
def test_html_saved_as_xls_is_rejected(tmp_path, start):
    path = write_text(tmp_path, "report.xls", start + "<tr><td>a</td></tr></table></body></html>")

    with pytest.raises(UnsupportedFileType, match="HTML page, not a spreadsheet"):
        parse_file(path)


def test_html_in_utf16_is_rejected(tmp_path):
    path = write_text(tmp_path, "report.xls", "\ufeff<html><body>x</body></html>", "utf-16-le")

    with pytest.raises(UnsupportedFileType, match="HTML page"):
        parse_file(path)


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"\x00\x01\x02\x03garbage\x00\x00\x00" * 200,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["random", "nul-heavy", "pdf", "png"],
)
def test_binary_files_are_unsupported(tmp_path, data):
    with pytest.raises(UnsupportedFileType):
        parse_file(write_bytes(tmp_path, "data.csv", data))


def test_zip_that_is_not_a_workbook_is_unsupported(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")

    with pytest.raises(UnsupportedFileType, match="zip archive"):
        parse_file(write_bytes(tmp_path, "contacts.xlsx", buffer.getvalue()))


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf", b",,,\n , ,\n"])
def test_empty_files_are_unreadable(tmp_path, data):
    with pytest.raises(UnreadableFile, match="The file is empty"):
        parse_file(write_bytes(tmp_path, "a.csv", data))


def test_xlsx_without_data_is_empty(tmp_path):
    with pytest.raises(UnreadableFile, match="The file is empty"):
        parse_file(write_xlsx(tmp_path, "a.xlsx", {"A": [], "B": [[None, "  "]]}))


def test_corrupt_xlsx_is_unreadable(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "not xml <<<")
        zf.writestr("xl/workbook.xml", b"\x00garbage\xff<workbook")

    with pytest.raises(UnreadableFile, match="damaged"):
        parse_file(write_bytes(tmp_path, "a.xlsx", buffer.getvalue()))


def test_truncated_xlsx_is_unreadable(tmp_path):
    real = write_xlsx(tmp_path, "real.xlsx", {"S": [["Zip"], ["02134"]] * 50})
    data = real.read_bytes()

    with pytest.raises(UnreadableFile):
        parse_file(write_bytes(tmp_path, "a.xlsx", data[: len(data) // 2]))


def test_corrupt_xls_is_unreadable(tmp_path):
    data = bytes.fromhex("D0CF11E0A1B11AE1") + os.urandom(2048)

    with pytest.raises(UnreadableFile, match="damaged"):
        parse_file(write_bytes(tmp_path, "a.xls", data))


def test_password_protected_workbook_is_unreadable(tmp_path):
    # An encrypted XLSX is an OLE2 container with an "EncryptionInfo" stream; a minimal stand-in.
    data = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le")

    with pytest.raises(UnreadableFile, match="password-protected"):
        parse_file(write_bytes(tmp_path, "a.xlsx", data))
