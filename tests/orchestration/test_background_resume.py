"""A background import's Dagster run killed with SIGKILL midway, launched again for the same job: every
row lands exactly once and the job's counts are true."""

from __future__ import annotations

import os
import signal
import time

import polars as pl

from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.orchestration.launch import launch_background_import
from coherence_pipelines.staging import stage_upload

ROWS = 30_000


def test_killed_run_relaunched_resumes_without_duplicates(store, settings):
    with store.session() as s:
        account_id = s.ensure_account("acme")
    frame = pl.DataFrame({"Name": [f"P{i}" for i in range(ROWS)], "Email": [f"p{i}@example.com" for i in range(ROWS)]})
    staged = stage_upload(settings.staging_dir, account_id, "contacts", frame, file_name="p.csv", file_type="csv",
                          encoding="utf-8", delimiter=",")
    runner = ImportRunner(store, account_id, builtin_modules()["contacts"], ImportOptions(
        column_mapping=[ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email")]))
    source = ImportSource(rows=frame, file_name="p.csv", file_type="csv", upload_id=staged.upload_id)
    job = runner.new_job("job_bgresume00000001", source, "background")
    with store.session() as s:
        s.insert_job(job)

    def state():
        with store.session() as s:
            return s.get_job(account_id, job["job_id"])

    first = launch_background_import(settings, "acme", job["job_id"])
    deadline = time.time() + 120
    while time.time() < deadline:
        current = state()
        if 0 < current["processed_rows"] < ROWS:
            break
        assert first.poll() is None, (settings.logs_dir / f"{job['job_id']}.log").read_text()[-2000:]
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = state()
    assert 0 < killed_at["processed_rows"] < ROWS and killed_at["status"] == "processing"

    second = launch_background_import(settings, "acme", job["job_id"])
    assert second.wait(timeout=180) == 0, (settings.logs_dir / f"{job['job_id']}.log").read_text()[-2000:]
    done = state()
    assert (done["status"], done["processed_rows"], done["created_rows"], done["error_rows"]) == (
        "completed", ROWS, ROWS, 0)
    with store.session() as s:
        assert s.count_records(account_id, "contacts") == ROWS
        assert s.job_lineage(job["job_id"]).height == ROWS
