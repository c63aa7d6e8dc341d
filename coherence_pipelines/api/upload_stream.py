"""Receives a multipart upload as it streams in, writing the `file` part to disk and stopping at the
size limit, so a 100 MB + 1 byte upload is refused without being held in memory or read whole.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from coherence_pipelines.errors import FileTooLarge, MalformedRequest, NoFileUploaded

# Room for the multipart envelope around the file itself.
ENVELOPE_BYTES = 64 * 1024


@dataclass
class ReceivedFile:
    path: Path
    file_name: str | None
    size: int


class _FilePart:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory, self.max_bytes = directory, max_bytes
        self.headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self.current: tuple[str | None, object] | None = None
        self.received: ReceivedFile | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_part_data": self._data, "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.headers, self.current = {}, None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if options.get(b"name") == b"file" and self.received is None:
            name = options.get(b"filename")
            fd, path = tempfile.mkstemp(dir=self.directory, suffix=".upload")
            self.current = (name.decode("utf-8", "replace") if name is not None else None, os.fdopen(fd, "wb"))
            self.received = ReceivedFile(path=Path(path), file_name=self.current[0], size=0)

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.current is None or self.received is None:
            return
        self.received.size += end - start
        if self.received.size > self.max_bytes:
            raise FileTooLarge()
        self.current[1].write(data[start:end])  # type: ignore[attr-defined]

    def _end(self) -> None:
        if self.current is not None:
            self.current[1].close()  # type: ignore[attr-defined]
            self.current = None

    def discard(self) -> None:
        if self.current is not None:
            self.current[1].close()  # type: ignore[attr-defined]
        if self.received is not None:
            self.received.path.unlink(missing_ok=True)


async def receive_file(request: Request, directory: Path, max_bytes: int) -> ReceivedFile:
    """The uploaded `file` field, on disk; raises NoFileUploaded / FileTooLarge / MalformedRequest."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise NoFileUploaded()
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + ENVELOPE_BYTES:
        raise FileTooLarge()
    part = _FilePart(directory, max_bytes)
    parser = MultipartParser(options[b"boundary"], part.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FileTooLarge:
        part.discard()
        raise
    except Exception as exc:  # the multipart parser's own errors: the body is not valid multipart
        part.discard()
        raise MalformedRequest(f"The multipart body could not be read: {exc}") from None
    if part.received is None:
        raise NoFileUploaded()
    if part.current is not None:  # the body ended inside the file part
        part.discard()
        raise MalformedRequest("The multipart body ended before the file did")
    return part.received
