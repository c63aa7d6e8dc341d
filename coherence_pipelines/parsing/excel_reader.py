"""Read Excel workbooks (XLSX with calamine or openpyxl, XLS with xlrd) into a ParsedFile."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import polars as pl
import xlrd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from coherence_pipelines.errors import UnreadableFile, UnsupportedFileType
from coherence_pipelines.parsing.cells import column_texts, datetime_text, number_text, time_text
from coherence_pipelines.parsing.parsed_file import ParsedFile, clean_headers, finish_frame

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
    calamine reads the file; openpyxl is tried when calamine fails. Raises UnreadableFile for a
    damaged workbook or one without data.
    """
    try:
        found = _calamine_first_sheet(path)
    except Exception:  # calamine raises assorted Rust-side errors on odd files
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
    OLE2 file, so it lands here) and UnsupportedFileType for OLE2 files that are not workbooks.
    """
    try:
        with xlrd.open_workbook(path, on_demand=True, logfile=io.StringIO()) as book:
            found = _xlrd_first_sheet(book)
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
        start = _first_row_with_data(sheet.row_values(r) for r in range(sheet.nrows))
        if start is not None:
            columns = [
                _xlrd_column(sheet.col_types(c, start_rowx=start), sheet.col_values(c, start_rowx=start),
                             book.datemode)
                for c in range(sheet.ncols)
            ]
            return sheet.name, columns
        book.unload_sheet(index)
    return None


def _xlrd_column(types: Sequence[int], values: Sequence, datemode: int) -> Column:
    out: Column = []
    for kind, value in zip(types, values, strict=True):
        if kind == xlrd.XL_CELL_TEXT:
            out.append(value or None)
        elif kind == xlrd.XL_CELL_NUMBER:
            out.append(number_text(value))
        elif kind == xlrd.XL_CELL_DATE:
            out.append(_xlrd_date_text(value, datemode))
        elif kind == xlrd.XL_CELL_BOOLEAN:
            out.append("TRUE" if value else "FALSE")
        elif kind == xlrd.XL_CELL_ERROR:
            out.append(xlrd.error_text_from_code.get(value, "#ERROR!"))
        else:  # XL_CELL_EMPTY, XL_CELL_BLANK
            out.append(None)
    return out


def _xlrd_date_text(value: float, datemode: int) -> str:
    try:
        moment = xlrd.xldate_as_datetime(value, datemode)
    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
        return number_text(value)  # not a valid serial date: show the number
    if 0 <= value < 1:  # a time of day with no date part
        return time_text(moment.time())
    return datetime_text(moment)


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
