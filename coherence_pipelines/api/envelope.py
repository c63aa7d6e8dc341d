"""The API's envelope: `{"success": true, "data": ...}`, and every error as
`{"success": false, "error": {"code", "message"}}` with its status. No stack trace ever leaves."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coherence_pipelines.errors import CoherenceError

log = logging.getLogger("coherence.api")


def ok(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status_code)


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"success": False, "error": body}, status_code=status, headers=headers)


_HTTP_CODES = {401: "UNAUTHORIZED", 403: "ACCESS_DENIED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
               413: "PAYLOAD_TOO_LARGE"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CoherenceError)
    async def coherence_error(_: Request, exc: CoherenceError) -> JSONResponse:
        headers = {"Retry-After": "2"} if exc.retryable else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                   for e in exc.errors()[:20]]
        first = details[0] if details else {"location": "body", "message": "invalid"}
        return error_response(422, "MALFORMED_REQUEST",
                              f"Malformed request: {first['location']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "HTTP_ERROR"), str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", "Internal error: the failure was logged")
