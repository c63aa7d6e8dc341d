"""A process killed with SIGKILL mid-import loses nothing committed; running the job again resumes after
the last committed chunk, so every row is imported exactly once and rollback stays exact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import polars as pl

import coherence_pipelines.execution.runner as runner_module
from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.modules import builtin_modules

ROWS = 2_000  # ten chunks of CHUNK rows (CHUNK_ROWS and MAX_CHUNK_ROWS both set to CHUNK)
CHUNK = 200
JOB = "job_crashresume0001"
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import coherence_pipelines.execution.runner as runner_module
    runner_module.CHUNK_ROWS = runner_module.MAX_CHUNK_ROWS = {chunk}
    from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
    from coherence_pipelines.modules import builtin_modules
    from coherence_pipelines.settings import Settings
    from coherence_pipelines.store import open_store
    store = open_store(Settings(home=Path(sys.argv[1])))  # the test's store: COHERENCE_DATABASE_URL or the file
    with store.session() as s:
        account_id = s.ensure_account("acme")
    rows = rows_frame([{{"Name": f"P{{i}}", "Email": f"p{{i}}@example.com"}} for i in range({rows})])
    mapping = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email")]
    runner = ImportRunner(store, account_id, builtin_modules()["contacts"], ImportOptions(column_mapping=mapping))
    # slow enough that the parent can kill it between chunks
    runner.execute(ImportSource(rows=rows), job_id="{job}", max_rows=None, on_progress=lambda p: time.sleep(0.25))
""").format(chunk=CHUNK, rows=ROWS, job=JOB)


def job_state(store, account_id):
    with store.session() as s:
        return s.get_job(account_id, JOB)


def test_kill_9_then_resume_imports_every_row_exactly_once(store, settings, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.home)], start_new_session=True)
    try:
        deadline = time.time() + 60
        account_id, job = None, None
        while time.time() < deadline:
            time.sleep(0.1)
            with store.session() as s:
                account_id = s.account_id_by_name("acme")
                job = s.get_job(account_id, JOB) if account_id else None
            if job and 2 * CHUNK <= job["processed_rows"] < ROWS - 2 * CHUNK:
                break
        assert job is not None and job["processed_rows"] >= 2 * CHUNK, job
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    with store.session() as s:
        committed = s.count_records(account_id, "contacts")
        job = s.get_job(account_id, JOB)
    assert job["status"] == "processing" and committed == job["created_rows"] == job["processed_rows"]
    assert committed % CHUNK == 0, "a chunk is committed whole or not at all"

    monkeypatch.setattr(runner_module, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(runner_module, "MAX_CHUNK_ROWS", CHUNK)
    rows = rows_frame([{"Name": f"P{i}", "Email": f"p{i}@example.com"} for i in range(ROWS)])
    runner = ImportRunner(store, account_id, builtin_modules()["contacts"], ImportOptions(
        column_mapping=[ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email")]))
    resumed = []
    result = runner.execute(ImportSource(rows=rows), job_id=JOB, max_rows=None,
                            on_progress=lambda p: resumed.append(p["processedRows"]))
    assert resumed[0] == committed + CHUNK, "resumes after the last committed chunk"
    assert (result["status"], result["successRows"], result["errorRows"]) == ("completed", ROWS, 0)
    assert len(result["createdRecordIds"]) == len(set(result["createdRecordIds"])) == ROWS
    with store.session() as s:
        assert s.count_records(account_id, "contacts") == ROWS
        names = s.list_records(account_id, "contacts", ROWS, 0, "created_at, record_id")[0]
        emails = pl.Series([r["data"] for r in names]).str.json_path_match("$.email[0].value")
        assert emails.n_unique() == ROWS
        job = s.get_job(account_id, JOB)
        assert (job["processed_rows"], job["created_rows"], job["success_rows"]) == (ROWS, ROWS, ROWS)
        rolled = s.rollback(account_id, JOB, utcnow())
        assert rolled.deleted_count == ROWS and s.count_records(account_id, "contacts") == 0
