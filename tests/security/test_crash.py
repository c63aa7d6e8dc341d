"""A `coherence import` killed with SIGKILL mid-import, on the embedded store, updating existing records and
creating new ones: everything committed is kept, whole chunks only; the job's counters say exactly what
was committed; running the job again resumes it and lands every row once; rollback then restores the store
to the state before the import, updated records included.

tests/execution/test_crash_resume.py kills the runner of a create-only import; this kills the command a
user runs, over an import whose before-images matter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import polars as pl

EXISTING = 600  # records before the import: the file's first rows update them
ROWS = 2_000  # ten chunks of CHUNK rows (CHUNK_ROWS and MAX_CHUNK_ROWS both set to CHUNK)
CHUNK = 200
MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Email", "targetFieldSlug": "email"},
           {"sourceColumn": "Title", "targetFieldSlug": "jobTitle"}]

# `coherence import`, with small chunks and a pause after each so that the kill lands mid-import.
CHILD = textwrap.dedent("""
    import sys, time
    import coherence_pipelines.execution.runner as runner_module
    runner_module.CHUNK_ROWS = runner_module.MAX_CHUNK_ROWS = {chunk}
    apply_chunk = runner_module.apply_chunk
    def paced(*args, **kwargs):
        outcome = apply_chunk(*args, **kwargs)
        time.sleep(0.2)
        return outcome
    runner_module.apply_chunk = paced
    from coherence_pipelines.cli import main
    sys.argv = ["coherence", *sys.argv[1:]]
    main()
""").format(chunk=CHUNK)


def file_rows() -> list[dict[str, str]]:
    return [{"Name": f"Person {i}", "Email": f"p{i}@example.com", "Title": f"Title {i}"} for i in range(ROWS)]


def snapshot(store, account_id: str) -> dict[str, dict]:
    """Every contact's stored document, by record id."""
    with store.session() as s:
        rows, _ = s.list_records(account_id, "contacts", 100_000, 0, "record_id")
    return {r["record_id"]: json.loads(r["data"]) if isinstance(r["data"], str) else r["data"] for r in rows}


def test_a_killed_import_command_keeps_what_it_committed_resumes_and_rolls_back_exactly(
        api, store, settings, tmp_path, monkeypatch):
    existing = [{"Name": f"Old {i}", "Email": f"p{i}@example.com", "Title": "Before"} for i in range(EXISTING)]
    api.execute(existing, MAPPING)
    with store.session() as s:
        account_id = s.account_id_by_name("acme")
    before = snapshot(store, account_id)
    assert len(before) == EXISTING

    csv = tmp_path / "people.csv"
    pl.DataFrame(file_rows()).write_csv(csv)
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({"columnMapping": MAPPING}))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "import", str(csv), "--module", "contacts", "--account", "acme",
         "--mapping", str(mapping_file), "--duplicates", "update", "--match", "email"],
        env={**os.environ, "COHERENCE_HOME": str(settings.home)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        job = _wait_for_progress(store, account_id, child)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()

    # What was committed is there, whole chunks of it, and the job says exactly that much.
    with store.session() as s:
        job = s.get_job(account_id, job["job_id"])
        lineage = s.job_lineage(job["job_id"])
        committed = s.count_records(account_id, "contacts")
    assert job["status"] == "processing" and job["processed_rows"] % CHUNK == 0
    assert job["updated_rows"] == min(job["processed_rows"], EXISTING)
    assert job["created_rows"] == job["processed_rows"] - job["updated_rows"] == committed - EXISTING
    assert lineage.height == job["processed_rows"]
    # Its process is gone: the job says so (an accurate failure, with what it committed), not "processing".
    shown = api.data(api.get(f"/modules/contacts/import/jobs/{job['job_id']}"))
    assert (shown["status"], shown["processedRows"]) == ("failed", job["processed_rows"])
    assert shown["failure"].startswith("Interrupted") and f"{job['processed_rows']:,} of {ROWS:,}" in shown["failure"]

    # `coherence import --resume JOB` goes on after the last committed chunk (here with the usual chunk size:
    # resuming does not depend on how the first attempt cut its chunks).
    proc = subprocess.run(
        [sys.executable, "-m", "coherence_pipelines.cli", "import", str(csv), "--module", "contacts", "--account",
         "acme", "--resume", job["job_id"]], env={**os.environ, "COHERENCE_HOME": str(settings.home)},
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result["status"], result["successRows"], result["errorRows"]) == ("completed", ROWS, 0)
    assert (result["updatedRows"], result["createdRows"]) == (EXISTING, ROWS - EXISTING)
    after = snapshot(store, account_id)
    assert len(after) == ROWS, "every row landed once: no duplicate, none lost"
    titles = sorted(doc["jobTitle"] for doc in after.values())
    assert titles == sorted(f"Title {i}" for i in range(ROWS))

    # Rollback: created records deleted, updated ones restored to the very state before the import.
    rolled = api.data(api.delete(f"/modules/contacts/import/jobs/{job['job_id']}"))
    assert (rolled["deletedCount"], rolled["restoredCount"]) == (ROWS - EXISTING, EXISTING)
    assert snapshot(store, account_id) == before


def _wait_for_progress(store, account_id: str, child: subprocess.Popen) -> dict:
    """The command's job once it has committed updates and creates, with chunks still to go."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        time.sleep(0.05)
        assert child.poll() is None, f"the import ended before it was killed: {child.stderr.read().decode()[-3000:]}"
        with store.session() as s:
            running = [j for j in s.list_jobs(account_id, "contacts", 5) if j["status"] == "processing"]
        if running and EXISTING + CHUNK <= running[0]["processed_rows"] < ROWS - 2 * CHUNK:
            return running[0]
    raise AssertionError("the import did not get under way in 90 s")
