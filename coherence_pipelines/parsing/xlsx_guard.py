"""Checks an XLSX upload before calamine or openpyxl opens it.

Both readers take a sheet whole, and calamine lays a sheet's used area out densely: a 2 KB file with
cells at A1 and XFD1048576 asks it for 17 billion cells, and a 2 MB zip can inflate to gigabytes of XML.
Either aborts the process, so the API would go down with the request. `check_xlsx` refuses, while
inflating each part once in bounded chunks:

- a zip whose declared sizes or compression ratios no real workbook has (FileTooLarge), or whose parts
  inflate to other sizes than declared, are encrypted or use a compression Excel never writes (UnreadableFile);
- XML parts with a DOCTYPE or ENTITY declaration: entity expansion (billion laughs) and external
  entities have no place in a workbook (UnreadableFile);
- a part whose cell area passes `MAX_COLUMNS` (TooManyColumns) or `MAX_SHEET_CELLS` (FileTooLarge).

Every part is scanned as if it were a sheet, since the workbook's relationships may point anywhere.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from coherence_pipelines.errors import FileTooLarge, TooManyColumns, UnreadableFile
from coherence_pipelines.parsing import limits

_DAMAGED = ("The Excel file could not be read: it is damaged or not a real workbook; "
            "open it in Excel and save it again as .xlsx or .csv")
_SAVE_AS_CSV = "save the sheet as CSV or split it into smaller files"
_OUT_CHUNK = 1 << 20
_READ_CHUNK = 1 << 20

_WHITESPACE_TO_SPACE = bytes.maketrans(b"\t\r\n", b"   ")
_PREFIXED_TAG = re.compile(rb"<(/?)[A-Za-z_][\w.-]*:")
# A cell or row reference (`r="AB12"`, `r="12"`); whitespace is already folded to spaces.
_REF = re.compile(rb' r *= *["\']([A-Za-z]*)([0-9]+)')
_CARRY_WINDOW = 256  # a token cut at the end of a chunk is carried into the next one
_REF_OVERLAP = 64  # a reference cut at the end of a chunk is matched again at the start of the next one


def check_zip_member_count(path: Path) -> None:
    """Refuse a zip whose central directory lists more entries than any workbook has, before it is opened."""
    with path.open("rb") as raw:
        count = _declared_member_count(raw)
    if count is not None and count > limits.MAX_ZIP_MEMBERS:
        raise UnreadableFile(f"The file could not be read: a zip of {count:,} parts is not an Excel workbook; "
                             "open it in Excel and save it again as .xlsx or .csv")


def check_xlsx(path: Path) -> None:
    """Raise unless the XLSX at `path` is safe to hand to calamine or openpyxl (see the module docstring)."""
    with path.open("rb") as raw:
        try:
            with zipfile.ZipFile(raw) as zf:
                members = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise UnreadableFile(_DAMAGED) from exc
        # Declared sizes are checked first; each part must then inflate to its declared size, so their
        # total bounds what is inflated.
        _check_declared_sizes(members)
        for info in members:
            if not info.is_dir():
                _scan_part(info.filename, _inflate(raw, info))


def _declared_member_count(raw: BinaryIO) -> int | None:
    raw.seek(0, 2)
    size = raw.tell()
    tail_len = min(size, 22 + 0xFFFF)  # the end record and the longest comment it may carry
    raw.seek(size - tail_len)
    tail = raw.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack_from("<H", tail, at + 10)[0]


def _check_declared_sizes(members: list[zipfile.ZipInfo]) -> None:
    total = sum(info.file_size for info in members)
    if total > limits.MAX_UNPACKED_BYTES:
        raise FileTooLarge(f"File too large: the workbook unpacks to {total:,} bytes, more than the "
                           f"{limits.MAX_UNPACKED_BYTES:,} read at most; {_SAVE_AS_CSV}")
    for info in members:
        if (info.file_size > limits.RATIO_CHECKED_FROM_BYTES
                and info.file_size > limits.MAX_COMPRESSION_RATIO * max(info.compress_size, 1)):
            ratio = info.file_size // max(info.compress_size, 1)
            raise FileTooLarge(f"File too large: the workbook part {info.filename} is compressed {ratio:,}:1, "
                               "far beyond any real workbook (a zip bomb); open it in Excel and save it again")


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks of at most a megabyte, inflated here rather than by a reader that trusts
    the zip's headers: inflating stops as soon as it passes the declared size, and size and CRC must match."""
    if info.flag_bits & 0x1:
        raise UnreadableFile(f"The Excel file could not be read: its part {info.filename} is encrypted; "
                             "remove the password in Excel and upload it again")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableFile(_DAMAGED)
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnreadableFile(_DAMAGED)
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, produced, crc = info.compress_size, 0, 0
    while left > 0:
        block = raw.read(min(left, _READ_CHUNK))
        if not block:
            raise UnreadableFile(_DAMAGED)
        left -= len(block)
        for out in _inflated(inflater, block):
            produced += len(out)
            if produced > info.file_size:
                raise UnreadableFile(_DAMAGED)  # the header understates the part: a crafted zip
            crc = zlib.crc32(out, crc)
            yield out
    if (inflater is not None and not inflater.eof) or produced != info.file_size or crc != info.CRC:
        raise UnreadableFile(_DAMAGED)


def _inflated(inflater, block: bytes) -> Iterator[bytes]:
    if inflater is None:
        yield block
        return
    data = block
    while True:
        try:
            out = inflater.decompress(data, _OUT_CHUNK)
        except zlib.error as exc:
            raise UnreadableFile(_DAMAGED) from exc
        if out:
            yield out
        data = inflater.unconsumed_tail
        if not data and len(out) < _OUT_CHUNK:
            return


def _scan_part(name: str, chunks: Iterator[bytes]) -> None:
    scan = _PartScan(name)
    decoder = None
    for index, chunk in enumerate(chunks):
        if index == 0:
            decoder = _utf16_decoder(chunk)
        if decoder is not None:
            chunk = decoder.decode(chunk).encode("utf-8", "replace")
        scan.feed(chunk)
    scan.finish()


def _utf16_decoder(head: bytes):
    """XML parts may be UTF-16 (expat, behind openpyxl, reads them); scanned as UTF-8 so the patterns hold."""
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        return codecs.getincrementaldecoder("utf-16-le")("replace")
    if head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        return codecs.getincrementaldecoder("utf-16-be")("replace")
    return None


class _PartScan:
    """Bounds of the cell area of one part, as calamine would lay it out.

    A row or cell without an `r` reference goes one past the previous one, so the area is within
    (max(highest row ref, rows) * max(highest column ref, most cells in a row)) times four; for
    files whose rows and cells all carry references, as Excel writes them, it is exact.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.max_row_ref = 0
        self.max_col_ref = 0
        self.cells_in_row = 0
        self.max_cells_in_row = 0
        self._carry = b""
        self._ref_tail = b""

    def feed(self, data: bytes) -> None:
        buf = self._carry + data.translate(_WHITESPACE_TO_SPACE)
        if b"<!DOCTYPE" in buf or b"<!ENTITY" in buf:
            raise UnreadableFile(f"The Excel file could not be read: its part {self.name} declares a DOCTYPE "
                                 "or ENTITY, which no spreadsheet program writes (entity expansion or external "
                                 "entities); open it in Excel and save it again")
        if b":row" in buf or b":c " in buf or b":c>" in buf or b":c/" in buf:
            buf = _PREFIXED_TAG.sub(rb"<\1", buf)  # `<x:row>` is a row too
        cut = buf.rfind(b"<", max(0, len(buf) - _CARRY_WINDOW))
        body, self._carry = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
        self._count(body)
        self._refs(self._ref_tail + body)
        self._ref_tail = body[-_REF_OVERLAP:]
        self._check()

    def finish(self) -> None:
        self._count(self._carry)
        self._refs(self._ref_tail + self._carry)
        self.max_cells_in_row = max(self.max_cells_in_row, self.cells_in_row)
        self._check()

    def _count(self, body: bytes) -> None:
        pieces = body.split(b"<row")
        self.cells_in_row += _cells(pieces[0])
        if len(pieces) > 1:
            counts = list(map(_cells, pieces[1:]))
            self.max_cells_in_row = max(self.max_cells_in_row, self.cells_in_row, *counts[:-1])
            self.cells_in_row = counts[-1]
            self.rows += len(pieces) - 1

    def _refs(self, body: bytes) -> None:
        refs = _REF.findall(body)
        if not refs:
            return
        self.max_row_ref = max(self.max_row_ref, max(map(int, map(itemgetter(1), refs))))
        letters = set(map(itemgetter(0), refs))
        letters.discard(b"")
        if letters:
            self.max_col_ref = max(self.max_col_ref, max(map(_column_number, letters)))

    def _check(self) -> None:
        columns = max(self.max_col_ref, self.max_cells_in_row, self.cells_in_row)
        rows = max(self.max_row_ref, self.rows)
        if columns > limits.MAX_COLUMNS:
            raise TooManyColumns(f"Too many columns: {self.name} reaches column {columns:,}; at most "
                                 f"{limits.MAX_COLUMNS:,} columns are read. Delete the unused columns in Excel "
                                 "(including stray cells far to the right) and upload it again")
        if rows * columns > limits.MAX_SHEET_CELLS:
            raise FileTooLarge(f"File too large: {self.name} spans {rows:,} rows by {columns:,} columns; at most "
                               f"{limits.MAX_SHEET_CELLS:,} cells of a sheet are read — {_SAVE_AS_CSV}")


def _cells(piece: bytes) -> int:
    return piece.count(b"<c ") + piece.count(b"<c>") + piece.count(b"<c/")


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number
