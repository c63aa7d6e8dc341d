"""One PDF written page by page from several: each appended PDF's pages go straight to the file.

pypdf's PdfWriter holds every page it is given until it writes (about 80 kB per page here, 200 MB for a
100,000-row export). This keeps only one appended PDF and the file position of each object written; the
page tree, catalogue and cross-reference table follow the last page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class PageStream:
    """Appends the pages of whole PDFs to `f`; `close` finishes the file. Objects other than pages (fonts,
    images) are written once per appended PDF that uses them: they are not shared between PDFs."""

    def __init__(self, f: BinaryIO, *, title: str | None, created_at: datetime) -> None:
        self._f = f
        self._title = title
        self._created_at = created_at
        self._offsets: list[int] = []  # the file position of object n is at index n - 1
        self._page_ids: list[int] = []
        f.write(_HEADER)
        self._page_tree_id = self._reserve()

    def append(self, pdf: PdfReader) -> None:
        new_ids: dict[int, int] = {}
        to_write: list[tuple[int, PdfObject]] = []

        def renumbered(ref: IndirectObject) -> IndirectObject:
            if ref.idnum not in new_ids:
                new_ids[ref.idnum] = self._reserve()
                to_write.append((new_ids[ref.idnum], ref.get_object()))
            return IndirectObject(new_ids[ref.idnum], 0, None)

        for page in pdf.pages:
            assert page.indirect_reference is not None  # pages of a file read from bytes are indirect
            self._page_ids.append(renumbered(page.indirect_reference).idnum)
        while to_write:
            number, obj = to_write.pop()
            if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Page":
                # the appended PDF's own page tree is left behind: the page hangs from this file's
                dict.__setitem__(obj, NameObject("/Parent"), IndirectObject(self._page_tree_id, 0, None))
            self._write(number, _with_references(obj, renumbered))

    def close(self) -> None:
        """Writes the page tree, catalogue, document information and cross-reference table."""
        page_tree = DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in self._page_ids),
            NameObject("/Count"): NumberObject(len(self._page_ids)),
        })
        self._write(self._page_tree_id, page_tree)
        catalog_id = self._reserve()
        self._write(catalog_id, DictionaryObject({NameObject("/Type"): NameObject("/Catalog"),
                                                  NameObject("/Pages"): IndirectObject(self._page_tree_id, 0, None)}))
        info = {NameObject("/Producer"): TextStringObject("Coherence Pipelines (WeasyPrint)"),
                NameObject("/CreationDate"): TextStringObject(f"D:{_utc(self._created_at):%Y%m%d%H%M%S}Z")}
        if self._title:
            info[NameObject("/Title")] = TextStringObject(self._title)
        info_id = self._reserve()
        self._write(info_id, DictionaryObject(info))

        xref_at = self._f.tell()
        self._f.write(f"xref\n0 {len(self._offsets) + 1}\n0000000000 65535 f \n".encode())
        self._f.write(b"".join(b"%010d 00000 n \n" % offset for offset in self._offsets))
        self._f.write(f"trailer\n<< /Size {len(self._offsets) + 1} /Root {catalog_id} 0 R /Info {info_id} 0 R >>\n"
                      f"startxref\n{xref_at}\n%%EOF\n".encode())

    def _reserve(self) -> int:
        self._offsets.append(-1)
        return len(self._offsets)

    def _write(self, number: int, obj: PdfObject) -> None:
        self._offsets[number - 1] = self._f.tell()
        self._f.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(self._f)
        self._f.write(b"\nendobj\n")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment


def _with_references(obj: PdfObject, renumbered: Callable[[IndirectObject], IndirectObject]) -> PdfObject:
    """`obj` with every indirect reference inside it renumbered, changed in place (the reader is discarded)."""
    if isinstance(obj, IndirectObject):
        # a reference without a reader is one this file made (a page's /Parent): it is numbered already
        return obj if obj.pdf is None else renumbered(obj)
    if isinstance(obj, DictionaryObject):  # streams included: their data is kept as read
        for key, value in dict.items(obj):
            dict.__setitem__(obj, key, _with_references(value, renumbered))
    elif isinstance(obj, ArrayObject):
        for index, value in enumerate(list.__iter__(obj)):
            list.__setitem__(obj, index, _with_references(value, renumbered))
    return obj
