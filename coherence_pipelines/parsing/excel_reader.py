"""Read Excel workbooks (XLSX with calamine or openpyxl, XLS with xlrd) into a ParsedFile."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import polars as pl
import xlrd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from coherence_pipelines.errors import CoherenceError, FileTooLarge, TooManyColumns, UnreadableFile, UnsupportedFileType
from coherence_pipelines.parsing import limits
from coherence_pipelines.parsing.cells import column_texts, datetime_text, number_text, time_text
from coherence_pipelines.parsing.parsed_file import ParsedFile, clean_headers, finish_frame
from coherence_pipelines.parsing.xlsx_guard import check_xlsx

Column = list[str | None]  # a sheet column as display text, header cell first

_DAMAGED = ("The Excel file could not be read: it is damaged or not a real workbook; "
            "open it in Excel and save it again as .xlsx or .csv")
_PASSWORD = ("The Excel file is password-protected: remove the password in Excel "
             "(File > Info > Protect Workbook) and upload it again")
# Encrypted OOXML files are OLE2 containers holding this stream; its name is stored in UTF-16LE.
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


def read_xlsx_file(path: Path) -> ParsedFile:
    """Parse the first sheet with data of an XLSX workbook (visible sheets before hidden ones).

    The header is the first non-empty row; cells become display text (see cells.cell_text).
    calamine reads the file; openpyxl is tried when calamine fails. The file is checked first (xlsx_guard):
    FileTooLarge, TooManyColumns or UnreadableFile for zip bombs, entity declarations and oversized
    sheets. Raises UnreadableFile for a damaged workbook or one without data.
    """
    check_xlsx(path)
    try:
        found = _calamine_first_sheet(path)
    except BaseException as exc:  # calamine raises assorted Rust-side errors on odd files, panics included
        if not _is_reader_failure(exc):
            raise
        try:
            found = _openpyxl_first_sheet(path)
        except Exception as exc:  # zip, XML and openpyxl errors all mean the same to the user
            raise UnreadableFile(_DAMAGED) from exc
    if found is None:
        raise UnreadableFile("The file is empty")
    sheet_name, rows = found
    return _parsed(_row_columns(rows), "xlsx", sheet_name)


def read_xls_file(path: Path) -> ParsedFile:
    """Parse the first sheet with data of a legacy XLS workbook with xlrd (same rules as XLSX).

    Raises UnreadableFile for damaged or password-protected files (an encrypted XLSX is also an
    OLE2 file, so it lands here), UnsupportedFileType for OLE2 files that are not workbooks, and
    TooManyColumns or FileTooLarge for a sheet past limits.py.
    """
    try:
        with xlrd.open_workbook(path, on_demand=True, ragged_rows=True, logfile=io.StringIO()) as book:
            found = _xlrd_first_sheet(book)
    except CoherenceError:
        raise
    except Exception as exc:  # xlrd raises XLRDError, struct/index errors... on bad files
        if "encrypted" in str(exc).lower() or _is_encrypted_ole2(path):
            raise UnreadableFile(_PASSWORD) from exc
        if "Can't find workbook" in str(exc):
            raise UnsupportedFileType("Unsupported file type: the file is an Office document, not a "
                                      "spreadsheet; use CSV or Excel format") from exc
        raise UnreadableFile(_DAMAGED) from exc
    if found is None:
        raise UnreadableFile("The file is empty")
    sheet_name, columns = found
    return _parsed(columns, "xls", sheet_name)


def _calamine_first_sheet(path: Path) -> tuple[str, list[list]] | None:
    with CalamineWorkbook.from_path(str(path)) as workbook:
        sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        visible = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
        hidden = [m.name for m in sheets if m.visible != SheetVisibleEnum.Visible]
        for name in visible + hidden:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=True)
            start = _first_row_with_data(rows)
            if start is not None:
                return name, rows[start:]
    return None


def _openpyxl_first_sheet(path: Path) -> tuple[str, list[tuple]] | None:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = sorted(workbook.worksheets, key=lambda ws: ws.sheet_state != "visible")
        for sheet in sheets:
            rows = list(sheet.iter_rows(values_only=True))
            start = _first_row_with_data(rows)
            if start is not None:
                return sheet.title, rows[start:]
    finally:
        workbook.close()
    return None


def _xlrd_first_sheet(book: xlrd.book.Book) -> tuple[str, list[Column]] | None:
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        _check_area(sheet.name, sheet.nrows, sheet.ncols)
        start = _first_row_with_data(sheet.row_values(r) for r in range(sheet.nrows))
        if start is not None:
            return sheet.name, _xlrd_columns(sheet, start, book.datemode)
        book.unload_sheet(index)
    return None


def _xlrd_columns(sheet: xlrd.sheet.Sheet, start: int, datemode: int) -> list[Column]:
    # Rows are read ragged (open_workbook(ragged_rows=True)): xlrd would otherwise pad every row to the
    # widest one before the area is checked. Padded here, after the check.
    width = sheet.ncols
    rows = []
    for r in range(start, sheet.nrows):
        pairs = zip(sheet.row_types(r), sheet.row_values(r), strict=True)
        cells = [_xlrd_text(kind, value, datemode) for kind, value in pairs]
        rows.append(cells + [None] * (width - len(cells)))
    return [list(column) for column in zip(*rows, strict=True)]


def _xlrd_text(kind: int, value: object, datemode: int) -> str | None:
    if kind == xlrd.XL_CELL_TEXT:
        return value or None  # type: ignore[return-value]
    if kind == xlrd.XL_CELL_NUMBER:
        return number_text(value)  # type: ignore[arg-type]
    if kind == xlrd.XL_CELL_DATE:
        return _xlrd_date_text(value, datemode)  # type: ignore[arg-type]
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR!")
    return None  # XL_CELL_EMPTY, XL_CELL_BLANK


def _xlrd_date_text(value: float, datemode: int) -> str:
    try:
        moment = xlrd.xldate_as_datetime(value, datemode)
    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
        return number_text(value)  # not a valid serial date: show the number
    if 0 <= value < 1:  # a time of day with no date part
        return time_text(moment.time())
    return datetime_text(moment)


def _check_area(sheet_name: str, rows: int, columns: int) -> None:
    # An XLS sheet is at most 65,536 x 256 cells, but two stray cells far apart would make the columns
    # built here that large; the limits are the XLSX ones (xlsx_guard).
    if columns > limits.MAX_COLUMNS:
        raise TooManyColumns(f"Too many columns: sheet {sheet_name!r} has {columns:,} columns; at most "
                             f"{limits.MAX_COLUMNS:,} are read")
    if rows * columns > limits.MAX_SHEET_CELLS:
        raise FileTooLarge(f"File too large: sheet {sheet_name!r} spans {rows:,} rows by {columns:,} columns; "
                           f"at most {limits.MAX_SHEET_CELLS:,} cells of a sheet are read — delete the stray "
                           "cells far from the data, or save the sheet as CSV")


def _is_reader_failure(exc: BaseException) -> bool:
    # pyo3 turns a Rust panic into PanicException, a BaseException so that `except Exception` misses it.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _first_row_with_data(rows) -> int | None:
    for index, row in enumerate(rows):
        for value in row:
            if value is not None and (not isinstance(value, str) or value.strip()):
                return index
    return None


def _row_columns(rows: list[Sequence]) -> list[Column]:
    width = max(len(row) for row in rows)
    if any(len(row) != width for row in rows):
        rows = [tuple(row) + (None,) * (width - len(row)) for row in rows]
    return [column_texts(values) for values in zip(*rows, strict=True)]


def _parsed(columns: list[Column], file_type: str, sheet_name: str) -> ParsedFile:
    # Empty columns at the edges (formatted-but-empty cells, a margin column) are not data;
    # calamine already trims the leading ones, xlrd does not.
    while columns and all(v is None for v in columns[-1]):
        columns.pop()
    while columns and all(v is None for v in columns[0]):
        columns.pop(0)
    names = clean_headers([column[0] for column in columns])
    raw_names = [f"column_{i}" for i in range(1, len(columns) + 1)]
    body = pl.DataFrame(
        {raw: column[1:] for raw, column in zip(raw_names, columns, strict=True)},
        schema=dict.fromkeys(raw_names, pl.String),
    )
    return ParsedFile(columns=names, frame=finish_frame(body, names), file_type=file_type,
                      encoding=None, delimiter=None, sheet_name=sheet_name)


def _is_encrypted_ole2(path: Path) -> bool:
    tail = b""
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            if _ENCRYPTION_STREAM in tail + block:
                return True
            tail = block[-len(_ENCRYPTION_STREAM):]
    return False
