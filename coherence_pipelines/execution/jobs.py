"""Import jobs: their lifecycle in the store and their shape in the API (the document's job status)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from coherence_pipelines.settings import JOB_RETENTION_DAYS

MAX_JOB_ERRORS = 1_000  # a job keeps the first thousand row errors; errorRows counts them all


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso(ts: datetime | None) -> str | None:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None


def new_job(job_id: str, account_id: str, module: str, *, processing_mode: str, total_rows: int,
            duplicate_strategy: str, ai_mapping_used: bool, file_name: str | None, file_type: str | None,
            upload_id: str | None, options: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {
        "job_id": job_id, "account_id": account_id, "module": module, "status": "pending",
        "processing_mode": processing_mode, "file_name": file_name, "file_type": file_type, "upload_id": upload_id,
        "total_rows": total_rows, "ai_mapping_used": ai_mapping_used, "duplicate_strategy": duplicate_strategy,
        "options": options, "errors": [], "reference_warnings": [], "created_at": now,
        "expires_at": now + timedelta(days=JOB_RETENTION_DAYS),
    }


def job_view(job: dict[str, Any], module_id: str) -> dict[str, Any]:
    """The job as `GET /modules/{module}/import/jobs/{jobId}` shows it."""
    return {
        "importJobId": job["job_id"],
        "accountId": job["account_id"],
        "moduleId": module_id,
        "moduleSlug": job["module"],
        "status": job["status"],
        "processingMode": job["processing_mode"],
        "fileName": job["file_name"],
        "fileType": job["file_type"],
        "totalRows": job["total_rows"],
        "processedRows": job["processed_rows"],
        "successRows": job["success_rows"],
        "createdRows": job["created_rows"],
        "updatedRows": job["updated_rows"],
        "errorRows": job["error_rows"],
        "skippedRows": job["skipped_rows"],
        "aiMappingUsed": job["ai_mapping_used"],
        "duplicateStrategy": job["duplicate_strategy"],
        "createdDateTime": iso(job["created_at"]),
        "startedDateTime": iso(job["started_at"]),
        "completedDateTime": iso(job["completed_at"]),
        "expiresDateTime": iso(job["expires_at"]),
        "rolledBackDateTime": iso(job.get("rolled_back_at")),
        "errors": job.get("errors") or [],
        "referenceWarnings": job.get("reference_warnings") or [],
        "failure": job.get("failure"),
    }
