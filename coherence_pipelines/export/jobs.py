"""Export jobs: an export written to a file in the background, downloadable for 24 hours.

The API makes one when an export is too large to answer directly; Dagster makes one for every scheduled
or sensor-triggered report export. Each job's file lives at `exports/<account>/<exportJobId>.<format>`.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coherence_pipelines.errors import CoherenceError, ModuleNotFound
from coherence_pipelines.execution.jobs import iso, utcnow
from coherence_pipelines.execution.liveness import STALLED_AFTER, runner_gone, runner_id
from coherence_pipelines.export.render import CONTENT_TYPES, RenderedFile, download_name, module_of, render, select_rows
from coherence_pipelines.export.spec import ExportSpec
from coherence_pipelines.store.base import RecordStore, StoreSession

log = logging.getLogger("coherence.export")

FILE_RETENTION = timedelta(hours=24)
PROGRESS_EVERY_SECONDS = 0.5  # progress writes are throttled: each takes its turn at the store
# An export has nothing committed to resume from, so an interrupted one is simply requested again.
STOPPED = "Interrupted: the process writing this export stopped; request the export again"
STALLED = (f"Interrupted: no progress for {int(STALLED_AFTER.total_seconds() // 60)} minutes; "
           "request the export again")


def new_export_job_id() -> str:
    return f"exp_{secrets.token_hex(8)}"


def new_export_job(account_id: str, spec: ExportSpec, *, source_type: str, source_id: str, source_name: str,
                   trigger: str) -> dict[str, Any]:
    return {
        "export_job_id": new_export_job_id(), "account_id": account_id, "source_type": source_type,
        "source_id": source_id, "module": spec.module, "format": spec.format, "status": "pending", "progress": 0,
        "trigger": trigger, "request": {"spec": spec.to_doc(), "sourceName": source_name},
        "content_type": CONTENT_TYPES[spec.format], "requested_at": utcnow(),
    }


def create_export_job(store: RecordStore, job: dict[str, Any]) -> dict[str, Any]:
    with store.session() as session:
        session.insert_export_job(job)
        return session.get_export_job(job["account_id"], job["export_job_id"])  # type: ignore[return-value]


def export_file_path(exports_dir: Path, job: dict[str, Any]) -> Path:
    return exports_dir / job["account_id"] / f"{job['export_job_id']}.{job['format']}"


def run_export_job(store: RecordStore, exports_dir: Path, export_job_id: str) -> dict[str, Any]:
    """Runs a pending (or interrupted) job to the end; the job ends `completed` or `failed`, never stuck.
    A job another process claimed first, or is still writing, is left to it (its current state is returned)."""
    with store.session() as session:
        job = session.get_export_job(None, export_job_id)
        if job is None:
            raise ValueError(f"no export job {export_job_id}")
        now = utcnow()
        claimed = resumable(job, now) and session.claim_export_job(export_job_id, job, now, runner_id())
    if not claimed:
        return job
    try:
        rendered = _render_job(store, exports_dir, job)
    except Exception as exc:
        message = exc.message if isinstance(exc, CoherenceError) else "Internal error: the failure was logged"
        if not isinstance(exc, CoherenceError):
            log.exception("export job %s failed", export_job_id)
        now = utcnow()
        _update(store, export_job_id, {"status": "failed", "failure": message, "completed_at": now,
                                       "expires_at": now + FILE_RETENTION})
    else:
        now = utcnow()
        spec = ExportSpec.from_doc(job["request"]["spec"])
        _update(store, export_job_id, {
            "status": "completed", "progress": 100, "file_path": str(rendered.path),
            "file_name": download_name(job["request"]["sourceName"], spec.format, now),
            "file_size_bytes": rendered.size_bytes, "content_type": rendered.content_type,
            "row_count": rendered.row_count, "completed_at": now, "expires_at": now + FILE_RETENTION})
    with store.session() as session:
        return session.get_export_job(None, export_job_id)  # type: ignore[return-value]


def _render_job(store: RecordStore, exports_dir: Path, job: dict[str, Any]) -> RenderedFile:
    spec = ExportSpec.from_doc(job["request"]["spec"])
    module = module_of(store, job["account_id"], spec.module)
    if module is None:
        raise ModuleNotFound(f"Module not found: {spec.module!r} no longer exists")
    frame = select_rows(store, job["account_id"], module, spec)
    out = export_file_path(exports_dir, job)
    out.parent.mkdir(parents=True, exist_ok=True)
    last = [time.monotonic(), 0]

    def on_progress(fraction: float) -> None:
        # The rows are selected before rendering starts; rendering is the other 90%.
        percent = min(99, 10 + int(fraction * 89))
        if percent > last[1] and time.monotonic() - last[0] >= PROGRESS_EVERY_SECONDS:
            last[:] = [time.monotonic(), percent]
            _update(store, job["export_job_id"], {"progress": percent, "heartbeat_at": utcnow()})

    _update(store, job["export_job_id"], {"progress": 10, "heartbeat_at": utcnow()})
    return render(frame, module, spec, out, on_progress=on_progress)


def _update(store: RecordStore, export_job_id: str, changes: dict[str, Any]) -> None:
    with store.session() as session:
        session.update_export_job(export_job_id, changes)


def export_interruption(job: dict[str, Any], now: datetime) -> str | None:
    """Why a `processing` export job is in fact not being written (None while it may be): decided as for an
    import job, by the runner and heartbeat its claim stamped."""
    gone = runner_gone(job, now)
    return None if gone is None else STOPPED if gone == "stopped" else STALLED


def settled_export_job(session: StoreSession, job: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The job, marked `failed` in the store first when its runner is gone; it expires as any failed job."""
    reason = export_interruption(job, now)
    if reason is None:
        return job
    changes = {"status": "failed", "failure": reason, "completed_at": now, "expires_at": now + FILE_RETENTION}
    session.update_export_job(job["export_job_id"], changes)
    return {**job, **changes}


def resumable(job: dict[str, Any], now: datetime) -> bool:
    """Pending, or `processing` with nobody writing it: its runner is gone, or it was claimed before claims
    named their runner. A job a live process writes is left to it (API workers starting together each look
    for unfinished jobs, and one worker may be restarted while the others run theirs)."""
    if job["status"] == "pending":
        return True
    return job["status"] == "processing" and (not job.get("runner") or export_interruption(job, now) is not None)


def expire_export_files(store: RecordStore, now: datetime | None = None) -> int:
    """Removes the files of jobs past their 24 hours and marks the jobs `expired`; returns how many."""
    now = now or utcnow()
    with store.session() as session:
        due = session.export_jobs_to_expire(now)
    for job in due:
        if job.get("file_path"):
            Path(job["file_path"]).unlink(missing_ok=True)
    with store.session() as session:  # one unit of work for the whole sweep, not one per job
        for job in due:
            session.update_export_job(job["export_job_id"], {"status": "expired", "file_path": None})
    return len(due)


def export_job_view(job: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The job as the document shows it, plus `rowCount`, `trigger`, `failure` and `sourceName`."""
    done = job["status"] == "completed"
    return {
        "exportJobId": job["export_job_id"],
        "accountId": job["account_id"],
        "sourceId": job["source_id"],
        "sourceType": job["source_type"],
        "sourceName": job["request"].get("sourceName"),
        "format": job["format"],
        "status": job["status"],
        "progress": job["progress"],
        "fileName": job["file_name"],
        "fileUrl": f"{base_url.rstrip('/')}/v1/export-jobs/{job['export_job_id']}/file" if done else None,
        "fileSizeBytes": job["file_size_bytes"],
        "contentType": job["content_type"],
        "rowCount": job["row_count"],
        "trigger": job["trigger"],
        "failure": job["failure"],
        "requestedDateTime": iso(job["requested_at"]),
        "completedDateTime": iso(job["completed_at"]),
        "expiresDateTime": iso(job["expires_at"]),
    }
