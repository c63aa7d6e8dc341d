"""Detect the character encoding of a text upload and hand polars a UTF-8 file to read."""

from __future__ import annotations

import codecs
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024

# The five bytes windows-1252 leaves undefined; a file holding them is read as latin-1 there.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_SURROGATE_TO_LATIN1 = {0xDC00 + b: b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


@dataclass(frozen=True)
class TextSource:
    path: Path  # UTF-8 text polars can read: the upload itself or a transcoded temporary copy
    encoding: str  # the upload's encoding as reported to the user ("utf-8", "utf-16", ...)
    sample: str  # the decoded start of the file (about SAMPLE_BYTES), BOM removed
    complete: bool  # True when `sample` is the whole file


@dataclass(frozen=True)
class _Encoding:
    codec: str  # what Python decodes with
    label: str  # what the user is told
    bom_len: int = 0
    errors: str = "strict"


@contextmanager
def utf8_source(path: Path) -> Iterator[TextSource]:
    """Yield the upload as UTF-8 text, transcoding into a temporary file when it is not UTF-8.

    UTF-8 (with or without BOM) and UTF-16 (BOM or BOM-less) are recognised; anything else is Mac Roman
    when its lines end in CR alone, else windows-1252, or latin-1 when it holds bytes windows-1252 does
    not define. Old Mac files
    (CR-only line ends) are rewritten with LF because polars splits lines on LF only.
    The temporary copy is deleted when the context exits.
    """
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
        complete = not f.read(1)
    enc = _detect_encoding(path, head)
    # The sample may end inside a character; the incremental decoder holds that tail back.
    decoder = codecs.getincrementaldecoder(enc.codec)(enc.errors)
    sample = decoder.decode(head[enc.bom_len:], final=complete).lstrip("\ufeff")
    sample = sample.translate(_SURROGATE_TO_LATIN1)
    cr_only = "\r" in sample and "\n" not in sample
    if cr_only:
        sample = sample.replace("\r", "\n")  # as in the transcoded copy polars reads
    if enc.codec == "utf-8" and enc.errors == "strict" and not cr_only:
        yield TextSource(path, enc.label, sample, complete)
        return
    with tempfile.TemporaryDirectory(prefix="coherence-parse-") as tmp:
        target = Path(tmp) / "upload.utf8.csv"
        _transcode(path, target, enc, cr_only)
        yield TextSource(target, enc.label, sample, complete)


def _detect_encoding(path: Path, head: bytes) -> _Encoding:
    if head.startswith(codecs.BOM_UTF8):
        # polars skips a UTF-8 BOM itself, so a valid file is read in place.
        return _Encoding("utf-8", "utf-8", 3, "strict" if _is_utf8(path) else "replace")
    # A UTF-16 BOM is a strong signal; undecodable bytes after it are replaced, not fatal.
    if head.startswith(codecs.BOM_UTF16_LE):
        return _Encoding("utf-16-le", "utf-16", 2, "replace")
    if head.startswith(codecs.BOM_UTF16_BE):
        return _Encoding("utf-16-be", "utf-16", 2, "replace")
    bomless_utf16 = _bomless_utf16_codec(head)
    if bomless_utf16:
        return _Encoding(bomless_utf16, "utf-16", 0, "replace")
    if _is_utf8(path):
        return _Encoding("utf-8", "utf-8")
    if b"\r" in head and b"\n" not in head:
        # Classic Mac line ends on 8-bit text: Excel for Mac's "CSV (Macintosh)" writes Mac Roman so.
        return _Encoding("mac_roman", "mac-roman")
    if _has_cp1252_undefined_bytes(path):
        # Decoded as windows-1252 with the undefined bytes mapped as latin-1 (see _transcode).
        return _Encoding("cp1252", "latin-1", 0, "surrogateescape")
    return _Encoding("cp1252", "windows-1252")


def _bomless_utf16_codec(head: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a NUL in every other byte: odd bytes for LE."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_nuls = head[0 : pairs * 2 : 2].count(0)
    odd_nuls = head[1 : pairs * 2 : 2].count(0)
    if odd_nuls > 0.3 * pairs and even_nuls < 0.05 * pairs:
        return "utf-16-le"
    if even_nuls > 0.3 * pairs and odd_nuls < 0.05 * pairs:
        return "utf-16-be"
    return None


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _has_cp1252_undefined_bytes(path: Path) -> bool:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            if _CP1252_UNDEFINED.search(chunk):
                return True
    return False


def _transcode(source: Path, target: Path, enc: _Encoding, cr_only: bool) -> None:
    decoder = codecs.getincrementaldecoder(enc.codec)(enc.errors)

    def clean(text: str) -> str:
        if enc.errors == "surrogateescape":
            text = text.translate(_SURROGATE_TO_LATIN1)
        return text.replace("\r", "\n") if cr_only else text

    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        src.seek(enc.bom_len)
        while chunk := src.read(_CHUNK_BYTES):
            out.write(clean(decoder.decode(chunk)))
        out.write(clean(decoder.decode(b"", final=True)))
