"""A limit on request bodies, as pure ASGI middleware, so that no request is read into memory unbounded.

FastAPI reads a body whole before it validates it, whatever its Content-Type: a `rows` array of a
gigabyte would be held, then parsed into Python objects several times its size. Here a body beyond
`Settings.max_json_body_bytes` is refused with 413 PAYLOAD_TOO_LARGE: at once when its Content-Length
says so, else as soon as the bytes received pass the limit, so that the rest is never read.

Multipart bodies (file uploads) get the upload limit instead, with the document's 400 FILE_TOO_LARGE;
the parse endpoint's upload_stream enforces it to the byte on the file part, this only bounds the
whole body for every endpoint.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coherence_pipelines.api.envelope import error_response
from coherence_pipelines.api.upload_stream import ENVELOPE_BYTES
from coherence_pipelines.errors import CoherenceError, FileTooLarge, PayloadTooLarge


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body; an HTTPException, so that FastAPI's body reading passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _payload_too_large(limit).message)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        multipart = _content_type(scope).startswith(b"multipart/form-data")
        limit = settings.max_upload_bytes + ENVELOPE_BYTES if multipart else settings.max_json_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            error: CoherenceError = FileTooLarge() if multipart else _payload_too_large(limit)
            await error_response(error.status, error.code, error.message)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # upload_stream answers FileTooLarge itself; any other reader gets the 413.
                    raise FileTooLarge() if multipart else BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _payload_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body too large: more than {limit:,} bytes; send a large import as a file "
                           "to parse, then validate and execute its uploadId")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


def _content_type(scope: Scope) -> bytes:
    return (_header(scope, b"content-type") or b"").strip().lower()


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None
