"""`cleanup_job` run for real over a real store, export folder and staging folder."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import dagster as dg

from coherence_pipelines.execution.jobs import new_job, utcnow
from coherence_pipelines.export import build_spec, create_export_job, new_export_job
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.orchestration.cleanup import cleanup_job, cleanup_schedule
from coherence_pipelines.orchestration.resources import CoherenceResource

DAY = 24 * 3600


def run_cleanup(settings):
    result = cleanup_job.execute_in_process(resources={"coherence": CoherenceResource(home=str(settings.home))},
                                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result.output_for_node("remove_expired_files")


def export_file(settings, store, account_id, expires_in):
    spec = build_spec(builtin_modules()["contacts"], "csv", None)
    job = create_export_job(store, new_export_job(account_id, spec, source_type="module", source_id="mod_contacts",
                                                  source_name="contacts", trigger="api"))
    path = settings.exports_dir / account_id / f"{job['export_job_id']}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Name\nAnn\n")
    with store.session() as session:
        session.update_export_job(job["export_job_id"], {
            "status": "completed", "file_path": str(path), "completed_at": utcnow() - timedelta(days=1),
            "expires_at": utcnow() + expires_in})
    return job["export_job_id"], path


def aged(path, seconds):
    """The file (made empty if missing) as if last written `seconds` ago."""
    if not path.exists():
        path.touch()
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_expired_export_files_are_removed_and_their_jobs_marked_expired(settings, store, api):
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
    old_id, old_path = export_file(settings, store, account_id, expires_in=-timedelta(minutes=1))
    young_id, young_path = export_file(settings, store, account_id, expires_in=timedelta(hours=3))
    counts = run_cleanup(settings)
    assert counts["expired_export_files"] == 1
    assert not old_path.exists() and young_path.exists()
    assert api.data(api.get(f"/export-jobs/{old_id}"))["status"] == "expired"
    assert api.data(api.get(f"/export-jobs/{young_id}"))["status"] == "completed"
    assert api.get(f"/export-jobs/{old_id}/file").status_code == 410


def test_abandoned_uploads_go_while_young_and_in_use_ones_stay(settings, store):
    staging = settings.staging_dir
    abandoned = aged(staging / f"upl_{'a' * 20}.duckdb", 2 * DAY)
    abandoned_wal = aged(staging / f"upl_{'a' * 20}.duckdb.wal", 2 * DAY)
    in_use = aged(staging / f"upl_{'b' * 20}.duckdb", 2 * DAY)
    young = aged(staging / f"upl_{'c' * 20}.duckdb", 3600)
    other = aged(staging / "notes.txt", 2 * DAY)
    with store.session() as session:
        account_id = session.ensure_account("acme")
        session.insert_job(new_job("job_inuse", account_id, "contacts", processing_mode="background",
                                   total_rows=1, duplicate_strategy="skip", ai_mapping_used=False,
                                   file_name="big.csv", file_type="csv", upload_id=in_use.stem, options={}))
    counts = run_cleanup(settings)
    assert counts["abandoned_uploads"] == 1
    assert not abandoned.exists() and not abandoned_wal.exists()
    assert in_use.exists() and young.exists() and other.exists()


def test_leftovers_of_crashed_exports_older_than_a_day_go(settings):
    account_dir = settings.exports_dir / "acc_1"
    account_dir.mkdir()
    old_partial = aged(account_dir / "exp_1.csv.partial", 2 * DAY)
    young_partial = aged(account_dir / "exp_2.csv.partial", 60)
    kept = aged(account_dir / "exp_3.csv", 2 * DAY)  # a job's file: only its job's expiry removes it
    request_dir = settings.exports_dir / "tmpab12cd"  # a direct API export's folder, left by a crash
    request_dir.mkdir()
    (request_dir / "export.pdf").touch()
    aged(request_dir, 2 * DAY)
    counts = run_cleanup(settings)
    assert counts["stray_export_files"] == 2
    assert not old_partial.exists() and not request_dir.exists()
    assert young_partial.exists() and kept.exists()


def test_the_cleanup_schedule_runs_hourly():
    assert cleanup_schedule.cron_schedule == "15 * * * *" and cleanup_schedule.job_name == "cleanup_job"
