"""Tell what kind of file an upload is from its bytes, never from its name."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from coherence_pipelines.errors import UnreadableFile, UnsupportedFileType
from coherence_pipelines.parsing.xlsx_guard import check_zip_member_count

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Formats people upload by mistake, named so the message can say what the file actually is.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_USE_CSV_OR_EXCEL = "use CSV or Excel format (.csv, .xlsx, .xls)"


def sniff_file_type(path: Path) -> str:
    """Return "xlsx", "xls" or "text" for the file at `path`.

    Raises UnreadableFile for an empty file, UnsupportedFileType for zips that are not XLSX
    workbooks and for well-known binary formats. "text" is only a candidate: the CSV reader
    still rejects text that decodes to binary garbage or HTML.
    """
    with path.open("rb") as f:
        head = f.read(8)
    if not head:
        raise UnreadableFile("The file is empty")
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path)
    if head.startswith(OLE2_MAGIC):
        return "xls"
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise UnsupportedFileType(f"Unsupported file type: the file is {what}, not a spreadsheet; "
                                      f"{_USE_CSV_OR_EXCEL}")
    return "text"


def _sniff_zip(path: Path) -> str:
    check_zip_member_count(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile("The file could not be read: it looks like a damaged Excel or zip file; "
                             "open it in Excel and save it again as .xlsx or .csv") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise UnsupportedFileType("Unsupported file type: binary Excel workbooks (.xlsb) are not supported; "
                                  "save the file as .xlsx or .csv")
    if "content.xml" in names and "mimetype" in names:
        raise UnsupportedFileType("Unsupported file type: OpenDocument spreadsheets are not supported; "
                                  "save the file as .xlsx or .csv")
    raise UnsupportedFileType(f"Unsupported file type: the file is a zip archive, not a spreadsheet; "
                              f"{_USE_CSV_OR_EXCEL}")


def reject_non_tabular_text(sample: str) -> None:
    """Raise UnsupportedFileType when decoded text is binary garbage or a markup document.

    `sample` is the decoded start of the file (BOM removed).
    """
    start = sample[:1024].lstrip().lower()
    if start.startswith(("<!doctype html", "<html")):
        raise UnsupportedFileType("Unsupported file type: the file is an HTML page, not a spreadsheet "
                                  "(some systems export HTML with an .xls name); open it in Excel and "
                                  "save it as .xlsx or .csv")
    if start.startswith("<?xml"):
        raise UnsupportedFileType("Unsupported file type: the file is an XML document, not a spreadsheet; "
                                  "open it in Excel and save it as .xlsx or .csv")
    # Real CSV text has no control characters besides tab/CR/LF; binary data decoded as a
    # single-byte charset is full of them (about 1 byte in 8 for random data).
    controls = len(_CONTROL_CHARS.findall(sample))
    if sample and controls / len(sample) > 0.01:
        raise UnsupportedFileType(f"Unsupported file type: the file is binary data, not text; "
                                  f"{_USE_CSV_OR_EXCEL}")
