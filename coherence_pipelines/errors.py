"""Every error the product reports, with the code and HTTP status the API answers with.

    CoherenceError                       code, status, message; terminal unless `retryable`
    ├── BadRequest (400)
    │   ├── NoFileUploaded               NO_FILE_UPLOADED
    │   ├── UnsupportedFileType          UNSUPPORTED_FILE_TYPE
    │   ├── FileTooLarge                 FILE_TOO_LARGE
    │   ├── UnreadableFile               UNREADABLE_FILE
    │   ├── InvalidMapping               INVALID_MAPPING
    │   ├── InvalidOption                INVALID_OPTION
    │   ├── InvalidExportConfig          INVALID_EXPORT_CONFIG
    │   ├── InvalidReport                INVALID_REPORT
    │   ├── TooManyRows                  TOO_MANY_ROWS
    │   ├── TooManyColumns               TOO_MANY_COLUMNS
    │   └── InvalidModuleDefinition      INVALID_MODULE_DEFINITION
    ├── Unauthorized (401)               UNAUTHORIZED
    ├── AccessDenied (403)               ACCESS_DENIED
    ├── NotFound (404)
    │   ├── ModuleNotFound               MODULE_NOT_FOUND
    │   ├── ImportJobNotFound            IMPORT_JOB_NOT_FOUND
    │   ├── UploadNotFound               UPLOAD_NOT_FOUND
    │   ├── RecordNotFound               RECORD_NOT_FOUND
    │   ├── ReportNotFound               REPORT_NOT_FOUND
    │   └── ExportJobNotFound            EXPORT_JOB_NOT_FOUND
    ├── ExportFileGone (410)             EXPORT_FILE_EXPIRED
    ├── PayloadTooLarge (413)            PAYLOAD_TOO_LARGE
    ├── MalformedRequest (422)           MALFORMED_REQUEST
    ├── Conflict (409)
    │   └── JobNotRollbackable           JOB_NOT_ROLLBACKABLE
    └── StoreBusy (503, retryable)       STORE_BUSY

Messages name the thing that failed and what to do about it; the first words of the 400/403/404
messages are the API document's (`File too large`, `Module not found`, ...).
"""

from __future__ import annotations


class CoherenceError(Exception):
    code = "INTERNAL_ERROR"
    status = 500
    default_message = "Internal error"
    retryable = False

    def __init__(self, message: str | None = None, *, details: object | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class BadRequest(CoherenceError):
    code, status, default_message = "BAD_REQUEST", 400, "Bad request"


class NoFileUploaded(BadRequest):
    code, default_message = "NO_FILE_UPLOADED", "No file uploaded: include the file as the multipart field `file`"


class UnsupportedFileType(BadRequest):
    code, default_message = "UNSUPPORTED_FILE_TYPE", "Unsupported file type: use CSV or Excel format"


class FileTooLarge(BadRequest):
    code, default_message = "FILE_TOO_LARGE", "File too large: split the file into smaller batches (100 MB at most)"


class UnreadableFile(BadRequest):
    code, default_message = "UNREADABLE_FILE", "The file could not be read"


class InvalidMapping(BadRequest):
    code, default_message = "INVALID_MAPPING", "Invalid column mapping"


class InvalidOption(BadRequest):
    code, default_message = "INVALID_OPTION", "Invalid option"


class InvalidExportConfig(BadRequest):
    code, default_message = "INVALID_EXPORT_CONFIG", "Invalid export configuration"


class InvalidReport(BadRequest):
    code, default_message = "INVALID_REPORT", "Invalid report definition"


class TooManyRows(BadRequest):
    code, default_message = "TOO_MANY_ROWS", "Too many rows"


class TooManyColumns(BadRequest):
    code, default_message = "TOO_MANY_COLUMNS", "Too many columns"


class InvalidModuleDefinition(BadRequest):
    code, default_message = "INVALID_MODULE_DEFINITION", "Invalid module definition"


class Unauthorized(CoherenceError):
    code, status, default_message = "UNAUTHORIZED", 401, "Missing or unknown API key"


class AccessDenied(CoherenceError):
    code, status, default_message = "ACCESS_DENIED", 403, "Access denied: the API key lacks the scope this needs"


class NotFound(CoherenceError):
    code, status, default_message = "NOT_FOUND", 404, "Not found"


class ModuleNotFound(NotFound):
    code, default_message = "MODULE_NOT_FOUND", "Module not found: check the module slug is correct"


class ImportJobNotFound(NotFound):
    code, default_message = "IMPORT_JOB_NOT_FOUND", "Import job not found: verify the job ID exists"


class UploadNotFound(NotFound):
    code, default_message = "UPLOAD_NOT_FOUND", "Upload not found: parse the file again (uploads expire)"


class RecordNotFound(NotFound):
    code, default_message = "RECORD_NOT_FOUND", "Record not found"


class ReportNotFound(NotFound):
    code, default_message = "REPORT_NOT_FOUND", "Report not found: verify the report ID exists"


class ExportJobNotFound(NotFound):
    code, default_message = "EXPORT_JOB_NOT_FOUND", "Export job not found: verify the export job ID exists"


class ExportFileGone(CoherenceError):
    code, status = "EXPORT_FILE_EXPIRED", 410
    default_message = "The export file has expired (files are kept 24 hours): export again"


class PayloadTooLarge(CoherenceError):
    code, status, default_message = "PAYLOAD_TOO_LARGE", 413, "Request body too large: send an uploadId instead"


class MalformedRequest(CoherenceError):
    code, status, default_message = "MALFORMED_REQUEST", 422, "Malformed request body"


class Conflict(CoherenceError):
    code, status, default_message = "CONFLICT", 409, "Conflict"


class JobNotRollbackable(Conflict):
    code, default_message = "JOB_NOT_ROLLBACKABLE", "This import job cannot be rolled back"


class StoreBusy(CoherenceError):
    code, status, default_message = "STORE_BUSY", 503, "The store is busy with another process: try again shortly"
    retryable = True
