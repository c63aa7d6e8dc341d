"""Hostile and messy upload files, made by the tests: XLSX zip and entity bombs, sparse sheets, OLE2
containers (encrypted workbooks, Word documents), zips with forged headers."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import xlwt

from tests.parsing.files import write_xlsx_parts

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows_xml: str, *, doctype: str = "", prefix: str = "") -> str:
    """A worksheet part around `rows_xml` (the content of sheetData)."""
    p = f"{prefix}:" if prefix else ""
    ns = MAIN_NS.replace("xmlns=", f"xmlns:{prefix}=") if prefix else MAIN_NS
    return (f"{XML_HEAD}{doctype}<{p}worksheet {ns}><{p}sheetData>{rows_xml}</{p}sheetData></{p}worksheet>")


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_sheet(directory: Path, name: str, rows_xml: str, **kw) -> Path:
    return write_xlsx_parts(directory, name, sheet_xml(rows_xml, **kw))


# Ten levels of ten: the last entity is a billion "lol"s unless a parser refuses to expand it.
_LAUGHS = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
BILLION_LAUGHS = "<!DOCTYPE lolz [" + "".join(_LAUGHS) + "]>"
EXTERNAL_ENTITY = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def zip_bomb_sheet(unpacked_mb: int) -> Iterator[bytes]:
    """Sheet XML of about `unpacked_mb` megabytes of identical rows: deflates around 1,000:1."""
    yield f"{XML_HEAD}<worksheet {MAIN_NS}><sheetData>".encode()
    row = b"<row><c><v>1</v></c><c><v>2</v></c></row>"
    block = row * (1024 * 1024 // len(row))
    for _ in range(unpacked_mb):
        yield block
    yield b"</sheetData></worksheet>"


def forge_sizes(data: bytes, member: str, *, declared: int) -> bytes:
    """The zip `data` with `member`'s uncompressed size rewritten to `declared` in both its local header
    and its central directory entry, as an attacker writes them."""
    name = member.encode()
    out = bytearray(data)
    for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = 0
        while (at := out.find(signature, at)) >= 0:
            name_len = struct.unpack_from("<H", out, at + name_len_at)[0]
            if bytes(out[at + name_at: at + name_at + name_len]) == name:
                struct.pack_into("<I", out, at + size_at, declared)
            at += 4
    return bytes(out)


def sparse_xls(directory: Path) -> Path:
    """A legacy workbook with two cells, at A1 and IV65536: xlrd would lay out all 16.7 million."""
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Sparse")
    sheet.write(0, 0, "Name")
    sheet.write(65535, 255, "x")
    path = directory / "sparse.xls"
    workbook.save(str(path))
    return path


def zip_with_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(count):
            zf.writestr(f"x/{i}", b"")
    return buffer.getvalue()


# OLE2 (Compound File Binary) containers ------------------------------------------------------------------
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512


def ole2_container(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding `streams` (at most three, each of 4,096 bytes or more so that
    they live in regular sectors): the container an encrypted XLSX or a .doc file is."""
    assert 0 < len(streams) <= 3 and all(len(d) >= 4096 for d in streams.values())
    names = list(streams)
    sectors: list[bytes] = []
    fat = [_FATSECT, _END]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for data in streams.values():
        data = data + b"\0" * (-len(data) % _SECTOR)
        first = 2 + len(sectors)
        count = len(data) // _SECTOR
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [_END]
        sectors += [data[i * _SECTOR:(i + 1) * _SECTOR] for i in range(count)]
    assert len(fat) <= _SECTOR // 4
    fat_sector = struct.pack(f"<{_SECTOR // 4}I", *(fat + [_FREE] * (_SECTOR // 4 - len(fat))))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, left, right, child)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    # Siblings form a binary tree ordered by name length, then name: a chain to the right will do.
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    directory = [entry("Root Entry", 5, _NOSTREAM, _NOSTREAM, order[0] + 1, _END, 0)]
    for i, name in enumerate(names):
        at = order.index(i)
        right = order[at + 1] + 1 if at + 1 < len(order) else _NOSTREAM
        directory.append(entry(name, 2, _NOSTREAM, right, _NOSTREAM, starts[i], len(streams[name])))
    directory_sector = b"".join(directory).ljust(_SECTOR, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    return header + fat_sector + directory_sector + b"".join(sectors)


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 container with EncryptionInfo and
    EncryptedPackage streams (the package itself is ciphertext)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>".ljust(4088, b" ")
    return ole2_container({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 8192) + b"\x9c" * 8192})


def word_document() -> bytes:
    return ole2_container({"WordDocument": b"\xec\xa5" + b"\0" * 4094})
