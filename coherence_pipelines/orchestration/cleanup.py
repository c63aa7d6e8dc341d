"""`cleanup_job` and the hourly `cleanup_schedule`: export files past their 24 hours, staging uploads
nobody will import, and files that crashed exports left behind (no postponed annotations here: Dagster
reads the resource annotations at definition time)."""


import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export import expire_export_files
from coherence_pipelines.orchestration.resources import CoherenceResource
from coherence_pipelines.staging import remove_stored_uploads

ABANDONED_AFTER = timedelta(hours=24)
_UPLOAD_FILE = re.compile(r"^(upl_[0-9a-f]{20})\.duckdb(\.wal)?$")


def remove_abandoned_uploads(staging_dir: Path, in_use: set[str], now: float,
                             older_than: timedelta = ABANDONED_AFTER) -> int:
    """Removes staged uploads (and their DuckDB write-ahead logs) last written more than `older_than` before
    `now` (epoch seconds) that no pending or processing import reads; returns how many uploads."""
    removed = set()
    for path in staging_dir.iterdir():
        match = _UPLOAD_FILE.match(path.name)
        if match and match.group(1) not in in_use and _older(path, now, older_than):
            path.unlink(missing_ok=True)
            removed.add(match.group(1))
    return len(removed)


def remove_stray_export_files(exports_dir: Path, now: float, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Removes what interrupted exports leave: `*.partial` files (a render writes one, then renames it) and
    the temporary folders of direct API exports, which live for one request. Returns how many."""
    removed = 0
    for path in exports_dir.rglob("*.partial"):
        if path.is_file() and _older(path, now, older_than):
            path.unlink(missing_ok=True)
            removed += 1
    for folder in exports_dir.glob("tmp*"):
        if folder.is_dir() and _older(folder, now, older_than):
            removed += sum(1 for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
    return removed


def _older(path: Path, now: float, age: timedelta) -> bool:
    try:
        return now - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:  # removed by someone else meanwhile
        return False


@dg.op(description="Remove expired export files, abandoned staging uploads and leftovers of crashed exports")
def remove_expired_files(context: dg.OpExecutionContext, coherence: CoherenceResource) -> dg.Output[dict]:
    store, settings = coherence.store, coherence.settings
    with store.session() as session:
        in_use = session.upload_ids_in_use()
    counts = {
        "expired_export_files": expire_export_files(store, utcnow()),
        "abandoned_uploads": remove_abandoned_uploads(settings.staging_dir, in_use, time.time())
        + remove_stored_uploads(settings.staging_dir, utcnow() - ABANDONED_AFTER, in_use),
        "stray_export_files": remove_stray_export_files(settings.exports_dir, time.time()),
    }
    context.log.info(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
    return dg.Output(counts, metadata=counts)


@dg.job(description="Remove expired export files and abandoned staging uploads", tags={"coherence/kind": "cleanup"})
def cleanup_job() -> None:
    remove_expired_files()


cleanup_schedule = dg.ScheduleDefinition(
    name="cleanup_schedule", job=cleanup_job, cron_schedule="15 * * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly: export files past their 24 hours, staging uploads unused for 24 hours")
