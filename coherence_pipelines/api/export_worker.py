"""Export jobs the API starts run on a small thread pool in the server process: an export is one query
and one file write, so a Dagster run's start-up (seconds) would cost more than most exports take.
Jobs a stopped server left unfinished are picked up again when it starts."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export import resumable, run_export_job
from coherence_pipelines.store.base import RecordStore

log = logging.getLogger("coherence.export")

REQUEUED = {"status": "pending", "progress": 0, "runner": None, "heartbeat_at": None}


class ExportWorker:
    def __init__(self, store: RecordStore, exports_dir: Path, threads: int = 2) -> None:
        self.store, self.exports_dir = store, exports_dir
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="export-job")

    def submit(self, export_job_id: str) -> None:
        self._pool.submit(self._run, export_job_id)

    def resume_unfinished(self) -> int:
        """Jobs of the API (not Dagster's: a Dagster run retries its own) left pending, or processing by a
        process that is gone (a live worker's are its own)."""
        now = utcnow()
        with self.store.session() as session:
            jobs = [j for j in session.unfinished_export_jobs() if j["trigger"] == "api" and resumable(j, now)]
            # Reads settle a job whose runner is gone as failed, and the stopped server's pid is gone: its
            # jobs are queued again (pending, no runner: reads leave them alone) in the unit of work that
            # finds them, and the app's lifespan runs this before the server answers any request. Taking
            # failed jobs back instead would turn a failure a client may have seen, and acted on by
            # requesting the export again, into a running job. A worker already serving while another starts
            # may still settle such a job first: it then ends failed, asking for the export again, not stuck.
            for job in jobs:
                if job["status"] == "processing":
                    session.update_export_job(job["export_job_id"], REQUEUED)
        for job in jobs:
            self.submit(job["export_job_id"])
        return len(jobs)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, export_job_id: str) -> None:
        try:
            run_export_job(self.store, self.exports_dir, export_job_id)
        except Exception:  # noqa: BLE001 - the job records its failure; this only keeps the pool alive
            log.exception("export job %s could not run", export_job_id)
