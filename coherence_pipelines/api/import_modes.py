"""The processing modes beyond `sync`: `stream` (progress events while the request runs) and
`background` (a Dagster run; the request answers at once and the client polls the job)."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

from coherence_pipelines.errors import CoherenceError
from coherence_pipelines.execution import ImportRunner, ImportSource
from coherence_pipelines.execution.ids import new_job_id
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.orchestration.launch import launch_background_import
from coherence_pipelines.settings import Settings
from coherence_pipelines.staging import stage_upload

log = logging.getLogger("coherence.api")


def progress_events(runner: ImportRunner, source: ImportSource) -> Iterator[str]:
    """NDJSON: `{"event": "progress", ...counts}` after every chunk, then `{"event": "result", "success":
    true, "data": ...}` (or `"event": "error"` with the error body)."""
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def work() -> None:
        try:
            result = runner.execute(source, on_progress=lambda p: events.put({"event": "progress", **p}))
            events.put({"event": "result", "success": True, "data": result})
        except CoherenceError as exc:
            events.put({"event": "error", "success": False, "error": exc.to_dict()})
        except Exception:  # noqa: BLE001 - reported as an event; the stream has already begun
            log.exception("streamed import failed")
            events.put({"event": "error", "success": False,
                        "error": {"code": "INTERNAL_ERROR", "message": "Internal error: the failure was logged"}})
        finally:
            events.put(None)

    threading.Thread(target=work, name="stream-import", daemon=True).start()
    while (event := events.get()) is not None:
        yield json.dumps(event, default=str) + "\n"


def start_background(runner: ImportRunner, source: ImportSource, settings: Settings, account: str) -> dict[str, Any]:
    """Stage the rows (unless they are an upload already), create the job `pending`, launch its run."""
    if source.upload_id is None:
        staged = stage_upload(settings.staging_dir, runner.account_id, runner.module.slug, source.rows.drop("_row"),
                              file_name=source.file_name or "rows.json", file_type="json", encoding=None,
                              delimiter=None)
        source = ImportSource(rows=source.rows, file_name=source.file_name, file_type=source.file_type,
                              upload_id=staged.upload_id)
    job_id = new_job_id()
    job = runner.new_job(job_id, source, "background")
    with runner.store.session() as session:
        session.insert_job(job)
    try:
        launch_background_import(settings, account, job_id)
    except OSError as exc:
        with runner.store.session() as session:
            session.update_job(job_id, {"status": "failed", "failure": f"Could not start the run: {exc}",
                                        "completed_at": utcnow()})
        raise
    return {"importJobId": job_id, "status": "pending", "processingMode": "background",
            "totalRows": source.rows.height, "successRows": 0, "errorRows": 0, "skippedRows": 0,
            "createdRecordIds": [], "errors": [], "referenceWarnings": []}
