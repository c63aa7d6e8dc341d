"""Write real upload files into a test's tmp_path."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl
import xlwt


def write_bytes(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def write_text(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """`text` encoded with `encoding` exactly as given (newlines untouched)."""
    return write_bytes(directory, name, text.encode(encoding))


def write_xlsx(directory: Path, name: str, sheets: dict[str, Sequence[Sequence]],
               number_formats: dict[tuple[str, str], str] | None = None,
               hidden: Sequence[str] = ()) -> Path:
    """A workbook with one sheet per entry (in order); cells given as Python values."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        if title in hidden:
            sheet.sheet_state = "hidden"
    for (title, cell), fmt in (number_formats or {}).items():
        workbook[title][cell].number_format = fmt
    path = directory / name
    workbook.save(path)
    return path


_XLS_DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")
_XLS_DATETIME = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
_XLS_TIME = xlwt.easyxf(num_format_str="HH:MM:SS")


def write_xls(directory: Path, name: str, sheets: dict[str, Sequence[Sequence]]) -> Path:
    """A legacy .xls workbook; dates/datetimes/times get matching number formats. None = no cell."""
    workbook = xlwt.Workbook()
    for title, rows in sheets.items():
        sheet = workbook.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write(r, c, value, _XLS_DATETIME)
                elif isinstance(value, dt.date):
                    sheet.write(r, c, value, _XLS_DATE)
                elif isinstance(value, dt.time):
                    sheet.write(r, c, value, _XLS_TIME)
                else:
                    sheet.write(r, c, value)
    path = directory / name
    workbook.save(str(path))
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def write_xlsx_parts(directory: Path, name: str, sheet: bytes | str | Iterable[bytes],
                     extra_parts: dict[str, bytes | str] | None = None) -> Path:
    """A one-sheet XLSX whose sheet XML is given as is (bytes, text, or chunks streamed into the zip,
    so a sheet of hundreds of megabytes is never held whole); `extra_parts` are added by name."""
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        if isinstance(sheet, bytes | str):
            zf.writestr("xl/worksheets/sheet1.xml", sheet)
        else:
            with zf.open("xl/worksheets/sheet1.xml", "w") as out:
                for chunk in sheet:
                    out.write(chunk)
        for part, data in (extra_parts or {}).items():
            zf.writestr(part, data)
    return path


def write_xlsx_bulk(directory: Path, name: str, rows: Sequence[Sequence[str | float]]) -> Path:
    """A one-sheet XLSX written as raw XML (openpyxl takes seconds for 100k rows): str cells
    become inline strings, numbers numeric cells. No escaping: keep the text XML-safe."""

    def cell(value: str | float) -> str:
        if isinstance(value, str):
            return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
        return f"<c><v>{value!r}</v></c>"

    body = "".join(f"<row>{''.join(cell(v) for v in row)}</row>" for row in rows)
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{body}</sheetData></worksheet>")
    return write_xlsx_parts(directory, name, sheet)
